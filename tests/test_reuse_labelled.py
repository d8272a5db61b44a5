"""Precision and recall of reuse detection on a labelled set of paragraph pairs (seeds, UN
General Debate, DFAT; edits, near misses and real returning sentences): tests/reuse_labelled.yaml.
A pair is found when the LSH brings it up (a band key shared by a sentence of each) and the
check keeps it, as at index time."""

from __future__ import annotations

from pathlib import Path

import yaml

from searchapp import reuse
from searchapp.wording import words

LABELLED = Path(__file__).with_name("reuse_labelled.yaml")
FLOOR = 0.9  # both precision and recall, at the configured settings


def _found(detector: reuse.Detector, a: str, b: str) -> bool:
    units_a, units_b = detector.units(a), detector.units(b)
    if not units_a or not units_b:
        return False
    keys_a = set(detector.keys(units_a).ravel().tolist())
    keys_b = set(detector.keys(units_b).ravel().tolist())
    return bool(keys_a & keys_b) and detector.matches(words(a), words(b)) is not None


def test_precision_and_recall_reach_the_floor() -> None:
    pairs = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    assert len(pairs) >= 100
    assert {p["corpus"] for p in pairs} == {"seeds", "un", "dfat"}
    detector = reuse.Detector()
    found = [_found(detector, p["a"], p["b"]) for p in pairs]
    hits = sum(f and p["reuse"] for f, p in zip(found, pairs, strict=True))
    precision = hits / max(1, sum(found))
    recall = hits / sum(p["reuse"] for p in pairs)
    missed = [p["kind"] for f, p in zip(found, pairs, strict=True) if p["reuse"] and not f]
    assert precision >= FLOOR, precision
    assert recall >= FLOOR, (recall, missed)
