"""One reader per file format, behind one interface.

A reader turns the bytes of a file into `RawText`: the text as published (to be cleaned and
parsed by the next steps) and any metadata the format itself carries (front matter, <meta>).
Adding a format means adding one module here that calls `register`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from searchapp.corpus.budget import OverBudget, current
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


# The files a collection carries about itself, whatever their suffix and at any level of the
# documents folder: "README.md", "LICENSE", "CHANGELOG.txt", "readme-first.txt".
_NOT_DOCUMENTS = re.compile(
    r"^(?:readme|licen[cs]e|copying|changelog|contributing|authors)(?:[ ._-].*)?$", re.I
)


def skip_reason(relpath: str) -> str | None:
    """Why the file at `relpath` is not a document to index, or None when it is one."""
    name = relpath.rsplit("/", 1)[-1]
    if _NOT_DOCUMENTS.match(name):
        return "not a document: a collection's README, LICENSE, CHANGELOG or similar file"
    stem, dot, ext = name.rpartition(".")
    # Path(name).suffix without a Path per file (a folder of 30,000 files is scanned at every
    # index run): ".bashrc" and "notes." have none.
    suffix = f".{ext}".lower() if dot and stem and ext else ""
    if suffix not in _READERS:
        return f"unsupported file type {suffix or '(none)'}"
    return None


def read_file(path: Path) -> RawText:
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFile(f"unsupported file type {path.suffix or '(none)'}")
    limit = current().limits.max_file_bytes
    try:
        check_size(path.stat().st_size, limit)
        with path.open("rb") as f:
            # Read one byte past the limit: a file that grew since stat() is still refused.
            data = f.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from exc
    check_size(len(data), limit)
    return reader(data, path)


def check_size(size: int, limit: int) -> None:
    """Refuse a file of `size` bytes over the `limit` for one document."""
    if size > limit:
        raise OverBudget(
            f"file too large: {_megabytes(size)} MB, over the {_megabytes(limit)} MB limit for "
            "one document (raise SEARCHAPP_MAX_FILE_MB to index it)"
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.2f}".rstrip("0").rstrip(".")


# The readers register themselves on import.
from searchapp.corpus.readers import html as _html  # noqa: E402, F401
from searchapp.corpus.readers import markdown as _markdown  # noqa: E402, F401
from searchapp.corpus.readers import pdf as _pdf  # noqa: E402, F401
from searchapp.corpus.readers import text as _text  # noqa: E402, F401
from searchapp.corpus.readers import xml as _xml  # noqa: E402, F401
