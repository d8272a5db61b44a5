"""Adding new texts to the documents folder: safe names, no overwrites, recorded metadata.

Shared by `searchapp add` and the admin pages; indexing is the caller's next step.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from searchapp.corpus import save_catalog_row, supported_suffixes
from searchapp.corpus.model import Metadata
from searchapp.identity import slugify

DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
INBOX = "added"  # new texts go to documents/added/


class RejectedFile(ValueError):
    """A file that will not be added; the message says why."""


@dataclass(frozen=True)
class Placed:
    relpath: str  # relative to the documents folder
    created: bool  # False when an identical file was already there


def check_date(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not DATE.match(value):
        raise RejectedFile(f"date {value[:30]!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def safe_filename(name: str) -> str:
    """A file name that cannot leave the folder: no directories, no dots in front, only
    letters, digits and hyphens, and a suffix the readers know."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = "." + suffix.lower() if suffix else ""
    if suffix not in supported_suffixes():
        allowed = ", ".join(sorted(supported_suffixes()))
        raise RejectedFile(f"{base[:80]!r}: unsupported file type (allowed: {allowed})")
    return f"{slugify(stem)[:80] or 'document'}{suffix}"


def place(documents: Path, name: str, data: bytes) -> Placed:
    """Write `data` under documents/added/ with a safe name; never overwrite a different file
    (a second file of the same name gets "-2", "-3", …, also when two adds run at once)."""
    folder = documents / INBOX
    folder.mkdir(parents=True, exist_ok=True)
    filename = safe_filename(name)
    stem, suffix = filename.rsplit(".", 1)
    digest = hashlib.sha256(data).digest()
    n = 1
    while True:
        candidate = folder / (filename if n == 1 else f"{stem}-{n}.{suffix}")
        if not candidate.exists() and _write_new(candidate, data):
            return Placed(candidate.relative_to(documents).as_posix(), True)
        if hashlib.sha256(candidate.read_bytes()).digest() == digest:
            return Placed(candidate.relative_to(documents).as_posix(), False)
        n += 1


def _write_new(target: Path, data: bytes) -> bool:
    """Write `data` to a temporary file, then link it as `target` only if no file of that
    name appeared meanwhile (link refuses an existing name, where rename would replace it).
    False when one did: the caller tries the next name."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, target)
    except FileExistsError:
        return False
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True


def record_metadata(documents: Path, relpath: str, given: Metadata) -> None:
    if any(getattr(given, f) for f in given.__dataclass_fields__):
        save_catalog_row(documents, relpath, given)
