"""Taking results away: CSV/JSONL exports, Atom feeds and citations, over HTTP and the CLI."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
import feedparser
import pytest
import rispy
from flask import Flask
from flask.testing import FlaskClient

from searchapp import create_app
from searchapp.config import load_settings
from searchapp.exports import COLUMNS
from tests.conftest import DOC_2002, DOC_2012, copy_seeds
from tests.helpers_index import cli_env, index_folder, run_cli, write_document

ATOM = "{http://www.w3.org/2005/Atom}"
CSL = {"Accept": "application/vnd.citationstyles.csl+json"}


def _csv_rows(response_text: str) -> list[dict[str, str]]:
    assert response_text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(response_text[1:], newline="")))


def _all_api_hits(client: FlaskClient, query: str) -> list[tuple[str, int]]:
    hits, page = [], 1
    while True:
        data = client.get(f"/api/search?{query}&per_page=100&page={page}").get_json()
        hits += [(h["doc_id"], h["pid"]) for h in data["hits"]]
        if page * 100 >= data["total"]:
            return hits
        page += 1


@pytest.mark.parametrize(
    "query", ["q=cooperation", "q=cooperation&sort=newest", "q=&year=2012", "q=security+OR+trade"]
)
def test_csv_export_has_every_hit_in_the_page_order(client: FlaskClient, query: str) -> None:
    response = client.get(f"/search.csv?{query}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == "\ufeff" + ",".join(COLUMNS)
    assert "\r\n" in text  # RFC 4180 line ends
    rows = _csv_rows(text)
    assert [(r["doc_id"], int(r["pid"])) for r in rows] == _all_api_hits(client, query)
    first = rows[0]
    assert first["permalink"] == f"http://localhost/documents/{first['doc_id']}/{first['pid']}"
    assert client.get(first["permalink"].removeprefix("http://localhost")).status_code == 200


def test_jsonl_export_matches_the_api(client: FlaskClient) -> None:
    response = client.get("/search.jsonl?q=terrorism&section=Terrorism")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()
    rows = [json.loads(line) for line in lines]
    assert rows and all(tuple(r) == COLUMNS for r in rows)
    api = client.get("/api/search?q=terrorism&section=Terrorism&per_page=100").get_json()
    assert [r["text"] for r in rows] == [h["text"] for h in api["hits"]]
    assert all(r["section"] == api["hits"][0]["section"] for r in rows)


def test_export_cap_is_stated_in_the_file(client: FlaskClient) -> None:
    total = client.get("/api/search?q=cooperation").get_json()["total"]
    rows = _csv_rows(client.get("/search.csv?q=cooperation&limit=3").get_data(as_text=True))
    assert len(rows) == 4
    assert rows[-1]["doc_id"].startswith("Export stopped at its cap of 3 rows")
    assert f"has {total} hits" in rows[-1]["doc_id"]
    last = client.get("/search.jsonl?q=cooperation&limit=3").get_data(as_text=True).splitlines()
    assert json.loads(last[-1])["truncated"] is True and len(last) == 4


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/search.xml?q=a", 400, "unknown export format"),
        ("/search.csv?q=a&limit=0", 400, "limit must be"),
        ("/search.csv?q=a&limit=999999999", 400, "export cap"),
        ("/search.csv?q=a&year=abc", 400, "year must be"),
        ("/search.jsonl?q=a&sort=sideways", 400, "sort must be"),
        (f"/documents/{DOC_2002}/12.docx", 400, "unknown citation format"),
        (f"/documents/{DOC_2002}/9999.bib", 404, "no paragraph"),
        ("/documents/no-such-doc/1.ris", 404, "no paragraph"),
    ],
)
def test_exports_refuse_bad_input_clearly(
    client: FlaskClient, url: str, status: int, words: str
) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)


@pytest.fixture
def hostile_app(tmp_path: Path) -> Iterator[Flask]:
    """Paragraphs that a spreadsheet would run as formulas."""
    docs = tmp_path / "documents"
    write_document(
        docs / "hostile.txt",
        [
            '=HYPERLINK("http://evil.example","click") the sides agreed on formulas.',
            "+1 the sides agreed on pluses; and so on.",
            "-2 the sides agreed on minuses; and so on.",
            '@SUM(A1) the sides agreed on sums, with a "quote", a comma, and\na line break.',
        ],
    )
    index_folder(docs, tmp_path / "index")
    yield create_app(load_settings(docs, tmp_path / "index"))


def test_csv_cells_are_safe_from_formula_injection(hostile_app: Flask) -> None:
    text = hostile_app.test_client().get("/search.csv?q=agreed").get_data(as_text=True)
    texts = sorted(r["text"] for r in _csv_rows(text))
    assert [t[:2] for t in texts] == ["'+", "'-", "'=", "'@"]
    assert any('"quote", a comma' in t for t in texts)  # quoting round-trips


def test_cli_exports_the_same_rows(index_dir: Path, client: FlaskClient) -> None:
    env = cli_env(SEARCHAPP_INDEX=str(index_dir), SEARCHAPP_BASE_URL="https://decl.example")
    out = run_cli("search", "cooperation", "--format", "csv", "--all", env=env)
    assert out.returncode == 0, out.stderr
    rows = _csv_rows(out.stdout)
    assert [(r["doc_id"], int(r["pid"])) for r in rows] == _all_api_hits(client, "q=cooperation")
    assert rows[0]["permalink"].startswith("https://decl.example/documents/")
    page = run_cli("search", "cooperation", "--format", "jsonl", "--limit", "5", env=env)
    assert len(page.stdout.splitlines()) == 5
    as_json = run_cli("search", "cooperation", "--format", "json", env=env)
    assert json.loads(as_json.stdout)["total"] == len(rows)


# -- feeds ----------------------------------------------------------------------------------


@pytest.fixture
def feed_client(tmp_path: Path) -> FlaskClient:
    """The seeds, and a third declaration that entered the index after them."""
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    write_document(
        docs / "later.txt",
        ["The sides reaffirmed their strategic partnership and cooperation in energy."],
        dateline="Alphaville, 16 May 1999",
    )
    index_folder(docs, index)
    with sqlite3.connect(index / "registry.sqlite") as db:
        db.execute("UPDATE document_added SET added = '2020-01-01T00:00:00Z'")
        db.execute(
            "UPDATE document_added SET added = '2024-05-01T10:00:00Z' WHERE doc_id IN "
            "(SELECT doc_id FROM documents WHERE path = 'later.txt')"
        )
    return create_app(load_settings(docs, index)).test_client()


def test_atom_feed_is_valid_and_newest_documents_come_first(feed_client: FlaskClient) -> None:
    response = feed_client.get("/search.atom?q=cooperation")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    entries = feed.entries
    # The declaration of 1999 entered the index last: it comes first, whatever its date.
    assert entries[0].title.startswith("Joint Statement of the Republic of Alpha")
    assert entries[0].updated.startswith("2024-05-01T10:00:00")
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        path = entry.id.removeprefix("http://localhost")
        assert feed_client.get(path).status_code == 200  # every id is a live permalink
    # The seeds match "cooperation" in many paragraphs: one entry each, listing them.
    grouped = [e for e in entries if "matching paragraphs" in e.title]
    assert {e.link.rsplit("/", 1)[-1] for e in grouped} == {DOC_2002, DOC_2012}
    assert feed_client.get("/search.atom?q=cooperation").data == response.data  # stable


def test_atom_feed_has_the_elements_rfc_4287_requires(feed_client: FlaskClient) -> None:
    root = ET.fromstring(feed_client.get("/search.atom?q=energy&year=2012").data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and "/search.atom?" in self_link.get("href", "")
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for name in ("id", "title", "updated", "content"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        links = entry.findall(f"{ATOM}link")
        assert any(link.get("rel", "alternate") == "alternate" for link in links)  # the default


def test_results_page_links_its_exports_and_feed(client: FlaskClient) -> None:
    html = client.get("/search?q=cooperation&year=2002&page=2").get_data(as_text=True)
    assert 'href="/search.csv?q=cooperation&amp;year=2002"' in html
    assert 'href="/search.jsonl?q=cooperation&amp;year=2002"' in html
    assert (
        'id="follow-search" class="follow" href="/search.atom?q=cooperation&amp;year=2002"' in html
    )
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Follow this search" '
        'href="/search.atom?q=cooperation&amp;year=2002">'
    ) in html


# -- citations ------------------------------------------------------------------------------


def test_bibtex_citation_reads_back(client: FlaskClient) -> None:
    response = client.get(f"/documents/{DOC_2002}/12.bib")
    assert response.status_code == 200
    library = bibtexparser.parse_string(response.get_data(as_text=True))
    assert not library.failed_blocks
    (entry,) = library.entries
    fields = {f.key: f.value for f in entry.fields}
    assert entry.entry_type == "misc"
    assert fields["title"].startswith("{Joint Declaration by the Russian Federation")
    assert fields["year"] == "2002" and fields["date"] == "2002-12-02"
    # Parties are organisations: each name in its own braces, so no "Last, First" split.
    assert all(a.startswith("{") and a.endswith("}") for a in fields["author"].split(" and "))
    assert fields["url"] == f"http://localhost/documents/{DOC_2002}/12"
    assert "Paragraph 12" in fields["note"]


def test_ris_citation_reads_back(client: FlaskClient) -> None:
    (entry,) = rispy.loads(client.get(f"/documents/{DOC_2012}/4.ris").get_data(as_text=True))
    assert entry["type_of_reference"] == "GOVDOC"
    assert entry["title"].startswith("PRC-Russian Federation Joint Statement")
    assert entry["year"] == "2012" and entry["date"] == "2012/06/06"
    assert entry["urls"] == [f"http://localhost/documents/{DOC_2012}/4"]
    assert entry["notes"] == ["Paragraph 4"]
    assert entry["authors"]


def test_csl_json_by_content_negotiation(client: FlaskClient) -> None:
    response = client.get(f"/documents/{DOC_2012}/4", headers=CSL)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.citationstyles.csl+json"
    assert "Accept" in response.headers["Vary"]
    item = response.get_json(force=True)
    assert item["type"] == "document"
    assert item["issued"] == {"date-parts": [[2012, 6, 6]]}
    assert item["URL"] == f"http://localhost/documents/{DOC_2012}/4"
    assert item["author"] and all(set(a) == {"literal"} for a in item["author"])


def test_permalink_page_offers_the_citation_formats(client: FlaskClient) -> None:
    html = client.get(f"/documents/{DOC_2002}/12").get_data(as_text=True)
    assert f'href="/documents/{DOC_2002}/12.bib"' in html
    assert f'href="/documents/{DOC_2002}/12.ris"' in html
    assert 'data-copy="#citation"' in html
