"""HTML, PDF and treaty XML: a file in, clean paragraphs out, through `load_document`."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from searchapp.corpus import Document, UnreadableFile, load_document
from searchapp.corpus.readers import read_file

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
TOTA = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "tota-chn-rus" / "xml"

pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

HEADER = "Joint Declaration of China and Russia - Official Translation"
PARAGRAPHS = [
    "The two sides note with satisfaction that state-to-state relations have reached a new "
    "level of mutual trust and that cooperation in trade, energy and science has grown "
    "steadily every year.",
    "Both sides will strengthen coordination in the United Nations and in the Shanghai "
    "Cooperation Organisation on questions of international security and regional stability "
    "in Central Asia.",
    "The two sides oppose terrorism, separatism and extremism in all their forms and will "
    "deepen cooperation between their law enforcement and security agencies.",
    "They support the peaceful settlement of the nuclear issue of the Korean Peninsula "
    "through dialogue and call for the early resumption of the Six-Party Talks.",
    "The two sides will expand cultural and humanitarian exchanges, including education, "
    "tourism, youth exchanges and cooperation between the media of the two countries.",
]
# One paragraph printed across the break between page 1 and page 2.
SPLIT_BEFORE = (
    "During the talks the leaders of the two countries agreed to deepen their comprehensive "
    "strategic partnership of coordination and to"
)
SPLIT_AFTER = (
    "expand practical cooperation in the fields of trade, investment, energy, transport and "
    "culture for the benefit of both peoples."
)


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, 75)


def _write_pdf(
    path: Path, pages: list[list[str]], info_title: str | None = None, furniture: bool = True
) -> Path:
    """A PDF with a text layer: the given lines, with a running header and "Page n of N"."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    if info_title:
        pdf.setTitle(info_title)
    width, height = A4
    for number, lines in enumerate(pages, start=1):
        if furniture:
            pdf.setFont("Helvetica", 9)
            pdf.drawString(72, height - 40, HEADER)
            pdf.drawString(width / 2, 30, f"Page {number} of {len(pages)}")
        pdf.setFont("Helvetica", 11)
        y = height - 90
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return path


def _declaration_pdf(path: Path) -> Path:
    page1 = [
        *_wrap("JOINT DECLARATION OF THE PEOPLE'S REPUBLIC OF CHINA AND THE RUSSIAN FEDERATION"),
        "",
        "Beijing, 2 December 2002",
        "",
        *_wrap(PARAGRAPHS[0]),
        *_wrap(PARAGRAPHS[1]),
        *_wrap(SPLIT_BEFORE),
    ]
    page2 = [*_wrap(SPLIT_AFTER), *_wrap(PARAGRAPHS[2]), *_wrap(PARAGRAPHS[3])]
    page3 = _wrap(PARAGRAPHS[4])
    return _write_pdf(path, [page1, page2, page3], info_title="Microsoft Word - decl2002.doc")


def _load(path: Path) -> Document:
    return load_document(path, path.parent)


def _texts(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_pages_become_clean_paragraphs(tmp_path: Path) -> None:
    doc = _load(_declaration_pdf(tmp_path / "declaration.pdf"))

    texts = _texts(doc)
    assert texts == [
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        f"{SPLIT_BEFORE} {SPLIT_AFTER}",
        PARAGRAPHS[2],
        PARAGRAPHS[3],
        PARAGRAPHS[4],
    ]
    assert [p.number for p in doc.paragraphs] == [1, 2, 3, 4, 5, 6]
    assert all("Page" not in t and "Official Translation" not in t for t in texts)
    assert "state-to-state" in texts[0]


def test_pdf_metadata_prefers_the_text_over_the_pdf_info(tmp_path: Path) -> None:
    doc = _load(_declaration_pdf(tmp_path / "declaration.pdf"))

    assert doc.metadata.title == (
        "Joint Declaration of the People's Republic of China and the Russian Federation"
    )
    assert doc.metadata.date == "2002-12-02"
    assert doc.metadata.kind == "joint declaration"
    assert doc.metadata.parties == ["China", "Russian Federation"]


def test_pdf_info_title_is_used_when_the_text_has_none(tmp_path: Path) -> None:
    lines = [line for para in PARAGRAPHS for line in _wrap(para)]
    path = _write_pdf(
        tmp_path / "untitled.pdf", [lines], "Sino-Russian Joint Note", furniture=False
    )

    assert _load(path).metadata.title == "Sino-Russian Joint Note"


def test_pdf_producer_file_name_is_not_a_title(tmp_path: Path) -> None:
    lines = [line for para in PARAGRAPHS for line in _wrap(para)]
    path = _write_pdf(tmp_path / "untitled.pdf", [lines], "Microsoft Word - x.doc", furniture=False)

    assert read_file(path).metadata.title is None


def test_scanned_pdf_without_text_layer_is_refused(tmp_path: Path) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    scan = Image.new("L", (400, 560), color=235)
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        pdf.drawImage(ImageReader(scan), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()

    with pytest.raises(UnreadableFile, match=r"no text layer.*run OCR first"):
        _load(path)


def test_pdf_of_empty_pages_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.showPage()
    pdf.save()

    with pytest.raises(UnreadableFile, match="no text layer"):
        _load(path)


def test_mostly_scanned_pdf_is_refused(tmp_path: Path) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    path = tmp_path / "mixed.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.drawString(72, 700, "Cover note: the following pages reproduce the signed original text.")
    pdf.showPage()
    for _ in range(3):
        pdf.drawImage(ImageReader(Image.new("L", (40, 56), 200)), 0, 0, A4[0], A4[1])
        pdf.showPage()
    pdf.save()

    with pytest.raises(UnreadableFile, match=r"3 of 4 pages are images"):
        _load(path)


def test_corrupt_pdf_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.pdf"
    shutil.copy(FIXTURES / "corrupt.pdf", path)

    with pytest.raises(UnreadableFile, match="damaged or invalid PDF"):
        _load(path)


def test_file_that_is_not_a_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "page.pdf"
    path.write_bytes(b"<html><body><p>Saved with the wrong name.</p></body></html>")

    with pytest.raises(UnreadableFile, match="not a PDF"):
        _load(path)


def test_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, encrypt="secret")
    pdf.drawString(72, 700, PARAGRAPHS[0][:80])
    pdf.showPage()
    pdf.save()

    with pytest.raises(UnreadableFile, match=r"password|encrypted"):
        _load(path)


@pytest.mark.parametrize("cut", [200, 600, 1200])
def test_truncated_pdf_raises_only_unreadable_file(tmp_path: Path, cut: int) -> None:
    whole = _declaration_pdf(tmp_path / "whole.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(whole[:cut])

    # Whatever pypdf makes of it, the only exception that may reach the indexer is this one.
    with pytest.raises(UnreadableFile):
        _load(path)


# --- HTML ------------------------------------------------------------------------------------


def test_saved_web_page_gives_only_the_declaration() -> None:
    doc = _load(FIXTURES / "joint-statement-page.html")

    assert _texts(doc) == [
        "The People’s Republic of China and the Russian Federation reaffirm their commitment "
        "to the principles of mutual respect and non-interference in each other’s internal "
        "affairs.",
        "The two sides will strengthen state-to-state coordination in the Shanghai Cooperation "
        "Organisation and oppose terrorism, separatism and extremism in all their forms.",
        "They support the peaceful settlement of the Korean Peninsula issue.",
        "They call for the early resumption of the Six-Party Talks.",
        "Security in the region is indivisible.",
    ]


def test_web_page_headings_label_the_paragraphs_below_them() -> None:
    doc = _load(FIXTURES / "joint-statement-page.html")

    assert [p.section_label for p in doc.paragraphs] == [""] + ["Regional security"] * 4


def test_web_page_metadata() -> None:
    meta = _load(FIXTURES / "joint-statement-page.html").metadata

    assert meta.title == "Joint Statement of China and Russia on Regional Security"
    assert meta.date == "2012-06-05"
    assert meta.language == "en"
    assert meta.place == "Beijing"
    assert meta.kind == "joint statement"


def test_web_page_in_utf8_without_declaration_and_title_from_title_tag(tmp_path: Path) -> None:
    path = tmp_path / "plain.htm"
    path.write_bytes(
        "<html><head><title>Communiqué on Trade | Ministry</title></head><body>"
        "<div>Menu</div><div class='text'><p>Les deux parties ont signé l’accord.</p>"
        "<p>Second paragraph of the communiqué text.<br><br>Third paragraph after "
        "two line breaks.</p></div></body></html>".encode()
    )

    doc = _load(path)

    assert doc.metadata.title == "Communiqué on Trade"
    assert _texts(doc)[-2:] == [
        "Second paragraph of the communiqué text.",
        "Third paragraph after two line breaks.",
    ]
    assert "Les deux parties ont signé l’accord." in _texts(doc)


def test_web_page_of_chrome_only_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "chrome.html"
    path.write_text(
        "<html><body><nav><p>Home</p></nav><script>document.write('x')</script>"
        "<div id='respond'><p>Leave a Reply</p></div></body></html>"
    )

    with pytest.raises(UnreadableFile):
        _load(path)


# --- treaty XML ------------------------------------------------------------------------------


def test_treaty_xml_metadata_comes_from_meta() -> None:
    meta = _load(FIXTURES / "treaty-sample.xml").metadata

    assert meta.title == "China - Russian Federation"
    assert meta.date == "2001-07-16"
    assert meta.kind == "treaty"
    # parties_original, in their "n" order, by canonical name (SPEC "Parties").
    assert meta.parties == ["China", "Russian Federation"]
    assert meta.language == "en"
    assert meta.source == "http://example.org/treaty.pdf"


def test_treaty_xml_articles_become_labelled_paragraphs() -> None:
    doc = _load(FIXTURES / "treaty-sample.xml")

    assert [(p.section_label, p.text) for p in doc.paragraphs] == [
        (
            "Preamble",
            "The People’s Republic of China and the Russian Federation, hereinafter referred "
            "to as “the Parties”:",
        ),
        (
            "Preamble",
            "Desiring to strengthen their economic partnership and to promote trade & "
            "investment between them on the basis of equality and mutual benefit;",
        ),
        ("Preamble", "Have agreed as follows:"),
        (
            "Chapter 1 · Article 1.1 · Objectives",
            "The Parties shall establish a free trade area in accordance with this Agreement.",
        ),
        (
            "Chapter 1 · Article 1.2 · Definitions",
            "For the purposes of this Agreement, days means calendar days.",
        ),
        ("Chapter 2 · Article 2.1 · Scope", "This Chapter applies to trade in goods of a Party."),
        (
            "Chapter 2 · Article 2.1 · Scope",
            "Each Party shall accord national treatment to the goods of the other Party.",
        ),
    ]


def test_xml_entity_bomb_is_refused_before_parsing() -> None:
    with pytest.raises(UnreadableFile, match="DTD or entity"):
        _load(FIXTURES / "entity-bomb.xml")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<treaty><body><chapter>", "invalid XML"),
        (b"<rss><channel/></rss>", "not <treaty>"),
        (b"<treaty><meta><name>x</name></meta></treaty>", "no <body>"),
    ],
)
def test_other_or_broken_xml_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "doc.xml"
    path.write_bytes(content)

    with pytest.raises(UnreadableFile, match=reason):
        _load(path)


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["pta_141.xml", "pta_43.xml", "pta_38.xml"])
def test_real_tota_treaties(name: str) -> None:
    path = TOTA / name
    if not path.exists():
        pytest.skip("the ToTA corpus is not present")

    doc = load_document(path, TOTA)

    assert doc.metadata.kind == "treaty"
    assert doc.metadata.year is not None
    assert "China" in doc.metadata.parties or "Russian Federation" in doc.metadata.parties
    assert len(doc.paragraphs) > 20
    assert any(p.section_label.startswith(("Article", "Chapter")) for p in doc.paragraphs)
    # The printed title in capitals is the title, not a paragraph.
    assert not any(p.text.isupper() and len(p.text) > 20 for p in doc.paragraphs[:3])
