"""Fixes to Whoosh behaviour that cost us time, applied once on import of the engine.

Whoosh 2.7's per-document reader remembers column readers it found but not columns it did
not find. Fields without a length column (the ID fields) asked the filesystem again, for
every one of their postings while a segment was written, whether that column file exists:
two thirds of the build time of the UN corpus went to `stat`. Remembering the absence too is
safe because a segment's files never change once written.
"""

from __future__ import annotations

from whoosh.codec import whoosh3

_MISSING = object()


def _cached_reader(self, fieldname, column):  # type: ignore[no-untyped-def]
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader
