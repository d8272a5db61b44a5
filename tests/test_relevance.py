"""Search quality is measured: MRR@10 and Success@10 of the relevance collections stay above floors.

The collections and the evaluator live in tests/relevance/. The UN and DFAT parts need
../shared/corpora; without them the queries that have an answer in the two seed declarations
still run.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent / "relevance" / "evaluate.py"
_SPEC = importlib.util.spec_from_file_location("searchapp_relevance_evaluate", _PATH)
assert _SPEC and _SPEC.loader
evaluate = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = evaluate
_SPEC.loader.exec_module(evaluate)

UN_PRESENT = evaluate.UNGDC_DIR.is_dir()


def _check_floors(name: str, results: list[evaluate.QueryResult]) -> None:
    floors = evaluate.load_floors()[name]
    reached = evaluate.summarize(results)
    low = {
        metric: (round(reached[metric], 3), floor)
        for metric, floor in floors.items()
        if reached[metric] < floor
    }
    if low:
        lines: list[str] = []

        class _Out:
            def write(self, text: str) -> None:
                lines.append(text)

        evaluate.report(results, out=_Out(), failures_only=True)
        pytest.fail(
            f"relevance below the floors of {name!r} (reached, floor): {low}\n{''.join(lines)}"
        )


def test_collection_is_sound() -> None:
    queries = evaluate.load_collection()
    assert len(queries) >= 40
    assert evaluate.verify_collection(queries) == []


def test_hard_collection_is_sound_and_a_third_is_held_out() -> None:
    hard = evaluate.load_collection(evaluate.HARD)
    assert len(hard) >= 60
    assert evaluate.verify_collection(evaluate.load_all()) == []
    held_out = [q for q in hard if q.split == "heldout"]
    assert len(held_out) * 3 >= len(hard) - 2
    assert {q.split for q in hard} == {"tuned", "heldout"}


def test_collection_substrings_in_un_corpus() -> None:
    if not UN_PRESENT:
        pytest.skip(
            f"UN corpus absent at {evaluate.UNGDC_DIR}: only the seed judgments were checked"
        )
    queries = evaluate.load_all()
    files = {j.file for q in queries for j in q.relevant if j.corpus == "ungdc"}
    assert all((evaluate.UNGDC_DIR / f).is_file() for f in files)


def test_relevance_seeds() -> None:
    outcome = evaluate.run(with_un=False)
    assert outcome.results, "no query has an answer in the seeds"
    assert not [r.query.id for r in outcome.results if r.error]
    _check_floors("seeds", outcome.results)


@pytest.mark.corpus
def test_relevance_sample() -> None:
    if not UN_PRESENT:
        pytest.skip(
            f"UN corpus absent at {evaluate.UNGDC_DIR}: "
            "the seeds-only queries ran in test_relevance_seeds"
        )
    # One index for both collections: seeds, the referenced UN and DFAT files, a sample of
    # the others. The harder collection is held to floors of its own, per part.
    outcome = evaluate.run(evaluate.load_all())
    assert not [r.query.id for r in outcome.results if r.error]
    parts = evaluate.groups(outcome.results)
    _check_floors("sample", parts["base"])
    _check_floors("hard-tuned", parts["hard-tuned"])
    _check_floors("hard-heldout", parts["hard-heldout"])
