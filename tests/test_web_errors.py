"""Bad input, missing index, unexpected errors, security headers and escaping everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DOC_2002
from flask import Flask
from flask.testing import FlaskClient

from searchapp import create_app
from searchapp.config import load_settings
from searchapp.web.service import get_service

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/search?q=x&page=abc", "page must be a whole number"),
        ("/search?q=x&per_page=1000", "per_page must be between"),
        ("/search?q=x&year=20x2", "year must be a four-digit year"),
        ("/search?q=x&sort=foo", "sort must be one of"),
        ("/search?q=x&page=100000000", "page must be between"),
    ],
)
def test_bad_search_parameters_are_400_pages(client: FlaskClient, url: str, message: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "<html" in html and "Traceback" not in html


def test_bad_parameters_in_an_htmx_request_get_a_fragment(client: FlaskClient) -> None:
    response = client.get("/search?q=x&page=abc", headers={"HX-Request": "true"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'role="alert"' in html


def test_unexpected_errors_are_plain_500s(
    app: Flask,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail /etc/passwd")

    monkeypatch.setattr(get_service(app), "search", boom)
    for url in ("/search?q=x", "/api/search?q=x"):
        response = client.get(url)
        assert response.status_code == 500
        body = response.get_data(as_text=True)
        assert (
            "secret detail" not in body and "Traceback" not in body and "RuntimeError" not in body
        )
    assert client.get("/api/search?q=x").get_json() == {
        "error": "Something went wrong on our side. The error has been logged; please try again."
    }
    assert "secret detail" in caplog.text


def test_missing_index_is_a_polite_503(tmp_path: Path) -> None:
    client = create_app(load_settings(tmp_path / "docs", tmp_path / "none")).test_client()
    for url in (
        "/",
        "/search?q=x",
        "/documents",
        f"/documents/{DOC_2002}",
        f"/documents/{DOC_2002}/1",
    ):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "index has not been built yet" in response.get_data(as_text=True)
    response = client.get("/api/search?q=x")
    assert response.status_code == 503 and "error" in response.get_json()


def test_wrong_method_is_405(client: FlaskClient) -> None:
    assert client.post("/search").status_code == 405
    assert client.delete("/api/search").get_json()["error"]


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/", {}),
        ("/search?q=border", {"HX-Request": "true"}),
        ("/api/search?q=border", {}),
        ("/documents", {}),
        (f"/documents/{DOC_2002}/1", {"Accept": "application/json"}),
        ("/search?page=abc", {}),
        ("/nowhere", {}),
        ("/static/app.css", {}),
    ],
)
def test_security_headers_on_every_response(
    client: FlaskClient, url: str, headers: dict[str, str]
) -> None:
    response = client.get(url, headers=headers)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_payloads_are_text_in_pages_titles_and_fragments(client: FlaskClient, payload: str) -> None:
    for headers in ({}, {"HX-Request": "true"}):
        html = client.get("/search", query_string={"q": payload}, headers=headers).get_data(
            as_text=True
        )
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;" in html
    page = client.get("/search", query_string={"q": payload}).get_data(as_text=True)
    assert "<title>&lt;" in page or "<title>&#34;&gt;&lt;img" in page
    doc = client.get(f"/documents/{DOC_2002}", query_string={"q": payload})
    assert "<script>alert" not in doc.get_data(as_text=True)
    assert "<img src=x" not in doc.get_data(as_text=True)


def test_payload_in_a_bad_parameter_is_escaped(client: FlaskClient) -> None:
    html = client.get("/search", query_string={"q": "x", "year": SCRIPT}).get_data(as_text=True)
    assert "<script>alert" not in html
    data = client.get("/api/search", query_string={"sort": IMG}).get_json()
    assert "error" in data
