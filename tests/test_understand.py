"""Query understanding: parties, synonyms, question words, typos and any-word candidates, in
the engine's reading of a query and through the JSON API on the seeds."""

from __future__ import annotations

from flask.testing import FlaskClient
from whoosh import query as wq

from searchapp.engine.analysis import text_analyzer
from searchapp.engine.understand import understand


def _terms(q: wq.Query) -> set[str]:
    return {str(t) for f, t in q.iter_all_terms() if f == "text"}


def no_typos(word: str) -> None:
    return None


def test_a_party_named_as_an_adjective_short_form_or_capital_is_the_party() -> None:
    query = "Chinese position on DPRK, as Moscow sees it"
    found = understand(query, frozenset({"China"}), no_typos)
    # Only parties the corpus has rank higher; every named one is searched by all its names.
    assert found.parties == ["China"]
    korea = _terms(found.clauses[1])
    assert {"dprk", "north", "korea"} <= korea
    assert found.text == "position on , as sees it"


def _fields(q: wq.Query) -> set[str]:
    return {f for f, _ in q.iter_all_terms()}


def test_the_one_party_named_is_also_matched_by_its_own_paragraphs() -> None:
    # "Kazakhstan" in a query is held by Kazakhstan's speeches, which say "our country".
    one = understand("Kazakhstan nuclear test site", frozenset({"Kazakhstan"}), no_typos)
    assert _fields(one.clauses[0]) == {"text", "parties"}
    # With two parties named, who speaks is unclear: each is matched by its names only.
    two = understand("Cuba and the US embargo", frozenset({"Cuba", "United States"}), no_typos)
    assert [_fields(c) for c in two.clauses] == [{"text"}, {"text"}]
    # A party the corpus does not have is its names only.
    assert _fields(understand("Kazakhstan", frozenset(), no_typos).clauses[0]) == {"text"}


def test_synonyms_and_acronyms_find_each_other_both_ways() -> None:
    wmd = understand("WMD", frozenset(), no_typos)
    spelt_out = understand("weapons of mass destruction", frozenset(), no_typos)
    assert _terms(wmd.clauses[0]) == _terms(spelt_out.clauses[0]) >= {"wmd", "weapon", "mass"}
    # An acronym only in capitals: "who" is a question word, not the World Health Organization.
    assert understand("who", frozenset(), no_typos).clauses == []


def test_question_words_are_left_out_of_questions_only() -> None:
    asked = understand("When did Australia sign the treaty?", frozenset(), no_typos)
    assert "When" not in asked.text and "did" not in asked.text and "sign" in asked.text
    assert understand("did you mean", frozenset(), no_typos).text == "you mean"
    assert "when" in understand("the treaty when signed", frozenset(), no_typos).text
    # A question mark is no wildcard, even in a question of question words only.
    assert understand("what is there?", frozenset(), no_typos).text == "what is there"


def test_an_unknown_word_is_searched_as_the_word_it_is_a_typo_of() -> None:
    fixes = {"venezuala": "venezuela", "karabah": "karabakh"}
    found = understand("Venezuala blockade", frozenset({"Venezuela"}), fixes.get)
    assert found.corrected == {"Venezuala": "venezuela"}
    assert found.parties == ["Venezuela"]  # the corrected word is then understood
    # Each part of a hyphenated word is a word.
    assert understand("Nagorno-Karabah", frozenset(), fixes.get).text == "Nagorno-Karabakh"


def total(client: FlaskClient, q: str) -> int:
    return int(client.get("/api/search", query_string={"q": q}).get_json()["total"])


def texts(client: FlaskClient, q: str) -> list[str]:
    hits = client.get("/api/search", query_string={"q": q}).get_json()["hits"]
    return [h["text"] for h in hits]


def test_an_acronym_finds_the_words_it_stands_for(client: FlaskClient) -> None:
    assert "weapons of mass destruction" in texts(client, "WMD carriers")[0]


def test_hyphens_and_accents_fold(client: FlaskClient) -> None:
    assert total(client, "co-operation") == total(client, "cooperation") > 0
    analyzer = text_analyzer()
    assert [t.text for t in analyzer("Communiqué, Côte")] == ["communiqu", "cote"]


def test_any_word_makes_a_candidate_and_all_the_words_rank_first(client: FlaskClient) -> None:
    both = client.get("/api/search", query_string={"q": "Taiwan separatists"}).get_json()
    assert both["total"] >= max(total(client, '"Taiwan"'), total(client, "separatists"))
    first = both["hits"][0]["text"]
    assert "Taiwan" in first and "separatis" in first


def test_phrases_and_operators_stay_exact(client: FlaskClient) -> None:
    assert total(client, '"WMD"') == 0  # the seeds never write the acronym
    assert total(client, "WMD OR Taiwan") == total(client, '"Taiwan"')
    assert total(client, "Chinese -Taiwan") == total(client, '"Chinese"') - total(
        client, '"Chinese" "Taiwan"'
    )


def test_understanding_is_bounded() -> None:
    many = " ".join(["France Germany Italy Spain Japan India Chile Peru Cuba Mali"] * 5)
    found = understand(many, frozenset(), no_typos)
    assert len(found.clauses) == 8
    assert found.text.split()[0] == "Cuba"  # the rest are searched as plain words
