"""The catalog: metadata given for files in `metadata.csv` (given wins over extracted)."""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from searchapp.corpus.dates import valid_date
from searchapp.corpus.model import Metadata

log = logging.getLogger(__name__)

CATALOG_NAME = "metadata.csv"
CATALOG_FIELDS = ("file", "title", "date", "kind", "place", "parties", "language", "source")
_CATALOG_DATE = re.compile(r"^\d{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")


def parse_catalog_date(value: str) -> str | None:
    """A catalog date if it is YYYY, YYYY-MM or YYYY-MM-DD; ValueError otherwise."""
    value = value.strip()
    if not value:
        return None
    m = _CATALOG_DATE.match(value)
    if not m or (m.group(2) and not valid_date(int(value[:4]), int(m.group(1)), int(m.group(2)))):
        raise ValueError(f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return value


class Catalog(Mapping[str, Metadata]):
    """metadata.csv by file path ("/" separators): each row is parsed into Metadata only when
    asked for, and `key` tells whether a file's row changed without parsing it. An index run
    parses the rows of the files it reads, not all of them: parsing 8,500 rows was a fifth
    of adding one document to a folder of that many."""

    def __init__(
        self,
        rows: dict[str, tuple[int, list[str]]],
        columns: list[int | None],
        warnings: list[str],
    ) -> None:
        self._rows = rows  # file -> (line number, the row's cells as read)
        self._columns = columns  # where each of CATALOG_FIELDS is in a row, if anywhere
        self._parsed: dict[str, Metadata] = {}
        self._warnings = warnings

    def __getitem__(self, file: str) -> Metadata:
        found = self._parsed.get(file)
        if found is None:
            line_no, line = self._rows[file]
            given = {
                name: line[i].strip() or None if i is not None and i < len(line) else None
                for name, i in zip(CATALOG_FIELDS, self._columns, strict=True)
            }
            where = f"{CATALOG_NAME}, line {line_no} ({file})"
            found = self._parsed[file] = _row_metadata(given, where, self._warnings)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def key(self, file: str) -> str:
        """A hash of the file's row as written (any edit to it changes the key); the same
        for every file without a row."""
        row = self._rows.get(file)
        text = "\x1f".join(row[1]) if row is not None else "no row"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_catalog(documents_dir: Path, warnings: list[str] | None = None) -> Catalog:
    """The metadata given in `documents_dir/metadata.csv`, by file path ("/" separators).

    A missing catalog is an empty one. Problems in a row (a malformed date) are warnings,
    added to `warnings` when the row is first read: the rest of the row, and the other rows,
    still count.
    """
    path = Path(documents_dir) / CATALOG_NAME
    warn = warnings if warnings is not None else []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            lines = list(csv.reader(fh))
    except FileNotFoundError:
        lines = []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        _warn(warn, f"{CATALOG_NAME}: cannot be read ({exc}); its metadata is ignored")
        lines = []
    header = [name.strip() for name in lines[0]] if lines else []
    columns = [header.index(f) if f in header else None for f in CATALOG_FIELDS]
    at = columns[0]
    rows: dict[str, tuple[int, list[str]]] = {}
    for line_no, line in enumerate(lines[1:], start=2):
        file = line[at].strip() if at is not None and at < len(line) else ""
        file = file.replace("\\", "/").lstrip("/").removeprefix("./")
        if file:
            rows[file] = (line_no, line)
        elif any(cell.strip() for cell in line):
            _warn(warn, f"{CATALOG_NAME}, line {line_no}: no file name; row ignored")
    return Catalog(rows, columns, warn)


def _row_metadata(given: dict[str, str | None], where: str, warn: list[str]) -> Metadata:
    try:
        date = parse_catalog_date(given["date"] or "")
    except ValueError as exc:
        _warn(warn, f"{where}: {exc}; the date is ignored")
        date = None
    parties = [p.strip() for p in (given["parties"] or "").split(";") if p.strip()]
    return Metadata(
        title=given["title"],
        date=date,
        kind=given["kind"],
        place=given["place"],
        parties=parties,
        language=given["language"],
        source=given["source"],
    )


def _warn(warnings: list[str], message: str) -> None:
    log.warning("%s", message)
    warnings.append(message)


def save_catalog_row(documents_dir: Path, relpath: str, meta: Metadata) -> None:
    """Add or replace the row of `relpath` in metadata.csv, atomically.

    The new catalog is written to a temporary file in the same folder and moved over the old
    one, so a crash leaves either the old or the new catalog, never half of one; the whole
    read-change-replace holds a file lock, so two writers at once (two `searchapp add`, an add
    from the browser) each keep the other's row. Columns other than the standard ones, and the
    other rows, are kept as they were.
    """
    documents_dir = Path(documents_dir)
    relpath = relpath.replace("\\", "/")
    if meta.date:
        parse_catalog_date(meta.date)
    documents_dir.mkdir(parents=True, exist_ok=True)
    with _catalog_lock(documents_dir):
        _replace_row(documents_dir / CATALOG_NAME, relpath, meta)


@contextlib.contextmanager
def _catalog_lock(documents_dir: Path) -> Iterator[None]:
    """The documents folder itself is locked (flock works on a folder's descriptor): no lock
    file to leave among the documents, and metadata.csv is replaced, so it cannot hold one."""
    fd = os.open(documents_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # writers hold it for milliseconds: wait for it
        yield
    finally:
        os.close(fd)


def _replace_row(path: Path, relpath: str, meta: Metadata) -> None:
    documents_dir = path.parent
    fields = list(CATALOG_FIELDS)
    rows: list[dict[str, str]] = []
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            fields += [f for f in reader.fieldnames or [] if f and f not in fields]
            rows = [{k: v or "" for k, v in row.items() if k} for row in reader]
    new_row = {
        "file": relpath,
        "title": meta.title or "",
        "date": meta.date or "",
        "kind": meta.kind or "",
        "place": meta.place or "",
        "parties": ";".join(meta.parties),
        "language": meta.language or "",
        "source": meta.source or "",
    }
    for row in rows:
        if (row.get("file") or "").strip().replace("\\", "/") == relpath:
            row.update(new_row)
            break
    else:
        rows.append(new_row)
    fd, tmp = tempfile.mkstemp(prefix=".metadata-", suffix=".csv.tmp", dir=documents_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
