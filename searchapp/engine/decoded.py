"""What the engine decodes from an index generation at open, saved beside it.

Queries need, for every paragraph, whether it is live, its year, section, document, reading
order and field lengths as NumPy arrays. Whoosh keeps them in columns read one Python value
at a time: at UN size that was most of a cold `searchapp search`. So they are decoded once
per committed state of a generation (Whoosh's TOC generation number), when the index writer
commits, and written as .npy files into `decoded-NNNNNN/` inside the generation folder; a
reader memory-maps them, which costs milliseconds and shares the pages between processes.

A generation written before this existed, or whose arrays are missing or do not match (the
TOC generation or the paragraph count differs), is decoded from Whoosh as before, and the
arrays are saved then if the folder is writable.
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
from whoosh import index as windex
from whoosh.reading import IndexReader

from searchapp.engine.postings import column_values, field_lengths, live_mask

PREFIX = "decoded-"
VALUES = "values.json"
LENGTH_FIELDS = ("text", "doc_title", "section_text")
KEEP = 2  # decoded states kept: the newest, and the one a running reader may still map


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

    def arrays(self) -> dict[str, np.ndarray]:
        named = {
            "live": self.live,
            "year_code": self.year_code,
            "section_code": self.section_code,
            "doc_code": self.doc_code,
            "order": self.order,
        }
        return named | {f"length_{f}": a for f, a in self.lengths.items()}


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _codes(values: list[object]) -> tuple[list[object], np.ndarray]:
    """Distinct values (first-seen order) and each document's index into them."""
    index: dict[object, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), np.int32, len(values))
    return list(index), codes


def decode(reader: IndexReader) -> Decoded:
    """The arrays, read from Whoosh's columns (the slow way)."""
    years, year_code = _codes([int(v) for v in column_values(reader, "year")])
    sections, section_code = _codes([_text(v) for v in column_values(reader, "section")])
    docs, doc_code = _codes([_text(v) for v in column_values(reader, "doc_id")])
    return Decoded(
        live=live_mask(reader),
        years=years,  # type: ignore[arg-type]
        year_code=year_code,
        sections=sections,  # type: ignore[arg-type]
        section_code=section_code,
        docs=docs,  # type: ignore[arg-type]
        doc_code=doc_code,
        order=np.array(column_values(reader, "order"), dtype=np.int64),
        lengths={f: field_lengths(reader, f) for f in LENGTH_FIELDS},
    )


def _folder(gen: Path, toc_generation: int) -> Path:
    return gen / f"{PREFIX}{toc_generation:06d}"


def load(gen: Path, reader: IndexReader) -> Decoded | None:
    """The saved arrays of the state `reader` reads, memory-mapped; None when there are none
    that match it."""
    folder = _folder(gen, reader.generation())
    try:
        values = json.loads((folder / VALUES).read_text("utf-8"))
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in values["arrays"]}
    except (OSError, ValueError, KeyError):
        return None
    n = reader.doc_count_all()
    if values.get("doc_count_all") != n or any(len(a) != n for a in arrays.values()):
        return None
    return Decoded(
        live=arrays["live"],
        years=values["years"],
        year_code=arrays["year_code"],
        sections=values["sections"],
        section_code=arrays["section_code"],
        docs=values["docs"],
        doc_code=arrays["doc_code"],
        order=arrays["order"],
        lengths={f: arrays[f"length_{f}"] for f in LENGTH_FIELDS},
    )


def save(gen: Path, reader: IndexReader, decoded: Decoded) -> None:
    """Write the arrays of the state `reader` reads; all files appear at once (one rename of
    their folder), so a reader sees them whole or not at all."""
    target = _folder(gen, reader.generation())
    if target.exists():
        return
    tmp = Path(tempfile.mkdtemp(prefix=".decoding-", dir=gen))
    try:
        arrays = decoded.arrays()
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(array))
        values = {
            "doc_count_all": reader.doc_count_all(),
            "arrays": sorted(arrays),
            "years": decoded.years,
            "sections": decoded.sections,
            "docs": decoded.docs,
        }
        (tmp / VALUES).write_text(json.dumps(values), encoding="utf-8")
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not target.exists():
            raise
    _remove_stale(gen)


def _remove_stale(gen: Path) -> None:
    folders = sorted(p for p in gen.glob(f"{PREFIX}*") if p.is_dir())
    for old in folders[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)


def open_arrays(gen: Path, reader: IndexReader) -> Decoded:
    """The saved arrays, or else decoded now (and saved for the next reader if possible)."""
    found = load(gen, reader)
    if found is not None:
        return found
    decoded = decode(reader)
    with contextlib.suppress(OSError):  # a read-only index folder: decode at every open
        save(gen, reader, decoded)
    return decoded


def write_for(gen: Path) -> None:
    """Decode and save the arrays of the generation's latest committed state (called by the
    index writer after each commit, so that no reader has to)."""
    ix = windex.open_dir(str(gen))
    with ix.reader() as reader:
        if load(gen, reader) is None:
            save(gen, reader, decode(reader))
