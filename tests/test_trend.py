"""How a query's hits spread over the years: /api/trend, `searchapp trend`, the chart."""

from __future__ import annotations

import json
import re
import time
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from searchapp import create_app
from searchapp.config import load_settings
from searchapp.engine.search import REFRESH_EVERY
from tests.conftest import copy_seeds, serve
from tests.helpers_index import cli_env, index_folder, run_cli, write_document


@pytest.fixture(scope="module")
def spread(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds (2002, 2012) and texts of 1975 and 2008: years with and without hits, and
    a gap of 26 years in which nothing was written."""
    root = tmp_path_factory.mktemp("trend")
    docs = copy_seeds(root / "documents")
    write_document(
        docs / "1975.txt",
        ["The sides discussed fisheries and the weather.", "They met again in spring."],
        dateline="Alphaville, 16 May 1975",
    )
    write_document(
        docs / "2008.txt",
        [
            "The sides praised their cooperation in energy.",
            "They noted the harvest.",
            "They agreed to meet.",
            "They parted friends.",
        ],
        dateline="Alphaville, 16 May 2008",
    )
    index_folder(docs, root / "index")
    return root


@pytest.fixture(scope="module")
def trend_client(spread: Path) -> FlaskClient:
    return create_app(load_settings(spread / "documents", spread / "index")).test_client()


def _buckets(client: FlaskClient, query: str) -> dict[int, dict[str, float]]:
    response = client.get(f"/api/trend?{query}")
    assert response.status_code == 200
    data = response.get_json()
    return {b["year"]: b for b in data["buckets"]}


def test_buckets_lie_on_a_true_time_axis(trend_client: FlaskClient) -> None:
    buckets = _buckets(trend_client, "q=cooperation")
    assert list(buckets) == list(range(1975, 2013))  # every year, gaps included
    assert buckets[1975] == {"year": 1975, "hits": 0, "paragraphs": 2, "per_1000": 0.0}
    assert buckets[1990] == {"year": 1990, "hits": 0, "paragraphs": 0, "per_1000": 0.0}
    assert buckets[2008] == {"year": 2008, "hits": 1, "paragraphs": 4, "per_1000": 250.0}
    search = trend_client.get("/api/search?q=cooperation").get_json()
    by_year = {f["value"]: f["count"] for f in search["facets"]["year"]}
    assert buckets[2002]["hits"] == by_year[2002] and buckets[2012]["hits"] == by_year[2012]
    assert buckets[2002]["paragraphs"] == 50
    assert buckets[2002]["per_1000"] == round(1000 * by_year[2002] / 50, 1)


def test_trend_respects_the_other_filters(trend_client: FlaskClient) -> None:
    section = "Trade and economy"
    buckets = _buckets(trend_client, f"q=cooperation&section={section}")
    browse = trend_client.get(f"/api/search?q=&section={section}&year=2002").get_json()
    assert buckets[2002]["paragraphs"] == browse["total"]
    hits = trend_client.get(f"/api/search?q=cooperation&section={section}&year=2002").get_json()
    assert buckets[2002]["hits"] == hits["total"]
    # The year filter is the chart's own: every year still shows, as facets do.
    assert _buckets(trend_client, "q=cooperation&year=2002") == _buckets(
        trend_client, "q=cooperation"
    )


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("q=x&year=20x2", "year must be"),
        ("q=x&party=" + "&party=".join(map(str, range(60))), "at most 50"),
    ],
)
def test_bad_trend_requests_are_refused(trend_client: FlaskClient, query: str, words: str) -> None:
    response = trend_client.get(f"/api/trend?{query}")
    assert response.status_code == 400
    assert words in response.get_json()["error"]


def test_cli_trend_prints_the_same_buckets(spread: Path, trend_client: FlaskClient) -> None:
    env = cli_env(SEARCHAPP_INDEX=str(spread / "index"))
    out = run_cli("trend", "cooperation", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == trend_client.get("/api/trend?q=cooperation").get_json()
    table = run_cli("trend", "cooperation", env=env).stdout.splitlines()
    assert table[0].split() == ["year", "hits", "paragraphs", "per", "1,000"]
    row_2008 = next(line for line in table if line.startswith("2008"))
    assert row_2008.split()[:4] == ["2008", "1", "4", "250.0"] and "█" in row_2008
    assert run_cli("trend", "x", "--year", "20x2", env=env).returncode == 2


def _chart(client: FlaskClient, url: str) -> str:
    html = unescape(client.get(url).text)
    start = html.index('<section class="trend"')
    return html[start : html.index("</section>", start)]


def test_results_page_shows_the_chart_with_links_and_a_table(trend_client: FlaskClient) -> None:
    chart = _chart(trend_client, "/search?q=cooperation")
    assert '<svg class="trend-chart" viewBox="0 0 456 ' in chart  # 38 years of 12 units
    assert "<title>1990: no texts</title>" in chart  # a gap on the axis, not a bar
    assert 'aria-label="1990' not in chart
    assert ">1975</text>" in chart and ">2012</text>" in chart  # the axis: first to last year
    assert '<th scope="row">1975</th><td>0</td><td>2</td>' in chart  # the table alternative
    assert "style=" not in chart and "<script" not in chart
    filtered = _chart(trend_client, "/search?q=cooperation&section=Trade+and+economy")
    links = re.findall(r'<a href="(/search\?[^"]+)"[^>]*aria-label="(\d{4}): ', filtered)
    assert {year for _, year in links} >= {"2002", "2012"}
    assert all("section=Trade+and+economy" in url and f"year={year}" in url for url, year in links)
    per_1000 = _chart(trend_client, "/search?q=cooperation&chart=per1000")
    assert '<span class="current" aria-current="true">Per 1,000 paragraphs of the year</span>' in (
        per_1000
    )
    assert trend_client.get("/search?q=cooperation&chart=pie").status_code == 400


def test_no_chart_without_hits(trend_client: FlaskClient) -> None:
    assert '<section class="trend"' not in trend_client.get("/search?q=zzzzqqq").text


@pytest.mark.browser
def test_a_bar_of_the_chart_filters_to_its_year(page: Any, spread: Path) -> None:
    app = create_app(load_settings(spread / "documents", spread / "index"))
    for base in serve(app):
        page.goto(f"{base}/search?q=cooperation")
        bar = page.locator('.trend-chart a[aria-label^="2008:"]')
        assert bar.count() == 1
        bar.click()
        page.wait_for_url(re.compile(r"year=2008"))
        page.locator(".hit").first.wait_for()
        assert page.locator(".hit").count() == 1
        assert "2008" in page.locator(".chips").inner_text()
        # On a phone the chart keeps the page's width: no sideways scrolling.
        page.set_viewport_size({"width": 390, "height": 800})
        box = page.locator(".trend-chart").bounding_box()
        assert box is not None and box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_paragraphs_per_year_follow_a_new_document(tmp_path: Path) -> None:
    docs = copy_seeds(tmp_path / "documents")
    index_folder(docs, tmp_path / "index")
    client = create_app(load_settings(docs, tmp_path / "index")).test_client()
    before = _buckets(client, "q=cooperation")[2012]
    write_document(
        docs / "more.txt",
        ["A new text of cooperation.", "And one more."],
        dateline="Alphaville, 16 May 2012",
    )
    index_folder(docs, tmp_path / "index")
    time.sleep(REFRESH_EVERY + 0.1)  # how often a serving process looks for a new index
    after = _buckets(client, "q=cooperation")[2012]
    assert after["paragraphs"] == before["paragraphs"] + 2
    assert after["hits"] == before["hits"] + 1
