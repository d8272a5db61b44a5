"""One reader per file format, behind one interface.

A reader turns the bytes of a file into `RawText`: the text as published (to be cleaned and
parsed by the next steps) and any metadata the format itself carries (front matter, <meta>).
Adding a format means adding one module here that calls `register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from searchapp.corpus.model import Metadata, UnreadableFile
from searchapp.corpus.notes import Note


@dataclass
class RawText:
    text: str
    metadata: Metadata = field(default_factory=Metadata)
    # Formats that already know their paragraphs (HTML <p>, XML articles) hand them over as
    # blocks; None means "plain text: find the paragraphs yourself".
    blocks: list[str] | None = None
    # Editorial footnotes, taken out of the text; each finds its paragraph after parsing.
    notes: list[Note] = field(default_factory=list)


Reader = Callable[[bytes, Path], RawText]
_READERS: dict[str, Reader] = {}


def register(*suffixes: str) -> Callable[[Reader], Reader]:
    def deco(fn: Reader) -> Reader:
        for suffix in suffixes:
            _READERS[suffix.lower()] = fn
        return fn

    return deco


def supported_suffixes() -> frozenset[str]:
    return frozenset(_READERS)


def read_file(path: Path) -> RawText:
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFile(f"unsupported file type {path.suffix or '(none)'}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from exc
    return reader(data, path)


# The readers register themselves on import.
from searchapp.corpus.readers import html as _html  # noqa: E402, F401
from searchapp.corpus.readers import markdown as _markdown  # noqa: E402, F401
from searchapp.corpus.readers import pdf as _pdf  # noqa: E402, F401
from searchapp.corpus.readers import text as _text  # noqa: E402, F401
from searchapp.corpus.readers import xml as _xml  # noqa: E402, F401
