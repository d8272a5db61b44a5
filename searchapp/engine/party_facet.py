"""The party facet, filter and ranking factor, over an index snapshot's arrays.

A paragraph has any number of parties (one index term each in the `parties` field), so the
facet is counted from the posting list of each party rather than from one code per document
as years and sections are.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Protocol
from weakref import WeakKeyDictionary

import numpy as np

from searchapp.corpus.parties import canonical_party


class Snapshot(Protocol):
    """What this module needs of an index snapshot (engine/search.py's)."""

    n: int
    parties: list[str]
    known_parties: frozenset[str]

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]: ...


_LOCK = threading.Lock()
# Per snapshot: every (paragraph, party) pair as two arrays, so that the facet is one bincount.
_PAIRS: WeakKeyDictionary[Snapshot, tuple[np.ndarray, np.ndarray]] = WeakKeyDictionary()


def _pairs(snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    with _LOCK:
        found = _PAIRS.get(snap)
    if found is None:
        ids = [party_ids(snap, party) for party in snap.parties]
        found = (
            np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64),
            np.repeat(np.arange(len(ids)), [len(i) for i in ids]),
        )
        with _LOCK:
            _PAIRS[snap] = found
    return found


def party_ids(snap: Snapshot, party: str) -> np.ndarray:
    if party not in snap.known_parties:  # (an index built before parties were a field has none)
        return np.zeros(0, dtype=np.int64)
    return snap.postings("parties", party)[0]


def resolve_parties(snap: Snapshot, parties: Iterable[str]) -> set[str]:
    """A party filter names a party by its canonical name (a facet click) or any other of
    its names or codes ("PRC", "RUS" on the command line)."""
    return {p if p in snap.known_parties else canonical_party(p) or p for p in parties}


def party_filter(snap: Snapshot, parties: set[str]) -> np.ndarray | None:
    """Paragraphs of any of the parties (OR within the facet); None without a filter."""
    if not parties:
        return None
    mask = np.zeros(snap.n, dtype=bool)
    for party in resolve_parties(snap, parties):
        mask[party_ids(snap, party)] = True
    return mask


def party_counts(snap: Snapshot, within: np.ndarray, selected: set[str]) -> list[tuple[str, int]]:
    """Hits per party (a paragraph of two parties counts for each); chosen ones even at 0."""
    chosen = resolve_parties(snap, selected)
    ids, codes = _pairs(snap)
    per_party = np.bincount(codes[within[ids]], minlength=len(snap.parties))
    return [
        (party, int(count))
        for party, count in zip(snap.parties, per_party, strict=True)
        if count or party in chosen
    ]


def named_parties_held(snap: Snapshot, parties: list[str], hit_ids: np.ndarray) -> np.ndarray:
    """How many of the parties a query names each hit's document has."""
    tier = np.zeros(snap.n, dtype=np.float32)
    for party in parties:
        tier[party_ids(snap, party)] += 1
    return tier[hit_ids]
