"""Behind a reverse proxy: X-Forwarded-* are trusted only when SEARCHAPP_PROXY_FIX says how
many proxies there are, and then citations and absolute links use the public scheme and host."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchapp.config import load_settings
from tests.conftest import DOC_2002, copy_seeds
from tests.helpers_serve import ServedApp, serve_process

FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "declarations.example.org",
    "X-Forwarded-For": "203.0.113.9",
}


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    root = tmp_path_factory.mktemp("proxy")
    env = {"SEARCHAPP_PROXY_FIX": "1"}
    with serve_process(copy_seeds(root / "documents"), root / "index", env=env) as app:
        yield app


def citation(base: str, headers: dict[str, str]) -> str:
    request = urllib.request.Request(f"{base}/documents/{DOC_2002}/3", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        html = response.read().decode()
    start = html.index('id="citation">')
    return html[start : html.index("</p>", start)]


def test_citation_uses_the_public_scheme_and_host(behind_proxy: ServedApp) -> None:
    cited = citation(behind_proxy.url, FORWARDED)
    assert f"https://declarations.example.org/documents/{DOC_2002}/3" in cited


def test_forwarded_headers_are_ignored_unless_configured(served: ServedApp) -> None:
    cited = citation(served.url, FORWARDED)
    assert "declarations.example.org" not in cited
    assert f"http://127.0.0.1:{served.port}/documents/{DOC_2002}/3" in cited


def test_proxy_setting_must_be_a_number(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SEARCHAPP_PROXY_FIX", "yes")
    with pytest.raises(ValueError, match="number of proxies"):
        load_settings(tmp_path, tmp_path)
