"""The paragraphs every engine indexes, produced once per corpus by searchapp's own ingestion.

The peers (FTS5, Tantivy) get exactly the paragraphs our pipeline produced. While
`searchapp.corpus.load_document` is not available, files are split on lines instead (and the
report says so).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from searchapp.corpus.model import Metadata

SUFFIXES = (".txt",)


@dataclass(frozen=True, slots=True)
class Para:
    doc: str  # path relative to the documents folder
    number: int
    year: int  # 0 when unknown
    section: str
    text: str


def ingestion_mode() -> str:
    """'searchapp' when our ingestion is importable, else 'lines'."""
    try:
        from searchapp.corpus import load_document  # noqa: F401
    except ImportError:
        return "lines"
    return "searchapp"


def read_metadata_csv(documents: Path) -> dict[str, Metadata]:
    """metadata.csv as our ingestion reads it (its own reader when available)."""
    try:
        from searchapp.corpus import load_catalog
    except ImportError:
        return _parse_metadata_csv(documents)
    return dict(load_catalog(documents))


def _parse_metadata_csv(documents: Path) -> dict[str, Metadata]:
    path = documents / "metadata.csv"
    if not path.is_file():
        return {}
    out: dict[str, Metadata] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["file"]] = Metadata(
                title=row["title"] or None,
                date=row["date"] or None,
                kind=row["kind"] or None,
                place=row["place"] or None,
                parties=[p for p in row["parties"].split(";") if p],
                language=row["language"] or None,
                source=row["source"] or None,
            )
    return out


def document_files(documents: Path) -> list[Path]:
    return sorted(p for p in documents.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def _load_chunk(args: tuple[str, list[str], dict[str, Metadata], str]) -> list[Para]:
    root_text, relatives, given, mode = args
    root = Path(root_text)
    out: list[Para] = []
    for relative in relatives:
        out.extend(load_file(root, relative, given.get(relative), mode))
    return out


def load_file(root: Path, relative: str, given: Metadata | None, mode: str) -> list[Para]:
    path = root / relative
    if mode == "lines":
        year = (given.year if given else None) or 0
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        return [Para(relative, i, year, "", t) for i, t in enumerate(filter(None, lines), 1)]
    from searchapp.corpus import UnreadableFile, load_document

    try:
        document = load_document(path, root, given)
    except UnreadableFile:
        return []  # the indexer skips (and reports) it too
    year = document.metadata.year or 0
    return [Para(relative, p.number, year, p.section or "", p.text) for p in document.paragraphs]


def load_corpus(documents: Path, workers: int = 2) -> list[Para]:
    """All paragraphs of a documents folder, in file order, loaded by `workers` processes."""
    mode = ingestion_mode()
    given = read_metadata_csv(documents)
    relatives = [p.relative_to(documents).as_posix() for p in document_files(documents)]
    size = max(1, len(relatives) // (workers * 8))
    chunks = [relatives[i : i + size] for i in range(0, len(relatives), size)]
    jobs = [(str(documents), c, {r: given[r] for r in c if r in given}, mode) for c in chunks]
    if workers <= 1 or len(chunks) <= 1:
        return [p for job in jobs for p in _load_chunk(job)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [p for chunk in pool.map(_load_chunk, jobs) for p in chunk]


def write_jsonl(paras: Sequence[Para], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for p in paras:
            fh.write(json.dumps([p.doc, p.number, p.year, p.section, p.text]) + "\n")


def read_jsonl(path: Path) -> Iterator[Para]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            doc, number, year, section, text = json.loads(line)
            yield Para(doc, number, year, section, text)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
