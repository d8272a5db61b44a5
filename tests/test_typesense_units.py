"""The Typesense backend's pure parts, without a server: the weight tiers that stand in for
BM25F, the query's translation into the collection's terms, and the fail-over arithmetic of
the bench."""

from __future__ import annotations

import pytest

pytest.importorskip("typesense")

from benchmarks.typesense_bench import Answer, longest_gap
from searchapp.engine.schema import ParagraphRecord
from searchapp.engine.typesense_backend import _document, translate


def _record(text: str, section: str = "general", title: str = "A statement") -> ParagraphRecord:
    return ParagraphRecord(
        doc_id="2020-01-01-a",
        pid=1,
        paragraph=1,
        text=text,
        section=section,
        section_label=section,
        year=2020,
        date="2020-01-01",
        doc_title=title,
        order=1,
        parties=(),
        notes=(),
    )


def test_a_term_said_often_in_a_short_paragraph_reaches_a_high_tier() -> None:
    often = _document(_record("Cooperation, cooperation and cooperation."))
    once = _document(_record("Cooperation " + "among many other long words " * 20))
    assert "cooper" in often["stems_1_5"].split()
    assert "cooper" in once["stems"].split()
    assert "cooper" not in once["stems_1_1"].split()
    # All the terms in order in the first field (phrases need their positions).
    assert often["stems"] == "cooper cooper cooper"


def test_the_section_name_lifts_its_words() -> None:
    text = "Military cooperation " + "between the two armed forces of both sides " * 3
    plain = _document(_record(text))
    named = _document(_record(text, section="Military cooperation"))
    tiers = ("stems_1_1", "stems_1_3", "stems_1_5", "stems_1_7")
    lifted = [t for t in tiers if "cooper" in named[t].split()]
    assert len(lifted) > len([t for t in tiers if "cooper" in plain[t].split()])


def test_the_query_is_translated_into_terms() -> None:
    query = translate('"Strategic partnerships" -terrorism co-operation -secur*')
    assert query.q == '"strateg partnership" -terror cooper -secur'
    assert query.prefix
    assert query.typed == '"strategic partnerships" -terrorism cooperation -secur'
    assert query.as_typed() is not None and query.as_typed().query_by == ("searched",)
    assert translate("the of").q == "*"


def test_longest_gap_counts_only_answered_searches() -> None:
    answers = [
        Answer(0.0, 1.0, True),
        Answer(1.0, 2.0, False),
        Answer(2.0, 4.5, True),
        Answer(4.5, 5.0, True),
    ]
    assert longest_gap(answers, 0.5, 6.0) == pytest.approx(3.5)
    assert longest_gap([], 0.0, 2.0) == pytest.approx(2.0)
