"""Documents, a document, paragraph permalinks (ok, moved, gone, missing), as pages and JSON."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DOC_2002, DOC_2012, copy_seeds
from flask import Flask
from flask.testing import FlaskClient
from spec import PARAGRAPH_KEYS

from searchapp import create_app
from searchapp.config import load_settings
from searchapp.indexer import update_index
from searchapp.web.service import get_service

JSON = {"Accept": "application/json"}
REMOVED_START = "The two sides reviewed the course"
MERGED_START = "— To maintain close high-level exchanges"


def test_documents_index_groups_by_year_with_counts(client: FlaskClient) -> None:
    html = client.get("/documents").get_data(as_text=True)
    assert "2 documents, 83 paragraphs" in html
    assert html.index(">2012 <") < html.index(">2002 <")  # newest year first
    assert "1 document, 50 paragraphs" in html and "1 document, 33 paragraphs" in html
    assert f'href="/documents/{DOC_2002}"' in html


def test_documents_index_sorts_by_title(client: FlaskClient) -> None:
    html = client.get("/documents?sort=title").get_data(as_text=True)
    assert html.index("Joint Declaration by the Russian") < html.index("PRC-Russian Federation")
    assert client.get("/documents?sort=size").status_code == 400


def test_document_page_has_metadata_parts_and_anchors(client: FlaskClient) -> None:
    html = client.get(f"/documents/{DOC_2002}").get_data(as_text=True)
    assert "<title>Joint Declaration by the Russian Federation" in html
    for field in (
        "Date",
        "Kind",
        "Place",
        "Parties",
        "2002-12-02",
        "Beijing",
        "Russian Federation, China",
    ):
        assert field in html
    assert '<h2 class="part-heading">I</h2>' in html
    assert '<h2 class="part-heading">VIII</h2>' in html
    assert '<div class="para" id="p12">' in html
    assert f'href="/documents/{DOC_2002}/12"' in html
    assert "<mark>" not in html


def test_document_page_marks_the_query_and_offers_match_navigation(client: FlaskClient) -> None:
    html = client.get(f"/documents/{DOC_2002}?q=security").get_data(as_text=True)
    marks = html.count("<mark>")
    assert marks > 5
    assert f"{marks} matches for" in html
    assert 'id="match-next"' in html and 'id="match-prev"' in html


def test_permalink_page_shows_context_and_citation(client: FlaskClient) -> None:
    html = client.get(f"/documents/{DOC_2002}/12").get_data(as_text=True)
    assert "¶ 12" in html
    for neighbour in (10, 11, 13, 14):
        assert f'href="/documents/{DOC_2002}/{neighbour}"' in html
    assert f'href="/documents/{DOC_2002}/9"' not in html
    assert f'href="/documents/{DOC_2002}#p12"' in html
    citation = re.search(r'<p class="citation" id="citation">([^<]+)</p>', html)
    assert citation
    assert citation.group(1) == (
        "Joint Declaration by the Russian Federation and the People&#39;s Republic of China, "
        f"2002-12-02, ¶ 12. http://localhost/documents/{DOC_2002}/12"
    )
    assert "Border" in html and "(part II)" in html


def test_permalink_json(client: FlaskClient) -> None:
    response = client.get(f"/documents/{DOC_2012}/4", headers=JSON)
    assert response.status_code == 200
    assert "Accept" in response.headers["Vary"]
    data = response.get_json()
    assert set(data) == PARAGRAPH_KEYS
    assert (data["doc_id"], data["pid"], data["year"]) == (DOC_2012, 4, 2012)
    assert data["url"] == f"/documents/{DOC_2012}/4"


@pytest.mark.parametrize(
    "url",
    [
        "/documents/no-such-document",
        "/documents/no-such-document/1",
        f"/documents/{DOC_2002}/999",
        f"/documents/{DOC_2002}/abc",
        f"/documents/{DOC_2002}/-1",
        f"/documents/{DOC_2002}/99999999999999999999999",
    ],
)
def test_unknown_documents_and_pids_are_helpful_404s(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'href="/documents"' in html and "Traceback" not in html


def test_missing_pid_page_links_its_document(client: FlaskClient) -> None:
    html = client.get(f"/documents/{DOC_2002}/999").get_data(as_text=True)
    assert "has no paragraph with the id 999" in html
    assert f'href="/documents/{DOC_2002}"' in html
    response = client.get(f"/documents/{DOC_2002}/999", headers=JSON)
    assert response.status_code == 404 and "error" in response.get_json()


# -- after edits: moved, gone, removed document -------------------------------------------------


@pytest.fixture(scope="module")
def edited_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The seeds indexed, then the 2012 statement edited (one paragraph removed, two merged)
    and the 2002 declaration deleted, then indexed again."""
    docs = copy_seeds(tmp_path_factory.mktemp("edited") / "documents")
    index = docs.parent / "index"
    update_index(docs, index)
    statement = docs / "2012-06-06-china-russia-joint-statement.txt"
    blocks = statement.read_text(encoding="utf-8").split("\n\n")
    blocks = [b for b in blocks if not b.strip().startswith(REMOVED_START)]
    at = next(i for i, b in enumerate(blocks) if b.startswith(MERGED_START))
    blocks[at - 1 : at + 1] = [blocks[at - 1] + " " + blocks[at]]
    statement.write_text("\n\n".join(blocks), encoding="utf-8")
    (docs / "2002-12-02-russia-china-joint-declaration.txt").unlink()
    summary = update_index(docs, index)
    assert not summary.failed
    return create_app(load_settings(docs, index))


def _pid_with(app: Flask, status: str) -> tuple[int, int | None]:
    service = get_service(app)
    for pid in range(1, 60):
        found = service.lookup(DOC_2012, pid)
        if found.status == status:
            return pid, found.target_pid
    raise AssertionError(f"no pid with status {status}")


def test_merged_paragraph_redirects_permanently(edited_app: Flask) -> None:
    pid, target = _pid_with(edited_app, "moved")
    response = edited_app.test_client().get(f"/documents/{DOC_2012}/{pid}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/documents/{DOC_2012}/{target}"


def test_removed_paragraph_is_410_with_links(edited_app: Flask) -> None:
    pid, nearest = _pid_with(edited_app, "gone")
    client = edited_app.test_client()
    response = client.get(f"/documents/{DOC_2012}/{pid}")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This paragraph was removed" in html
    assert f'href="/documents/{DOC_2012}"' in html
    if nearest:
        assert f'href="/documents/{DOC_2012}/{nearest}"' in html
    data = client.get(f"/documents/{DOC_2012}/{pid}", headers=JSON)
    assert data.status_code == 410
    body = data.get_json()
    assert body["status"] == 410 and body["document_url"] == f"/documents/{DOC_2012}"


def test_removed_document_answers_410(edited_app: Flask) -> None:
    client = edited_app.test_client()
    for url in (f"/documents/{DOC_2002}", f"/documents/{DOC_2002}/3"):
        response = client.get(url)
        assert response.status_code == 410
        assert "This document was removed" in response.get_data(as_text=True)


def test_index_folder_is_not_touched_by_the_app(tmp_path: Path) -> None:
    app = create_app(load_settings(tmp_path / "docs", tmp_path / "index"))
    assert app.test_client().get("/documents").status_code == 503
    assert not (tmp_path / "index").exists()
