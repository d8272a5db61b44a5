"""What the engine decodes from an index generation at open, saved beside it.

Queries need, for every paragraph, whether it is live, its year, section, document, reading
order and field lengths as NumPy arrays. Whoosh keeps them in columns read one Python value
at a time: at UN size that was most of a cold `searchapp search`. So they are decoded once
per segment, when the index writer commits the segment, and written as .npy files into
`decoded/<segment id>/` inside the generation folder; a reader memory-maps them (which costs
milliseconds and shares the pages between processes) and only joins them: segment files
never change once written, and deletions, the one thing that does change, are read from the
segment's list of deleted documents. A commit that adds one document decodes only the new
small segment.

A segment whose arrays are missing or do not match (a generation written before this
existed) is decoded from Whoosh as before, and its arrays are saved then if the folder is
writable.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.reading import IndexReader

from searchapp.engine import store
from searchapp.engine.postings import column_values, field_lengths

FOLDER = "decoded"
VALUES = "values.json"
LENGTH_FIELDS = ("text", "doc_title", "section_text")
ARRAYS = ("year", "section_code", "doc_code", "order", *(f"length_{f}" for f in LENGTH_FIELDS))


@dataclass
class Decoded:
    live: np.ndarray
    years: list[int]
    year_code: np.ndarray
    sections: list[str]
    section_code: np.ndarray
    docs: list[str]
    doc_code: np.ndarray
    order: np.ndarray
    lengths: dict[str, np.ndarray]


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _codes(values: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct values (first-seen order) and each document's index into them."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), np.int32, len(values))
    return list(index), codes


@dataclass
class _Segment:
    """One segment's arrays (deletions aside) and the string values its codes point into."""

    arrays: dict[str, np.ndarray]
    sections: list[str]
    docs: list[str]


def _decode_segment(leaf: IndexReader) -> _Segment:
    sections, section_code = _codes([_text(v) for v in column_values(leaf, "section")])
    docs, doc_code = _codes([_text(v) for v in column_values(leaf, "doc_id")])
    arrays = {
        "year": np.array([int(v) for v in column_values(leaf, "year")], dtype=np.int32),
        "section_code": section_code,
        "doc_code": doc_code,
        "order": np.array(column_values(leaf, "order"), dtype=np.int64),
    }
    arrays |= {f"length_{f}": field_lengths(leaf, f) for f in LENGTH_FIELDS}
    return _Segment(arrays, sections, docs)


def _folder(gen: Path, segment_id: str) -> Path:
    return gen / FOLDER / segment_id


def _load_segment(gen: Path, leaf: IndexReader) -> _Segment | None:
    folder = _folder(gen, leaf.segment().segment_id())
    try:
        values = json.loads((folder / VALUES).read_text("utf-8"))
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
    except (OSError, ValueError, KeyError):
        return None
    n = leaf.doc_count_all()
    if values.get("doc_count_all") != n or any(len(a) != n for a in arrays.values()):
        return None
    return _Segment(arrays, values["sections"], values["docs"])


def _save_segment(gen: Path, leaf: IndexReader, segment: _Segment) -> None:
    """All files of a segment appear at once (one rename of their folder)."""
    target = _folder(gen, leaf.segment().segment_id())
    if target.exists():
        return
    target.parent.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".decoding-", dir=target.parent))
    try:
        for name, array in segment.arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(array))
        values = {
            "doc_count_all": leaf.doc_count_all(),
            "sections": segment.sections,
            "docs": segment.docs,
        }
        (tmp / VALUES).write_text(json.dumps(values), encoding="utf-8")
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not target.exists():
            raise


def _segment(gen: Path, leaf: IndexReader) -> _Segment:
    found = _load_segment(gen, leaf)
    if found is not None:
        return found
    decoded = _decode_segment(leaf)
    with contextlib.suppress(OSError):  # a read-only index folder: decode at every open
        _save_segment(gen, leaf, decoded)
    return decoded


def _live(leaf: IndexReader) -> np.ndarray:
    live = np.ones(leaf.doc_count_all(), dtype=bool)
    if leaf.has_deletions():
        live[np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)] = False
    return live


def _joined(parts: list[tuple[list[str], np.ndarray]]) -> tuple[list[str], np.ndarray]:
    """Segment codes into one list of values and codes into it."""
    values: dict[str, int] = {}
    out = []
    for names, codes in parts:
        lookup = np.array([values.setdefault(v, len(values)) for v in names], dtype=np.int32)
        out.append(lookup[codes] if len(codes) else codes.astype(np.int32))
    return list(values), np.concatenate(out) if out else np.zeros(0, dtype=np.int32)


def open_arrays(gen: Path, reader: IndexReader) -> Decoded:
    """Every segment's saved arrays (decoded now where there are none), joined."""
    leaves = [leaf for leaf, _ in reader.leaf_readers() if leaf.doc_count_all()]
    segments = [_segment(gen, leaf) for leaf in leaves]

    def joined(name: str, dtype: type) -> np.ndarray:
        if len(segments) == 1:  # the usual case after a rebuild: the mapped array itself
            return segments[0].arrays[name]
        if not segments:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([s.arrays[name] for s in segments])

    sections, section_code = _joined([(s.sections, s.arrays["section_code"]) for s in segments])
    docs, doc_code = _joined([(s.docs, s.arrays["doc_code"]) for s in segments])
    years = joined("year", np.int32)
    # Years are small numbers: their codes by a lookup table, in linear time.
    year_values = np.flatnonzero(np.bincount(years)) if len(years) else years
    lookup = np.zeros(int(year_values[-1]) + 1 if len(year_values) else 1, dtype=np.int32)
    lookup[year_values] = np.arange(len(year_values), dtype=np.int32)
    return Decoded(
        live=np.concatenate([_live(leaf) for leaf in leaves]) if leaves else np.zeros(0, bool),
        years=[int(y) for y in year_values],
        year_code=lookup[years],
        sections=sections,
        section_code=section_code,
        docs=docs,
        doc_code=doc_code,
        order=joined("order", np.int64),
        lengths={f: joined(f"length_{f}", np.float32) for f in LENGTH_FIELDS},
    )


def write_for(gen: Path) -> None:
    """Decode and save the arrays of the segments that have none (called by the index
    writer after each commit, so that no reader has to), and drop those of segments that are
    gone (merged away).

    Best effort: the commit has happened, and a failure here (a full disk) must not make it
    look failed; a reader decodes and saves whatever is missing.
    """
    with contextlib.suppress(OSError):
        _write_for(gen)


def _write_for(gen: Path) -> None:
    toc = store.table_of_contents(gen)
    segments = [seg for seg in toc.segments if seg.doc_count_all()]
    for seg in segments:
        # A segment's folder appears whole (one rename) and never changes: a folder that is
        # there needs no reading (a reader checks it anyway), and its segment no opening.
        if not _folder(gen, seg.segment_id()).is_dir():
            with store.segment_reader(gen, toc, seg) as leaf:
                _save_segment(gen, leaf, _decode_segment(leaf))
    current = {seg.segment_id() for seg in segments}
    for folder in (gen / FOLDER).glob("*") if (gen / FOLDER).is_dir() else ():
        if folder.name not in current and not folder.name.startswith(".decoding-"):
            shutil.rmtree(folder, ignore_errors=True)
