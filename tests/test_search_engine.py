"""The query language on the two seeds, at the service level (SPEC: Query language, JSON of a
search): stemming, spelling variants, phrases, OR / NOT / parentheses, fields and ranges,
prefixes, bare years, soft AND, unreadable queries, suggestions, browsing, facets, sorting,
grouping and excerpts that can only ever contain <mark>."""

from __future__ import annotations

import re
from typing import Any

import pytest
from helpers_index import DOC_2002, DOC_2012, copy_seeds, index_folder

from searchapp.engine import QueryRefused
from searchapp.search import SearchRequest, SearchService

TRADE = "Trade and economy"
ONLY_MARK = re.compile(r"<(?!/?mark>)")


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    root = tmp_path_factory.mktemp("engine")
    summary = index_folder(copy_seeds(root / "documents"), root / "index")
    assert not summary.failed
    return SearchService(root / "index")


HOSTILE = "\n\n".join(
    [
        "JOINT STATEMENT OF GAMMA AND DELTA",
        "Gammatown, 3 March 2005",
        "The sides recalled the 2002 declaration and its words on cooperation in the northern "
        "provinces.",
        'The sides rejected the <script>alert("xss")</script> campaign and the '
        "<img src=x onerror=alert(1)> banners of the separatists.",
        'Tom & Jerry\'s "quotes" <b>bold</b> and '
        '<a href="javascript:alert(2)">links</a> stay text.',
    ]
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """The seeds plus a 2005 statement whose text holds markup and mentions "2002"."""
    root = tmp_path_factory.mktemp("hostile")
    docs = copy_seeds(root / "documents")
    (docs / "gamma-delta.txt").write_text(HOSTILE, encoding="utf-8")
    summary = index_folder(docs, root / "index")
    assert not summary.failed
    return SearchService(root / "index")


def run(svc: SearchService, q: str = "", **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("per_page", 100)
    return svc.search(SearchRequest(q=q, **kwargs))


def keys(result: dict[str, Any]) -> set[tuple[str, int]]:
    assert result["total"] <= result["per_page"], "the test expects every hit on one page"
    return {(h["doc_id"], h["pid"]) for h in result["hits"]}


def facet(result: dict[str, Any], name: str) -> dict[Any, int]:
    return {v["value"]: v["count"] for v in result["facets"][name]}


# -- words -------------------------------------------------------------------------------------


def test_stemming_finds_cooperation_for_cooperate(svc: SearchService) -> None:
    result = run(svc, "cooperate")
    assert result["total"] > 20
    texts = [h["text"].lower() for h in result["hits"]]
    assert all("cooperat" in t for t in texts)
    assert any("cooperation" in t and "cooperate" not in t for t in texts)
    assert keys(result) == keys(run(svc, "cooperation"))


def test_defence_and_defense_both_find_the_2002_defense_paragraph(svc: SearchService) -> None:
    found = {}
    for spelling in ("defence", "defense"):
        result = run(svc, spelling)
        found[spelling] = {
            (h["doc_id"], h["pid"])
            for h in result["hits"]
            if h["doc_id"] == DOC_2002 and "foreign affairs, defense" in h["text"]
        }
    assert found["defence"] == found["defense"] and len(found["defense"]) == 1


def test_a_phrase_matches_the_words_in_that_order(svc: SearchService) -> None:
    phrase = run(svc, '"Korean Peninsula"')
    assert phrase["total"] >= 2
    assert all("Korean Peninsula" in h["text"] for h in phrase["hits"])
    assert run(svc, '"Peninsula Korean"')["total"] == 0
    both_words = run(svc, "Korean Peninsula")
    assert keys(phrase) <= keys(both_words)


def test_or_not_minus_and_parentheses(svc: SearchService) -> None:
    terrorism = keys(run(svc, "terrorism"))
    # Quoted: the bare word is understood as the party, which also finds "Afghan".
    afghanistan = keys(run(svc, '"Afghanistan"'))
    separatism = keys(run(svc, "separatism"))
    extremism = keys(run(svc, "extremism"))
    assert terrorism and afghanistan and terrorism - afghanistan and afghanistan - terrorism

    assert keys(run(svc, "terrorism OR Afghanistan")) == terrorism | afghanistan
    assert keys(run(svc, "terrorism NOT Afghanistan")) == terrorism - afghanistan
    assert keys(run(svc, "terrorism -Afghanistan")) == terrorism - afghanistan
    grouped = (terrorism | separatism) & extremism
    assert grouped, "the seeds should give the parenthesised query something to find"
    assert keys(run(svc, "(terrorism OR separatism) extremism")) == grouped
    assert keys(run(svc, "(terrorism OR separatism) extremism")) != (terrorism | separatism)


# -- fields ------------------------------------------------------------------------------------


def test_year_field_and_year_ranges(svc: SearchService) -> None:
    all_2002 = run(svc, "", years=["2002"])["total"]
    all_2012 = run(svc, "", years=["2012"])["total"]
    assert all_2002 > 0 and all_2012 > 0

    exact = run(svc, "year:2002")
    assert exact["total"] == all_2002 and {h["year"] for h in exact["hits"]} == {2002}
    ranged = run(svc, "year:2001..2010")
    assert ranged["total"] == all_2002
    assert run(svc, "year:2011..2020")["total"] == all_2012
    assert run(svc, "year:1990..2000")["total"] == 0
    with_words = run(svc, "cooperation year:2012")
    assert with_words["total"] > 0 and {h["year"] for h in with_words["hits"]} == {2012}


def test_section_field_takes_part_of_the_section_name(svc: SearchService) -> None:
    result = run(svc, "section:trade")
    assert result["total"] == run(svc, "", sections=[TRADE])["total"] > 0
    assert {h["section"] for h in result["hits"]} == {TRADE}


def test_doc_field_takes_part_of_the_document_id(svc: SearchService) -> None:
    result = run(svc, "doc:2012")
    assert {h["doc_id"] for h in result["hits"]} == {DOC_2012}
    assert result["total"] == facet(run(svc, ""), "year")[2012]
    assert {h["doc_id"] for h in run(svc, "doc:2012 cooperation")["hits"]} == {DOC_2012}


def test_prefix_search_and_a_prefix_that_expands_too_far(svc: SearchService) -> None:
    result = run(svc, "cooperat*")
    assert keys(run(svc, "cooperation")) <= keys(result)
    assert all(re.search(r"(?i)\bcooperat", h["text"]) for h in result["hits"])

    narrow = SearchService(svc.index, max_expansion=5)
    with pytest.raises(QueryRefused, match="more than 5"):
        narrow.search(SearchRequest(q="co*"))
    assert narrow.search(SearchRequest(q="Shangha*"))["total"] >= 1
    with pytest.raises(QueryRefused, match="too short"):
        svc.search(SearchRequest(q="a*"))


def test_an_overlong_query_is_refused(svc: SearchService) -> None:
    with pytest.raises(QueryRefused, match="limit is 500"):
        svc.search(SearchRequest(q="cooperation " * 50))


# -- bare years, soft AND ----------------------------------------------------------------------


def test_a_bare_year_means_the_year_not_the_word(hostile: SearchService) -> None:
    result = run(hostile, "2002")
    assert result["total"] == run(hostile, "", years=["2002"])["total"]
    assert {h["year"] for h in result["hits"]} == {2002}, "2005 text that says 2002 is no match"
    assert run(hostile, "2012")["total"] == run(hostile, "", years=["2012"])["total"]
    # A bare year with words ranks that year's paragraphs first.
    assert run(hostile, "declaration cooperation 2005")["hits"][0]["year"] == 2005


def test_a_bare_year_puts_that_years_paragraphs_first(svc: SearchService) -> None:
    for year, doc in ((2012, DOC_2012), (2002, DOC_2002)):
        result = run(svc, f"Korean Peninsula {year}")
        assert result["total"] >= 2
        top = result["hits"][0]
        assert (top["doc_id"], top["year"]) == (doc, year), (year, top)
        assert "Korean Peninsula" in top["text"]


def test_soft_and_puts_the_paragraph_with_most_words_first(svc: SearchService) -> None:
    result = run(svc, "Russia supports China on Taiwan", per_page=10)
    assert result["total"] > 1, "soft AND: not every word is required"
    assert "Taiwan" in result["hits"][0]["text"]


# -- unreadable queries, suggestions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        ('"Korean Peninsula', "Korean Peninsula"),
        ("(terrorism", "terrorism"),
        ("terrorism)", "terrorism"),
        ("bogus:terrorism", "terrorism"),
        ("terrorism AND", "terrorism"),
    ],
)
def test_an_unreadable_query_is_searched_as_plain_words_with_a_notice(
    svc: SearchService, query: str, plain: str
) -> None:
    result = run(svc, query)
    assert result["notices"], "the page must say the query was searched as plain words"
    assert "plain words" in result["notices"][0]
    assert keys(run(svc, plain)) <= keys(result)
    assert result["total"] > 0


def test_a_typo_gets_a_suggestion_and_its_results(svc: SearchService) -> None:
    result = run(svc, "Shanghia Cooperation")
    assert result["suggestion"] == "Shanghai Cooperation"
    assert result["total"] > 0
    assert keys(result) == keys(run(svc, "Shanghai Cooperation"))
    # Any word makes a candidate; the ranking puts the paragraphs with both words first.
    assert "Shanghai" in result["hits"][0]["text"]
    assert run(svc, "Shanghai Cooperation")["suggestion"] is None


# -- browsing, facets, sorting, grouping -------------------------------------------------------


def test_an_empty_query_browses_everything_oldest_first_in_reading_order(
    svc: SearchService,
) -> None:
    result = run(svc, "")
    hits = result["hits"]
    assert result["total"] == len(hits) > 50
    order = [(h["date"], h["paragraph"]) for h in hits]
    assert order == sorted(order)
    assert hits[0]["doc_id"] == DOC_2002 and hits[-1]["doc_id"] == DOC_2012
    first_doc = [h["paragraph"] for h in hits if h["doc_id"] == DOC_2002]
    assert first_doc == list(range(1, len(first_doc) + 1))
    assert sum(facet(result, "year").values()) == result["total"]
    assert sum(facet(result, "section").values()) == result["total"]
    assert {h["score"] for h in hits} == {None}


def test_facets_count_every_hit_and_are_disjunctive(svc: SearchService) -> None:
    plain = run(svc, "cooperation")
    years, sections = facet(plain, "year"), facet(plain, "section")
    assert sum(years.values()) == plain["total"] == sum(sections.values())
    assert set(years) == {2002, 2012}

    in_2002 = run(svc, "cooperation", years=["2002"])
    assert in_2002["total"] == years[2002]
    assert facet(in_2002, "year") == years, "selecting a year must not shrink the year facet"
    assert sum(facet(in_2002, "section").values()) == in_2002["total"], "sections narrow"
    assert facet(in_2002, "section") != sections

    trade = run(svc, "cooperation", sections=[TRADE])
    assert trade["total"] == sections[TRADE]
    assert facet(trade, "section") == sections
    assert sum(facet(trade, "year").values()) == trade["total"]

    both_years = run(svc, "cooperation", years=["2002", "2012"])
    assert both_years["total"] == plain["total"], "several years: any of them"

    expected = {
        (h["doc_id"], h["pid"])
        for h in plain["hits"]
        if h["year"] == 2002 and h["section"] == TRADE
    }
    year_and_section = run(svc, "cooperation", years=["2002"], sections=[TRADE])
    assert expected and keys(year_and_section) == expected, "year and section: both"


def test_sort_newest_and_oldest(svc: SearchService) -> None:
    newest = run(svc, "cooperation", sort="newest")["hits"]
    oldest = run(svc, "cooperation", sort="oldest")["hits"]
    assert [h["year"] for h in newest] == sorted((h["year"] for h in newest), reverse=True)
    assert [h["year"] for h in oldest] == sorted(h["year"] for h in oldest)
    assert newest[0]["year"] == 2012 and oldest[0]["year"] == 2002
    in_doc = [h["paragraph"] for h in oldest if h["doc_id"] == DOC_2002]
    assert in_doc == sorted(in_doc), "within a document: reading order"


def test_group_by_document_gives_one_hit_per_document(svc: SearchService) -> None:
    plain = run(svc, "cooperation")
    per_doc = facet(plain, "year")  # one document per year in the seeds
    grouped = run(svc, "cooperation", group=True)
    assert grouped["total"] == 2
    docs = [h["doc_id"] for h in grouped["hits"]]
    assert sorted(docs) == [DOC_2002, DOC_2012]
    for hit in grouped["hits"]:
        assert hit["more_in_document"] == per_doc[hit["year"]] - 1


# -- excerpts ----------------------------------------------------------------------------------


def test_excerpts_mark_the_words_as_written(svc: SearchService) -> None:
    hits = run(svc, "cooperate")["hits"]
    assert all("<mark>" in h["excerpt"] for h in hits)
    assert any("<mark>cooperation</mark>" in h["excerpt"] for h in hits)
    for h in hits:
        for marked in re.findall(r"<mark>(.*?)</mark>", h["excerpt"]):
            assert marked.lower().startswith("cooperat"), marked


def test_a_phrase_is_marked_as_one(svc: SearchService) -> None:
    hits = run(svc, '"Korean Peninsula"')["hits"]
    assert hits and all("<mark>Korean Peninsula</mark>" in h["excerpt"] for h in hits)


def test_markup_in_documents_and_queries_is_escaped_and_only_mark_remains(
    hostile: SearchService,
) -> None:
    queries = [
        "banners",
        "separatists <script>",
        "<b>banners</b>",
        "<img src=x onerror=alert(1)> banners",
        "Jerry quotes bold links",
        "alert",
        "",
    ]
    seen = 0
    for q in queries:
        for hit in run(hostile, q)["hits"]:
            assert not ONLY_MARK.search(hit["excerpt"]), (q, hit["excerpt"])
            seen += "&lt;" in hit["excerpt"]
    assert seen >= 3, "the hostile paragraphs should have been found and shown escaped"
    banner = run(hostile, "banners")["hits"][0]
    assert "<script>" in banner["text"], "the text field is the document's own wording"
    assert "&lt;script&gt;" in banner["excerpt"] and "&lt;img" in banner["excerpt"]
    assert "<mark>banners</mark>" in banner["excerpt"]

    # Highlighting a whole paragraph for a query that itself holds markup.
    html = hostile.highlight(banner["text"], '<img src=x onerror=alert(1)> "banners"')
    assert not ONLY_MARK.search(html), html
    assert "<mark>banners</mark>" in html
