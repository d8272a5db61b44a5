"""The JSON API: the SPEC's shape, repeated filters, and errors as {"error": ...}."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from spec import HIT_KEYS, SEARCH_KEYS


def test_search_json_has_the_spec_shape(client: FlaskClient) -> None:
    response = client.get("/api/search?q=taiwan")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) >= SEARCH_KEYS
    assert data["total"] == 1
    hit = data["hits"][0]
    assert set(hit) >= HIT_KEYS
    assert hit["url"] == "/documents/2002-12-02-joint-declaration/9"
    assert "<mark>Taiwan</mark>" in hit["excerpt"]
    assert data["facets"]["year"] == [{"value": 2002, "count": 1}]


def test_repeated_filters_or_within_and_across(client: FlaskClient) -> None:
    def total(url: str) -> int:
        return int(client.get(url).get_json()["total"])

    assert total("/api/search?q=cooperation&year=2002&year=2012") == 47
    assert total("/api/search?q=cooperation&year=2002") == 29
    two = total("/api/search?q=cooperation&section=Trade+and+economy&section=Energy")
    assert two == 9
    assert total("/api/search?q=cooperation&year=2012&section=Trade+and+economy") == 4


def test_paging_and_per_page(client: FlaskClient) -> None:
    data = client.get("/api/search?q=cooperation&per_page=5&page=2&sort=oldest").get_json()
    assert (data["page"], data["per_page"], len(data["hits"])) == (2, 5, 5)
    assert data["sort"] == "oldest"


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("per_page=1000", "per_page"),
        ("year=20x2", "year"),
        ("sort=foo", "sort"),
        ("group=maybe", "group"),
        ("q=" + "word+" * 400, "long"),
    ],
)
def test_bad_parameters_are_400_with_a_json_message(
    client: FlaskClient, params: str, word: str
) -> None:
    response = client.get(f"/api/search?{params}")
    assert response.status_code == 400
    data = response.get_json()
    assert set(data) == {"error"} and word in data["error"]


def test_unknown_api_path_is_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_script_in_query_is_plain_text_in_json(client: FlaskClient) -> None:
    payload = "<script>alert(1)</script>"
    data = client.get("/api/search", query_string={"q": payload}).get_json()
    assert data["query"] == payload
    assert all("<script" not in hit["excerpt"] for hit in data["hits"])
