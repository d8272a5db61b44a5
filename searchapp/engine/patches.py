"""Fixes to Whoosh behaviour that cost us time, applied once on import of the engine.

Whoosh 2.7's per-document reader remembers column readers it found but not columns it did
not find. Fields without a length column (the ID fields) asked the filesystem again, for
every one of their postings while a segment was written, whether that column file exists:
two thirds of the build time of the UN corpus went to `stat`. Remembering the absence too is
safe because a segment's files never change once written.

Whoosh opens each file of a segment as a memoryview of the memory-mapped segment, then wraps
it in `BytesIO(view)` to read it, which copies the view: opening an index read every segment
whole into memory (76 MB and a quarter of a second at UN size, at every cold start). The
wrapper below reads from the view itself, so only what a query reads is paged in.

A column of variable-length values without stored offsets (the stored fields) derives its
offsets from the lengths when it is opened, in a Python loop over every document: 60 ms at
UN size, at every cold start. The replacement does the same sum with NumPy.

Each StemFilter has a cache of its own, made again whenever a schema is unpickled: every
index run of a long-lived process (a server's add, the benchmark's) stemmed its documents'
words afresh, 25 ms instead of 8 for one document of 35 paragraphs. Filters of the same
language share one process-wide cache instead (functools', in C).
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable, Iterator
from functools import cache, lru_cache

import numpy as np
from whoosh import columns
from whoosh.analysis import StemFilter
from whoosh.codec import whoosh3
from whoosh.filedb import structfile
from whoosh.lang import stemmer_for_language

_MISSING = object()


def _cached_reader(self, fieldname, column):  # type: ignore[no-untyped-def]
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader


class _ViewFile:
    """A read-only file over a memoryview that reads without copying the whole of it."""

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0

    def read(self, n: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if n is None or n < 0 else min(len(self._buf), start + n)
        self._pos = max(start, end)
        return self._buf[start:end].tobytes()

    def readline(self, limit: int = -1) -> bytes:
        out = bytearray()
        while self._pos < len(self._buf) and (limit < 0 or len(out) < limit):
            chunk = self._buf[self._pos : self._pos + 256].tobytes()
            cut = chunk.find(b"\n")
            piece = chunk if cut == -1 else chunk[: cut + 1]
            if limit >= 0:
                piece = piece[: limit - len(out)]
            out += piece
            self._pos += len(piece)
            if piece.endswith(b"\n"):
                break
        return bytes(out)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def seek(self, pos: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._buf)}[whence]
        self._pos = base + pos
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None


def _buffer_file_init(self, buf, name=None, onclose=None):  # type: ignore[no-untyped-def]
    self._buf = buf
    self._name = name
    self.file = _ViewFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


structfile.BufferFile.__init__ = _buffer_file_init


def _read_offsets_and_lengths(self):  # type: ignore[no-untyped-def]
    """Whoosh's VarBytesColumn.Reader method, with the offsets summed by NumPy."""
    dbfile, doccount = self._dbfile, self._doccount
    lastbyte = self._basepos + self._length - 1
    lens_code = chr(dbfile.get_byte(lastbyte))
    offsets = None
    if lens_code == "X":  # the offsets were written: the real lengths typecode is earlier
        self.had_stored_offsets = True
        lens_code = chr(dbfile.get_byte(lastbyte - 2))
        offsets_code = chr(dbfile.get_byte(lastbyte - 1))
        offsetstart = (lastbyte - 2) - doccount * struct.calcsize(offsets_code)
        offsets = dbfile.get_array(offsetstart, offsets_code, doccount)
        lastbyte = offsetstart
    lenstart = lastbyte - struct.calcsize(lens_code) * doccount
    lengths = dbfile.get_array(lenstart, lens_code, doccount)
    if offsets is None:
        summed = np.zeros(doccount, dtype=np.int64)
        if doccount > 1:
            np.cumsum(np.asarray(lengths[:-1], dtype=np.int64), out=summed[1:])
        offsets = array("q")
        offsets.frombytes(summed.tobytes())
    self._offsets = offsets
    self._lengths = lengths


columns.VarBytesColumn.Reader._read_offsets_and_lengths = _read_offsets_and_lengths


STEM_CACHE = 100_000  # distinct words a language's stemmer remembers (a few MB)
_stem_filter_clear = StemFilter.clear


@cache
def _shared_stemmer(lang: str) -> Callable[[str], str]:
    return lru_cache(maxsize=STEM_CACHE)(stemmer_for_language(lang))


def _clear(self: StemFilter) -> None:
    if self.lang and isinstance(self.cachesize, int) and self.cachesize != 0:
        self._stem = _shared_stemmer(self.lang)
    else:
        _stem_filter_clear(self)


StemFilter.clear = _clear
