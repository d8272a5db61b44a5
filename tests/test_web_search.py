"""The search page: full page and htmx fragment, facets, chips, sort, pages, suggestions."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

HX = {"HX-Request": "true"}


def text(client: FlaskClient, url: str, **kwargs: object) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def hrefs(html: str, css_class: str) -> list[str]:
    pattern = (
        rf'<a[^>]*class="{css_class}"[^>]*href="([^"]+)"'
        rf'|<a[^>]*href="([^"]+)"[^>]*class="{css_class}"'
    )
    return [unescape(a or b) for a, b in re.findall(pattern, html)]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_home_is_a_search_page_that_browses_everything(client: FlaskClient) -> None:
    html = text(client, "/")
    assert '<form id="search-form"' in html and 'action="/search"' in html
    assert "autofocus" in html and 'name="q"' in html
    assert 'hx-trigger="input changed delay:300ms"' in html
    assert 'hx-push-url="true"' in html
    assert "All 83 paragraphs" in html
    for landmark in ("<header", "<nav", "<main", "<aside", 'class="skip-link"'):
        assert landmark in html


def test_search_page_lists_hits_with_marks_and_permalinks(client: FlaskClient) -> None:
    html = text(client, "/search?q=taiwan")
    assert "<mark>Taiwan</mark>" in html
    assert 'href="/documents/2002-12-02-joint-declaration/9"' in html
    assert "¶ 9" in html and "2002-12-02" in html
    assert "Sovereignty and territorial integrity" in html and "(part II)" in html
    assert "<title>taiwan – Search" in html


def test_htmx_request_gets_only_the_results_fragment(client: FlaskClient) -> None:
    response = client.get("/search?q=taiwan", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and '<form id="search-form"' not in html
    assert "<mark>Taiwan</mark>" in html
    assert 'hx-swap-oob="true"' in html  # the screen-reader status line
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/search?q=taiwan")
    assert "HX-Request" in full.headers["Vary"]


def test_history_restore_gets_the_whole_page(client: FlaskClient) -> None:
    headers = {**HX, "HX-History-Restore-Request": "true"}
    html = text(client, "/search?q=taiwan", headers=headers)
    assert "<html" in html and '<form id="search-form"' in html


def test_year_and_section_filters_or_within_and_across(client: FlaskClient) -> None:
    both_years = text(client, "/search?q=cooperation&year=2002&year=2012")
    assert "47 paragraphs" in both_years
    one_year = text(client, "/search?q=cooperation&year=2002")
    assert "29 paragraphs" in one_year
    across = text(client, "/search?q=cooperation&year=2002&section=Trade+and+economy")
    assert "4 paragraphs" in across


def test_facets_toggle_filters_and_chips_remove_them(client: FlaskClient) -> None:
    html = text(client, "/search?q=cooperation&year=2002")
    year_link = re.search(r'id="facet-year-2002" href="([^"]+)"', html)
    assert year_link and "aria-current" in html
    assert "year" not in query(unescape(year_link.group(1)))  # clicking again removes it
    section_link = re.search(r'id="facet-section-trade-and-economy" href="([^"]+)"', html)
    assert section_link
    params = query(unescape(section_link.group(1)))
    assert params == {"q": ["cooperation"], "year": ["2002"], "section": ["Trade and economy"]}
    chips = hrefs(html, "chip")
    assert len(chips) == 1 and "year" not in query(chips[0])
    assert '<input type="hidden" form="search-form" name="year" value="2002">' in html


def test_year_facet_counts_are_text(client: FlaskClient) -> None:
    html = text(client, "/search?q=cooperation")
    assert '<span class="sr-only"> paragraphs</span>' in html
    assert "style=" not in html


def test_sort_group_and_pages_keep_query_and_filters(client: FlaskClient) -> None:
    html = text(client, "/search?q=cooperation&year=2002&page=2")
    newest = re.search(r'id="sort-newest" href="([^"]+)"', html)
    assert newest
    assert query(unescape(newest.group(1))) == {
        "q": ["cooperation"],
        "year": ["2002"],
        "sort": ["newest"],
    }
    prev = re.search(r'id="page-prev"[^>]*href="([^"]+)"', html)
    nxt = re.search(r'id="page-next"[^>]*href="([^"]+)"', html)
    assert prev and nxt
    assert query(unescape(nxt.group(1)))["page"] == ["3"]
    assert query(unescape(nxt.group(1)))["year"] == ["2002"]
    assert "Page 2 of 3" in html
    group = re.search(r'id="group-toggle" href="([^"]+)"', html)
    assert group and query(unescape(group.group(1)))["group"] == ["1"]


def test_sorting_by_date_either_way(client: FlaskClient) -> None:
    def first_date(html: str) -> str:
        found = re.search(r'<time datetime="([^"]+)"', html)
        assert found
        return found.group(1)

    html = text(client, "/search?q=cooperation&sort=newest")
    assert first_date(html) == "2012-06-06"
    assert first_date(text(client, "/search?q=cooperation&sort=oldest")) == "2002-12-02"
    assert '<span class="current" aria-current="true">Newest</span>' in html


def test_group_by_document_shows_one_hit_per_document(client: FlaskClient) -> None:
    html = text(client, "/search?q=cooperation&group=1")
    assert html.count('<li class="hit">') == 2
    assert "more matching paragraphs in this document" in html
    assert "Show every paragraph" in html


def test_typo_shows_results_for_the_suggestion(client: FlaskClient) -> None:
    html = text(client, "/search?q=cooperaton")
    assert "Showing results for <strong>cooperation</strong>" in html


def test_zero_results_suggest_what_to_try(client: FlaskClient) -> None:
    html = text(client, "/search?q=year:1999")
    assert "No paragraphs found" in html
    assert "Things to try" in html and 'href="/documents"' in html
    filtered = text(client, "/search?q=taiwan&year=2012")
    assert "No paragraphs found" in filtered
    assert "search without the filters" in filtered


def test_unreadable_query_is_searched_and_says_so(client: FlaskClient) -> None:
    html = text(client, '/search?q="unclosed+border')
    assert 'class="notice"' in html and "could not be read as written" in html


def test_no_inline_scripts_or_styles(client: FlaskClient) -> None:
    html = text(client, "/search?q=border")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "style=" not in html and "<style" not in html
    assert " on" + "click=" not in html
    assert '"includeIndicatorStyles": false' in html


def test_browse_reaches_every_paragraph_past_page_1000(client: FlaskClient) -> None:
    total = client.get("/api/search?q=&per_page=1").get_json()["total"]
    last = client.get(f"/api/search?q=&per_page=1&page={total}").get_json()
    assert len(last["hits"]) == 1
    deep = client.get("/search?q=&per_page=1&page=1001")
    assert deep.status_code == 200
    assert client.get(f"/api/search?q=&per_page=1&page={total + 1}").get_json()["hits"] == []
    html = client.get(f"/search?q=&per_page=1&page={total}").get_data(as_text=True)
    assert f"Page {total} of {total}" in html


def test_repeated_filters_are_capped(client: FlaskClient) -> None:
    many = "&".join(f"year={1900 + n}" for n in range(60))
    for path in ("/search", "/api/search"):
        response = client.get(f"{path}?q=cooperation&{many}")
        assert response.status_code == 400
        assert "at most 50 year values" in response.get_data(as_text=True)
    repeated = "&".join(["year=2002"] * 500)  # the same value many times is one filter
    assert client.get(f"/search?q=cooperation&{repeated}").status_code == 200
