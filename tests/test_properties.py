"""Property-based tests (hypothesis) of the query parser and of `/api/search` and `/search`
(issue 13): whatever the text, operators and parameters, never a 5xx, a traceback,
unescaped HTML or a hit that violates a filter; browse pages partition the result set for
any page size. Kept small by default (a few dozen examples each, no deadline)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchapp.engine import QueryRefused
from searchapp.engine.query import MAX_DEPTH, MAX_TERMS
from searchapp.web.service import get_service

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
EVIL = "<zz-evil onmouseover=x>"  # markup that must never come back unescaped
WORDS = ["Taiwan", "cooperation", "terrorism", "Korean", "Peninsula", "trade", "energy", "zzq"]
SYNTAX = ["OR", "AND", "NOT", "-", "+", "(", ")", '"', "*", "?", "~2", "^3", ":", "[", "]", "{"]
FIELDS = ["year:", "section:", "doc:", "title:", "bogus:", "year:2002..", "year:..2012"]
VALUES = ["2002", "2012", "1999", "2001..2010", "trade", '"Trade and economy"', "a TO z", ""]

piece = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(SYNTAX),
    st.builds(lambda f, v: f + v, st.sampled_from(FIELDS), st.sampled_from(VALUES)),
    st.just(EVIL),
    st.text(max_size=6),
)
# Marked words next to markup: excerpts must escape it around the <mark>s.
piece = st.one_of(piece, st.builds(lambda w: f"{EVIL}{w}", st.sampled_from(WORDS)))
queries = st.one_of(
    st.lists(piece, max_size=40).map(" ".join),
    st.lists(piece, max_size=40).map("".join),
    st.text(max_size=120),
)
years = st.lists(
    st.one_of(st.sampled_from(["2002", "2012", "unknown", "1999"]), st.text(max_size=5)),
    max_size=4,
)
sections = st.lists(
    st.one_of(st.sampled_from(["Trade and economy", "Energy", "trade", EVIL]), st.text(max_size=8)),
    max_size=3,
)
numbers = st.one_of(st.integers(-3, 300).map(str), st.text(max_size=4))


@SETTINGS
@given(text=queries)
def test_the_parser_reads_anything_within_its_bounds(app: Flask, text: str) -> None:
    engine = get_service(app).engine
    try:
        parsed = engine.parsed(text)
    except QueryRefused as refused:
        assert str(refused)
        return
    assert parsed.terms <= MAX_TERMS
    assert parsed.clauses() <= MAX_TERMS * (MAX_DEPTH + 4)


def _check_page(status: int, body: str) -> None:
    assert status < 500, body[:500]
    assert "Traceback" not in body
    assert EVIL not in body, "markup from the request came back unescaped"


def _check_json(status: int, body: str) -> dict[str, Any]:
    """JSON strings are text (the query is echoed as typed); only excerpts are HTML."""
    assert status < 500, body[:500]
    assert "Traceback" not in body
    data: dict[str, Any] = json.loads(body)
    for hit in data.get("hits", []):
        assert EVIL not in hit["excerpt"]
        assert "<" not in hit["excerpt"].replace("<mark>", "").replace("</mark>", "")
    return data


def _respects_filters(data: dict[str, Any], chosen_years: list[str], chosen: list[str]) -> None:
    wanted_years = {y.strip() for y in chosen_years if y.strip()}
    wanted_sections = [s.strip().lower() for s in chosen if s.strip()]
    for hit in data["hits"]:
        if wanted_years:
            year = "unknown" if hit["year"] is None else str(hit["year"])
            assert year in wanted_years, (year, wanted_years)
        if wanted_sections:
            name = hit["section"].lower()
            assert any(w == name or w in name for w in wanted_sections), (name, wanted_sections)


@SETTINGS
@given(
    q=queries,
    year=years,
    section=sections,
    page=numbers,
    per_page=numbers,
    sort=st.text(max_size=3),
)
def test_the_api_never_fails_and_respects_its_filters(
    app: Flask,
    q: str,
    year: list[str],
    section: list[str],
    page: str,
    per_page: str,
    sort: str,
) -> None:
    client = app.test_client()
    params: list[tuple[str, str]] = [("q", q), ("page", page), ("per_page", per_page)]
    params += [("year", y) for y in year] + [("section", s) for s in section]
    params += [("sort", sort)] if sort.strip() else []
    response = client.get("/api/search", query_string=params)
    data = _check_json(response.status_code, response.get_data(as_text=True))
    if response.status_code == 200:
        _respects_filters(data, year, section)
    else:
        assert response.status_code == 400 and data["error"]


@SETTINGS
@given(q=queries, year=years, section=sections, group=st.sampled_from(["", "1", "0", "x"]))
def test_the_results_page_never_fails(
    app: Flask, q: str, year: list[str], section: list[str], group: str
) -> None:
    client = app.test_client()
    params = [("q", q), ("group", group)] + [("year", y) for y in year]
    params += [("section", s) for s in section]
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/search", query_string=params, headers=headers)
        _check_page(response.status_code, response.get_data(as_text=True))


@SETTINGS
@given(q=queries)
def test_the_document_page_never_fails(app: Flask, q: str) -> None:
    response = app.test_client().get("/documents/2012-06-06-joint-statement", query_string={"q": q})
    assert response.status_code == 200
    _check_page(response.status_code, response.get_data(as_text=True))


@pytest.fixture(scope="module")
def browse_order(app: Flask) -> dict[str, list[str]]:
    """Every paragraph, in each sort's order, read 100 at a time."""
    client = app.test_client()
    orders: dict[str, list[str]] = {}
    for sort in ("relevance", "newest", "oldest"):
        urls: list[str] = []
        page = 1
        while True:
            data = client.get(f"/api/search?q=&per_page=100&page={page}&sort={sort}").get_json()
            urls += [h["url"] for h in data["hits"]]
            if len(urls) >= data["total"]:
                break
            page += 1
        assert len(set(urls)) == len(urls) == data["total"]
        orders[sort] = urls
    return orders


@settings(max_examples=15, deadline=None, database=None)
@given(per_page=st.integers(1, 100), sort=st.sampled_from(["relevance", "newest", "oldest"]))
def test_browse_pages_partition_the_paragraphs(
    app: Flask, browse_order: dict[str, list[str]], per_page: int, sort: str
) -> None:
    client = app.test_client()
    expected = browse_order[sort]
    urls: list[str] = []
    for page in range(1, len(expected) // per_page + 2):
        data = client.get(f"/api/search?q=&per_page={per_page}&page={page}&sort={sort}").get_json()
        urls += [h["url"] for h in data["hits"]]
    assert urls == expected


@SETTINGS
@given(
    words=st.lists(st.sampled_from(WORDS), max_size=4),
    low=st.sampled_from(["", "1999", "2002", "2005"]),
    high=st.sampled_from(["", "2002", "2010", "2012"]),
    negate=st.booleans(),
)
def test_year_conditions_in_the_query_hold_for_every_hit(
    app: Flask, words: list[str], low: str, high: str, negate: bool
) -> None:
    condition = f"year:{low}..{high}" if low or high else "year:2012"
    q = " ".join([*words, f"-{condition}" if negate else condition])
    data = app.test_client().get("/api/search", query_string={"q": q, "per_page": 100}).get_json()
    start, end = (int(low or 0), int(high or 9999)) if low or high else (2012, 2012)
    for hit in data["hits"]:
        inside = hit["year"] is not None and start <= hit["year"] <= end
        assert inside != negate, (q, hit["year"])
