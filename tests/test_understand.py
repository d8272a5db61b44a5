"""Query understanding: parties, synonyms, question words, typos and any-word candidates, in
the engine's reading of a query and through the JSON API on the seeds."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from whoosh import query as wq

from searchapp.engine import vocabulary
from searchapp.engine.analysis import index_term, text_analyzer
from searchapp.engine.suggest import rare_word_correction
from searchapp.engine.understand import MAX_CORRECTED, understand
from tests.helpers_index import cli_env, run_cli

UNGDC = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "ungdc-2015-2024"


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


def test_a_rare_word_is_searched_with_its_commoner_spelling_too() -> None:
    commoner = {"framwork": "framework", "commited": "committed"}
    found = understand("KEDO framwork", frozenset(), no_typos, commoner.get)
    assert found.also == {"framwork": "framework"}
    assert found.corrected == {}
    # One clause holds both forms; the typed word is no longer a word of its own.
    assert [_terms(c) for c in found.clauses] == [{"framwork", "framework"}]
    assert found.text == "KEDO"
    # A word with no commoner spelling, or one the index does not know, is not touched.
    fixes = {"agreemnt": "agreement"}
    plain = understand("agreemnt framework", frozenset(), fixes.get, commoner.get)
    assert plain.also == {} and plain.clauses == [] and plain.text == "agreement framework"
    # Forms that are one index term (the same stem) need no clause.
    assert understand("commited", frozenset(), no_typos, commoner.get).clauses == []


def test_rare_word_lookups_count_in_the_correction_budget() -> None:
    asked: list[str] = []

    def also(word: str) -> None:
        asked.append(word)

    words = [f"word{chr(97 + i)}xyz" for i in range(MAX_CORRECTED + 4)]
    understand(" ".join(words), frozenset(), no_typos, also)
    assert asked == words[:MAX_CORRECTED]


@pytest.mark.corpus
def test_a_word_the_corpus_misspells_finds_the_commoner_spelling_too(tmp_path: Path) -> None:
    """Japan's 2017 speech writes "KEDO framwork": the index knows "framwork" from that one
    paragraph, so before it was searched as typed and found nothing else."""
    if not UNGDC.is_dir():
        pytest.skip("no UN corpus")
    typo_speech = UNGDC / "Session 72 - 2017" / "JPN_72_2017.txt"
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / typo_speech.name).symlink_to(typo_speech)
    # Speeches that write "framework" until more than RARE_RATIO paragraphs do.
    lines = 0
    for speech in sorted(UNGDC.glob("Session */*.txt")):
        found = sum(1 for line in speech.open(encoding="utf-8") if "framework" in line.lower())
        if found and speech != typo_speech:
            (docs / speech.name).symlink_to(speech)
            lines += found
        if lines > 80:
            break
    env = cli_env(SEARCHAPP_DENSE="0")
    index = tmp_path / "index"
    built = run_cli("index", "--documents", str(docs), "--index", str(index), env=env, timeout=300)
    assert built.returncode == 0, built.stderr
    out = run_cli("search", "framwork", "--index", str(index), "--json", env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    # The paragraph that writes it so comes first, then the others, and the user is told.
    assert "KEDO framwork" in result["hits"][0]["text"]
    assert result["total"] > 50
    assert all(re.search(r"frame?work", h["text"], re.IGNORECASE) for h in result["hits"])
    assert any("framework" in n and "both were searched" in n for n in result["notices"])
    # With a word the index does not know, the suggestion's results are shown instead: they
    # search "framework" only, and no notice says otherwise.
    out = run_cli("search", "framwork developmnet", "--index", str(index), "--json", env=env)
    shown = json.loads(out.stdout)
    assert shown["suggestion_used"] and shown["suggestion"] == "framework development"
    assert not any("both were searched" in n for n in shown["notices"])


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


def test_only_a_slip_of_the_keys_from_a_far_commoner_spelling_is_a_rare_typo(
    tmp_path: Path,
) -> None:
    counts = Counter(
        {
            "framwork": 1,
            "framework": 60,
            "profound": 60,
            "propound": 1,
            "persona": 1,
            "person": 60,
            "realisation": 1,
            "realization": 60,
            "comittee": 1,
            "committee": 40,
        }
    )
    vocabulary.save(tmp_path, counts, fresh=True, commit=1)
    words = vocabulary.Vocabulary(tmp_path)
    stems: Counter[str | None] = Counter()
    for word, n in counts.items():
        stems[index_term(word)] += n

    class Reader:
        def doc_frequency(self, fieldname: str, term: str) -> int:
            return stems[term]

    def rare(word: str) -> str | None:
        return rare_word_correction(Reader(), words, word)  # type: ignore[arg-type]

    assert rare("framwork") == "framework"  # a letter left out
    assert rare("realisation") == "realization"  # British "s" for "z"
    assert rare("propound") is None  # another letter inside: a word of its own
    assert rare("persona") is None  # another last letter
    assert rare("comittee") is None  # only 40 times as common
    assert rare("framework") is None  # not rare
