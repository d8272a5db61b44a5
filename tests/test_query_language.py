"""The query language is closed and every query does bounded work (issue 13, items 3, 4, 12).

Only what the SPEC lists is syntax; the engine's own syntax (ranges in brackets, `~`, `^`,
`?` wildcards, a lone `*`, `:` inside a word) is text. Bounds are checked by counting what
the engine is asked to evaluate, never by timing."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from helpers_index import copy_seeds, index_folder, run_cli

from searchapp.engine import QueryRefused
from searchapp.engine.query import MAX_DEPTH, MAX_TERMS
from searchapp.search import SearchRequest, SearchService

ENGINE_SYNTAX = re.compile(r"[\[\]{}~^?]")


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("language")
    summary = index_folder(copy_seeds(root / "documents"), root / "index")
    assert not summary.failed
    return root / "index"


@pytest.fixture(scope="module")
def svc(seeds: Path) -> SearchService:
    return SearchService(seeds)


def run(svc: SearchService, q: str) -> dict[str, Any]:
    return svc.search(SearchRequest(q=q, per_page=100))


def keys(result: dict[str, Any]) -> list[tuple[str, int]]:
    return [(h["doc_id"], h["pid"]) for h in result["hits"]]


@pytest.mark.parametrize(
    "query",
    [
        "What did Russia and China say about Taiwan?",
        "When did the two sides sign the treaty?",
        "[aa TO zy] [ab TO zx] [ac TO zw] [ad TO zv] [ae TO zu]",
        "[a TO z]",
        "{a TO z}",
        "title:[a TO zzzz]",
        "terrorism~2 Afghanistan^3",
        "missile? defen?e",
    ],
)
def test_engine_syntax_is_searched_as_text(svc: SearchService, query: str) -> None:
    as_words = ENGINE_SYNTAX.sub(" ", query)
    result = run(svc, query)
    assert keys(result) == keys(run(svc, as_words))
    assert not result["notices"]
    if "[" in query or "{" in query:
        assert result["total"] < run(svc, "")["total"], "a bracket range must not match all"


def test_a_question_from_the_command_line_is_searched_as_words(seeds: Path) -> None:
    asked = run_cli("search", "--index", str(seeds), "--json", "Where is Taiwan?")
    assert asked.returncode == 0, asked.stderr
    plain = run_cli("search", "--index", str(seeds), "--json", "Where is Taiwan")
    hits = json.loads(asked.stdout)["hits"]
    assert hits and hits == json.loads(plain.stdout)["hits"]


def test_a_lone_star_and_a_colon_inside_words_are_text(svc: SearchService) -> None:
    assert run(svc, "*")["total"] == run(svc, "")["total"]
    assert keys(run(svc, "terrorism *")) == keys(run(svc, "terrorism"))
    for query in ("10:30 terrorism", "Note: terrorism", "terrorism:"):
        result = run(svc, query)
        assert result["total"] and not result["notices"], (query, result["notices"])


def test_the_syntax_that_is_listed_still_works(svc: SearchService) -> None:
    assert run(svc, "year:2002")["total"] == run(svc, "year:2001..2010")["total"] > 0
    assert run(svc, "-2002")["total"] == run(svc, "year:2012")["total"]
    assert run(svc, "2002 OR 2012")["total"] == run(svc, "")["total"]
    assert run(svc, 'section:"Trade and economy"')["total"] > 0
    assert run(svc, 'title:"joint statement"')["total"] > 0, "titles have no positions"
    assert run(svc, "NOT NOT terrorism")["total"] == run(svc, "terrorism")["total"]
    not_terrorism = run(svc, "NOT terrorism")["total"]
    assert not_terrorism == run(svc, "")["total"] - run(svc, "terrorism")["total"]
    assert run(svc, "NOT NOT NOT terrorism")["total"] == not_terrorism


@pytest.mark.parametrize(
    "query",
    [
        "NOT " * 50 + "terrorism",
        "NOT " * 100 + "terrorism",
        "terrorism " + "NOT war " * 40,
        "(" * 30 + "terrorism" + ")" * 30,
        " OR ".join(["terror", "trade", "Taiwan", "energy"] * 20)[:500],
        "(" + " ".join(f"w{i}" for i in range(80)) + ")",
        " ".join(f'"{w} cooperation"' for w in ("trade", "energy", "border") * 8),
        "coop* energ* secur* trad* terror* border* region*",
    ],
    ids=["not-50", "not-100", "not-pairs", "parens-30", "or-80", "group-80", "phrases", "prefixes"],
)
def test_every_query_is_bounded_by_construction(svc: SearchService, query: str) -> None:
    parsed = svc.engine.parsed(query)
    assert parsed.terms <= MAX_TERMS
    # A clause is an And/Or/Not/Term node; a term is reached through at most MAX_DEPTH groups,
    # an OR and a NOT, each of which may add one node above it.
    assert parsed.clauses() <= MAX_TERMS * (MAX_DEPTH + 4)
    result = run(svc, query)
    assert result["total"] >= 0
    words = [w for w in re.findall(r"\w+", query) if w not in ("NOT", "OR")]
    trimmed = any("only the first" in n for n in result["notices"])
    assert trimmed == (len(words) > MAX_TERMS), result["notices"]


def test_prefixes_share_one_expansion_budget(svc: SearchService) -> None:
    prefixes = ("coop*", "terror*", "trad*", "region*")  # 3, 2, 3 and 3 words in the seeds
    narrow = SearchService(svc.index, max_expansion=8)
    assert all(narrow.search(SearchRequest(q=p))["total"] for p in prefixes)
    with pytest.raises(QueryRefused, match="with the others"):
        narrow.search(SearchRequest(q=" ".join(prefixes)))


def test_hostile_queries_over_http_never_fail(live_server: str) -> None:
    for query in ("NOT " * 100 + "peace", "*", "[a TO z]", "{a TO z}", "title:[a TO zzzz]", "?"):
        url = f"{live_server}/api/search?q={urllib.parse.quote(query)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
            assert "total" in json.loads(response.read())
        with urllib.request.urlopen(f"{live_server}/search?q={urllib.parse.quote(query)}") as page:
            assert page.status == 200
