"""Reading Whoosh's index into arrays: posting lists, field lengths and columns.

Whoosh matchers step through postings one document at a time in Python, which costs about
5 µs a posting: a word found in 20,000 paragraphs took 100 ms to score. Here whole posting
blocks are decoded at once into NumPy arrays and scored with array arithmetic instead. This
reads two private attributes of Whoosh's block matcher (`_ids`, `_weights` after
`_read_ids()` / `_read_weights()`), pinned by the version range in pyproject.toml and
covered by the engine tests.
"""

from __future__ import annotations

import numpy as np
from whoosh.codec import whoosh3
from whoosh.reading import IndexReader

_LENGTH_OF_BYTE = np.array([whoosh3.byte_to_length(b) for b in range(256)], dtype=np.float32)
EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_TF = np.zeros(0, dtype=np.float32)


def term_postings(reader: IndexReader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Global document numbers (sorted) and term frequencies of one term, deleted documents
    included (the caller masks them with the live set)."""
    ids_parts: list[np.ndarray] = []
    tf_parts: list[np.ndarray] = []
    fmt = reader.schema[fieldname].format
    for leaf, base in reader.leaf_readers():
        btext = leaf._text_to_bytes(fieldname, text)
        if (fieldname, btext) not in leaf:
            continue
        m = leaf._terms.matcher(fieldname, btext, fmt)
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids_parts.append(np.asarray(m._ids, dtype=np.int64) + base)
            tf_parts.append(np.asarray(m._weights, dtype=np.float32))
            m._next_block()
    if not ids_parts:
        return EMPTY_IDS, EMPTY_TF
    return np.concatenate(ids_parts), np.concatenate(tf_parts)


def field_lengths(reader: IndexReader, fieldname: str) -> np.ndarray:
    """The length (in terms) of `fieldname` in every document, as Whoosh stores it."""
    parts = []
    lenfield = whoosh3._lenfield(fieldname)
    for leaf, _ in reader.leaf_readers():
        n = leaf.doc_count_all()
        column = leaf._perdoc._cached_reader(lenfield, whoosh3.LENGTHS_COLUMN)
        if column is None:
            parts.append(np.zeros(n, dtype=np.float32))
        else:
            parts.append(_LENGTH_OF_BYTE[np.fromiter(column, dtype=np.uint8, count=n)])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def column_values(reader: IndexReader, fieldname: str) -> list:  # type: ignore[type-arg]
    """A sortable field's value for every document, in document-number order."""
    values: list = []  # type: ignore[type-arg]
    for leaf, _ in reader.leaf_readers():
        if leaf.doc_count_all():
            values.extend(leaf.column_reader(fieldname))
    return values


def term_positions(
    reader: IndexReader, fieldname: str, text: str, docs: list[int]
) -> dict[int, list[int]]:
    """Positions of a term in each of `docs` (sorted global numbers) that contains it.

    Uses each segment's raw block matcher: Whoosh's public postings wrap a segment with
    deletions in a filter whose `skip_to` steps through every posting in Python.
    """
    found: dict[int, list[int]] = {}
    fmt = reader.schema[fieldname].format
    leaves = list(reader.leaf_readers())
    for i, (leaf, base) in enumerate(leaves):
        end = leaves[i + 1][1] if i + 1 < len(leaves) else base + leaf.doc_count_all()
        wanted = [d - base for d in docs if base <= d < end]
        btext = leaf._text_to_bytes(fieldname, text)
        if not wanted or (fieldname, btext) not in leaf:
            continue
        m = leaf._terms.matcher(fieldname, btext, fmt)
        for local in wanted:
            if not m.is_active():
                break
            if m.id() < local:
                m.skip_to(local)
            if m.is_active() and m.id() == local:
                found[local + base] = list(m.value_as("positions"))
    return found
