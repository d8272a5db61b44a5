"""Every field but the ids is optional (issue 13, item 2): a document without a date (or with
no title line, no printed section) must never break a search, a page or the JSON that finds
it. Through the user's doors: the console script, and HTTP against a served app."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import serve
from helpers_index import index_folder, run_cli
from spec import HIT_KEYS

from searchapp import create_app
from searchapp.config import load_settings

UNDATED = "JOINT STATEMENT OF ALPHA AND BETA\n\nThe two sides discussed Taiwan at length.\n"
BARE = "Taiwan was mentioned in a paragraph of a file with no title, date or heading.\n"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("optional")
    docs = root / "documents"
    docs.mkdir()
    (docs / "undated.txt").write_text(UNDATED, encoding="utf-8")
    (docs / "bare.txt").write_text(BARE, encoding="utf-8")
    summary = index_folder(docs, root / "index")
    assert not summary.failed, summary.failed
    return docs, root / "index"


@pytest.fixture(scope="module")
def base_url(folders: tuple[Path, Path]) -> Iterator[str]:
    yield from serve(create_app(load_settings(*folders)))


def _get(url: str, accept: str = "text/html") -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


@pytest.mark.parametrize("query", ["Taiwan", "", "taiw*", '"Taiwan"', "Taiwan?"])
def test_cli_search_finds_undated_documents(folders: tuple[Path, Path], query: str) -> None:
    done = run_cli("search", query, "--index", str(folders[1]), "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    hits = json.loads(done.stdout)["hits"]
    assert len(hits) == 2
    for hit in hits:
        assert set(HIT_KEYS) <= set(hit)
        assert hit["date"] is None and hit["year"] is None
        assert isinstance(hit["doc_title"], str) and hit["doc_title"]
    plain = run_cli("search", query, "--index", str(folders[1]))
    assert plain.returncode == 0, plain.stderr
    assert "undated" in plain.stdout


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_http_search_pages_and_api_answer_for_undated_hits(base_url: str, sort: str) -> None:
    status, body = _get(f"{base_url}/api/search?q=Taiwan&sort={sort}")
    data = json.loads(body)
    assert status == 200 and data["total"] == 2
    assert {f["value"] for f in data["facets"]["year"]} == {"unknown"}
    for group in ("0", "1"):
        status, page = _get(f"{base_url}/search?q=Taiwan&sort={sort}&group={group}")
        assert status == 200 and "Taiwan" in page
    status, page = _get(f"{base_url}/search?q=Taiwan&year=unknown")
    assert status == 200


def test_permalinks_and_document_pages_of_undated_documents(base_url: str) -> None:
    data = json.loads(_get(f"{base_url}/api/search?q=Taiwan")[1])
    for hit in data["hits"]:
        status, page = _get(base_url + hit["url"])
        assert status == 200 and "Taiwan" in page
        status, body = _get(base_url + hit["url"], accept="application/json")
        assert status == 200 and json.loads(body)["date"] is None
        status, page = _get(f"{base_url}/documents/{hit['doc_id']}?q=Taiwan")
        assert status == 200 and "<mark>Taiwan</mark>" in page
    status, page = _get(f"{base_url}/documents")
    assert status == 200
