"""Every page's cost is bounded whatever its parameters and whatever a paragraph's length
(issue 13, item 11; issue 14, items 3 and 7). Counted, never timed."""

from __future__ import annotations

import pytest
from conftest import DOC_2002
from flask.testing import FlaskClient

from searchapp.engine import highlight, understand
from searchapp.engine import search as engine_search
from searchapp.engine.vocabulary import Vocabulary
from searchapp.search import MAX_FILTER_VALUES


def test_the_document_page_parses_its_query_once(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = engine_search.parse

    def counting(text: str, *args: object, **kwargs: object) -> object:
        calls.append(text)
        return real(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_search, "parse", counting)
    page = client.get(f"/documents/{DOC_2002}?q=cooperation+OR+terrorism")
    assert page.status_code == 200
    assert page.text.count("<mark>") > 10, "the page shows many paragraphs with marks"
    assert len(calls) == 1


@pytest.mark.parametrize("name", ["year", "section"])
@pytest.mark.parametrize("path", ["/search", "/api/search"])
def test_too_many_values_of_a_repeated_filter_are_a_400(
    client: FlaskClient, name: str, path: str
) -> None:
    values = [str(1900 + i) if name == "year" else f"section {i}" for i in range(200)]
    query = "&".join(f"{name}={v}" for v in values)
    response = client.get(f"{path}?q=cooperation&{query}")
    assert response.status_code == 400
    assert f"at most {MAX_FILTER_VALUES}" in response.text
    # Repeating the same value is no reason to refuse: it is one choice.
    same = client.get(f"{path}?q=cooperation&" + "&".join([f"{name}={values[0]}"] * 200))
    assert same.status_code == 200


def test_marking_a_huge_paragraph_scans_a_bounded_prefix() -> None:
    sentence = "The strategic partnership of the two sides was discussed. "
    text = sentence * (30_000_000 // len(sentence))
    stems = frozenset({"strateg"})
    spans = highlight.mark_spans(text, stems)
    assert spans and spans[-1][1] <= highlight.MARK_SCAN
    shown = highlight.excerpt(text, stems)
    assert shown.marks and len(shown.text) < 2 * highlight.WINDOW
    assert max(b for _, b in highlight.mark_spans(text, stems, highlight.EXCERPT_SCAN)) <= (
        highlight.EXCERPT_SCAN
    )


def test_did_you_mean_walks_the_vocabulary_a_bounded_number_of_times(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = Vocabulary.near

    def counting(self: Vocabulary, word: str, maxdist: int) -> list[str]:
        calls.append(word)
        return real(self, word, maxdist)

    monkeypatch.setattr(Vocabulary, "near", counting)
    typos = "cooperaton terorism peninsla Taiwn enegry bordr secrity tradde regoin"
    few = client.get("/api/search", query_string={"q": "cooperaton terorism"}).get_json()
    assert few["suggestion"] == "cooperation terrorism"
    calls.clear()
    many = client.get("/api/search", query_string={"q": typos * 4}).get_json()
    assert many["suggestion"] is None
    # The query understanding corrects typos in the ranking, within a bound of its own.
    assert len(calls) <= max(engine_search.MAX_SUGGEST_WORDS, understand.MAX_CORRECTED)
