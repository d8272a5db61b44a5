"""Paragraph numbers as printed: where a document numbers its paragraphs, the number it prints
is kept (`printed`), shown and cited ("¶ 13"); `paragraph` stays the reading order."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from searchapp import create_app
from searchapp.config import load_settings
from searchapp.corpus import load_document
from searchapp.indexer import update_index

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"

NUMBERED = """Joint Statement of the Republic of Examplia and the Kingdom of Samplestan

Ulaanbaatar, 3 March 2021

1286. PRIORITY SECRET

The two sides held talks in a friendly atmosphere and agreed on the following.

12. The sides agreed to deepen their cooperation on quokkaberry cultivation.

13. The sides reaffirmed their commitment to the protection of mountain wombats.

14. They will meet again next year.
"""


@pytest.fixture(scope="module")
def numbered(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    root = tmp_path_factory.mktemp("printed")
    documents = root / "documents"
    documents.mkdir()
    (documents / "2021-examplia.txt").write_text(NUMBERED, encoding="utf-8")
    assert not update_index(documents, root / "index").failed
    return create_app(load_settings(documents, root / "index")).test_client()


def _wombat_hit(client: FlaskClient) -> dict:  # type: ignore[type-arg]
    hits = client.get("/api/search?q=wombats").get_json()["hits"]
    assert len(hits) == 1
    return hits[0]  # type: ignore[no-any-return]


def test_the_printed_number_is_kept_beside_the_reading_order(numbered: FlaskClient) -> None:
    hit = _wombat_hit(numbered)
    assert hit["printed"] == "13"
    assert hit["paragraph"] != 13  # reading order: the unnumbered paragraphs come first
    para = numbered.get(hit["url"], headers={"Accept": "application/json"}).get_json()
    assert (para["printed"], para["paragraph"]) == ("13", hit["paragraph"])


def test_citation_and_pages_show_the_printed_number(numbered: FlaskClient) -> None:
    hit = _wombat_hit(numbered)
    page = unescape(numbered.get(hit["url"]).get_data(as_text=True))
    citation = page[page.index('id="citation">') :]
    text = citation.split("</p>")[0].split(">", 1)[1]
    assert "“Joint Statement of the Republic of Examplia" in text
    assert text.endswith(f"Available at: http://localhost{hit['url']}. ¶ 13.")
    assert f"paragraph {hit['paragraph']} in reading order" in page
    results = unescape(numbered.get("/search?q=wombats").get_data(as_text=True))
    assert "¶ 13</a>" in results
    # The document page's margin keeps reading order (the printed number starts the text).
    document = unescape(numbered.get(f"/documents/{hit['doc_id']}").get_data(as_text=True))
    assert f"¶ {hit['paragraph']}</a>" in document and "13. The sides reaffirmed" in document


def test_a_serial_number_is_not_a_paragraph_number(numbered: FlaskClient) -> None:
    hits = numbered.get("/api/search?q=priority").get_json()["hits"]
    assert [h["printed"] for h in hits] == [None]
    unnumbered = numbered.get("/api/search?q=friendly+atmosphere").get_json()["hits"]
    assert unnumbered[0]["printed"] is None


@pytest.mark.corpus
def test_dfat_cablegram_numbers_its_paragraphs() -> None:
    root = CORPORA / "dfat-historical-docs"
    path = root / "volume-21-the-anzus-treaty" / "109-cablegram-from-spender-to-menzies-1.md"
    if not path.exists():
        pytest.skip("the DFAT corpus is not in ../shared/corpora")
    doc = load_document(path, root)
    printed = {p.text[:12]: p.printed for p in doc.paragraphs if p.printed}
    assert list(printed.values()) == ["1", "2", "3"]
    first = next(p for p in doc.paragraphs if p.printed == "1")
    assert first.text.startswith("1. The Treaty should be signed") and first.number > 1
    assert not any(p.printed for p in doc.paragraphs if p.text.startswith("1286."))
