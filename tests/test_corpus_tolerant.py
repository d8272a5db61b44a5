"""Files as they come: odd encodings, binaries, huge files, empty files and other shapes."""

from __future__ import annotations

import codecs
import random
import time
from pathlib import Path

import pytest

from searchapp.corpus import UnreadableFile, load_document, supported_suffixes
from searchapp.corpus.parse import parse

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
CORPORA = Path(__file__).parents[1].parent / "shared" / "corpora"

DECLARATION = (
    "JOINT STATEMENT OF THE REPUBLIC OF EXAMPLE AND THE KINGDOM OF SAMPLE\n\n"
    "The two sides agreed to deepen cooperation in trade, energy and culture, and reaffirmed "
    "their support for the central role of the United Nations.\n\n"
    "Both sides welcomed the café owners’ association and the naïve art exhibition.\n"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def texts(path: Path) -> list[str]:
    return [p.text for p in load_document(path, path.parent).paragraphs]


def test_supported_suffixes() -> None:
    assert {".txt", ".md", ".markdown"} <= supported_suffixes()


def test_unsupported_suffix_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = write(tmp_path, "scan.xyz", b"text")
    with pytest.raises(UnreadableFile, match=r"unsupported file type \.xyz"):
        load_document(path, tmp_path)


def test_empty_file_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.txt", b"")
    with pytest.raises(UnreadableFile, match="no text found"):
        load_document(path, tmp_path)


def test_whitespace_only_file_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, "blank.txt", b"\n \r\n\t\n")
    with pytest.raises(UnreadableFile, match="no text found"):
        load_document(path, tmp_path)


def test_binary_file_is_unreadable(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20
    path = write(tmp_path, "picture.txt", png)
    with pytest.raises(UnreadableFile, match="binary"):
        load_document(path, tmp_path)


def test_random_bytes_without_nul_are_unreadable(tmp_path: Path) -> None:
    rng = random.Random(7)
    data = bytes(rng.choice(range(1, 256)) for _ in range(20_000))
    path = write(tmp_path, "noise.txt", data)
    with pytest.raises(UnreadableFile, match="not a text file"):
        load_document(path, tmp_path)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_legacy_encodings_are_decoded(tmp_path: Path, encoding: str) -> None:
    text = DECLARATION if encoding == "cp1252" else DECLARATION.replace("’", "'")
    path = write(tmp_path, f"{encoding}.txt", text.encode(encoding))
    doc = load_document(path, tmp_path)
    assert doc.metadata.kind == "joint statement"
    assert any("café owners" in p.text and "naïve art" in p.text for p in doc.paragraphs)
    if encoding == "cp1252":
        assert any("owners’ association" in p.text for p in doc.paragraphs)


def test_utf8_bom_is_not_part_of_the_title(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", codecs.BOM_UTF8 + DECLARATION.encode("utf-8"))
    doc = load_document(path, tmp_path)
    assert (
        doc.metadata.title == "Joint Statement of the Republic of Example and the Kingdom of Sample"
    )
    assert all("\ufeff" not in p.text for p in doc.paragraphs)


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    path = write(tmp_path, "utf16.txt", DECLARATION.encode("utf-16"))
    assert len(texts(path)) == 2


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_files_give_the_same_paragraphs(tmp_path: Path, newline: str) -> None:
    unix = write(tmp_path, "unix.txt", DECLARATION.encode())
    other = write(tmp_path, "other.txt", DECLARATION.replace("\n", newline).encode())
    assert texts(other) == texts(unix)
    assert all("\r" not in t for t in texts(other))


def test_file_with_only_repeated_headers_has_no_text(tmp_path: Path) -> None:
    # Headers repeat page after page, with page numbers and form feeds between them.
    page = "Center for Example Studies\n\n\n\nExample Security Initiative\n\n{n}\n\f"
    data = "\n\n\n".join(page.format(n=n) for n in range(1, 6))
    path = write(tmp_path, "headers.txt", data.encode())
    with pytest.raises(UnreadableFile, match="no text found"):
        load_document(path, tmp_path)


def test_page_headers_found_by_repetition_and_page_numbers_removed(tmp_path: Path) -> None:
    bodies = [
        [
            "The parties agree that the river shall remain open to navigation by the vessels of",
            "both states in all seasons, and that the commission shall meet every year to review",
        ],
        [
            "the rules of navigation and the state of the channel, the buoys and the lights of the",
            "river, as the parties shall decide together. Each party shall bear its own costs.",
        ],
        [
            "The commission shall consist of three members appointed by each of the parties and",
            "shall adopt its decisions by consensus.",
        ],
    ]
    pages = [
        "\n".join(["Ministry of Example Affairs", "", *body, "", f"Page {n} of 3"])
        for n, body in enumerate(bodies, start=1)
    ]
    path = write(tmp_path, "pdf.txt", "\f".join(pages).encode())
    paragraphs = texts(path)
    assert all("Ministry of Example Affairs" not in t and "Page" not in t for t in paragraphs)
    # The sentence that the page break (footer, form feed, header) cut is one paragraph again.
    assert paragraphs[0].endswith(
        "meet every year to review the rules of navigation and the state of the channel, the"
        " buoys and the lights of the river, as the parties shall decide together. Each party"
        " shall bear its own costs."
    )
    assert paragraphs[1] == (
        "The commission shall consist of three members appointed by each of the parties and"
        " shall adopt its decisions by consensus."
    )


def test_five_megabyte_file_loads_quickly(tmp_path: Path) -> None:
    paragraph = (
        "The two sides reaffirmed their commitment to the peaceful settlement of disputes and to "
        "the strengthening of trade, energy and cultural cooperation between the two countries.\n\n"
    )
    data = ("TREATY OF EXAMPLE\n\n" + paragraph * (5 * 1024 * 1024 // len(paragraph))).encode()
    assert len(data) > 5_000_000
    path = write(tmp_path, "big.txt", data)
    started = time.perf_counter()
    doc = load_document(path, tmp_path)
    elapsed = time.perf_counter() - started
    assert len(doc.paragraphs) > 25_000
    assert doc.metadata.kind == "treaty"
    assert elapsed < 20, f"5 MB took {elapsed:.1f} s"


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    doc = load_document(FIXTURES / "dfat-style-cablegram.md", FIXTURES)
    meta = doc.metadata
    assert doc.path == "dfat-style-cablegram.md"
    assert meta.title == "Cablegram to Canberra"  # printed in capitals in the front matter
    assert meta.date == "1971-07-14"
    assert meta.kind == "cablegram"
    assert meta.place == "Peking"
    text = [p.text for p in doc.paragraphs]
    assert text[0] == (
        "The delegation met the Premier for two hours this afternoon. He said that the principles"
        " of peaceful co-existence should govern relations between the two countries."
    )
    # Escapes, link targets, footnote references, classification and footnotes are gone.
    assert text[1].startswith("2. On trade, he said")  # "2\\." in the Markdown
    assert "trade mission would be welcome" in text[1]
    assert all("(#f1)" not in t and "http" not in t and "\\" not in t for t in text)
    assert all("Secret" not in t and "NAA" not in t and "not published" not in t for t in text)
    # Emphasised lines alone are the printed headings.
    assert [p.section_label for p in doc.paragraphs[:3]] == [
        "Talks with the Premier",
        "Talks with the Premier",
        "Taiwan",
    ]
    assert doc.paragraphs[2].section == "Sovereignty and territorial integrity"


def test_markdown_headings_and_markup(tmp_path: Path) -> None:
    md = (
        "---\ntitle: Sample Communiqué\ndate: 1999-03\nparties: [Example, Sample]\n---\n\n"
        "# Preamble\n\nThe *parties*, noting **with satisfaction** the [talks](http://x.org),\n"
        "agreed as follows.\n\n## Trade\n\n* Tariffs on wheat shall be reduced.\n"
        "* Quotas shall be abolished.\n"
    )
    path = write(tmp_path, "c.md", md.encode())
    doc = load_document(path, tmp_path)
    assert doc.metadata.title == "Sample Communiqué"
    assert doc.metadata.date == "1999-03"
    assert doc.metadata.parties == ["Example", "Sample"]
    assert [(p.section_label, p.text) for p in doc.paragraphs] == [
        ("Preamble", "The parties, noting with satisfaction the talks, agreed as follows."),
        ("Trade", "- Tariffs on wheat shall be reduced."),
        ("Trade", "- Quotas shall be abolished."),
    ]


def test_markdown_with_broken_front_matter_still_loads(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.md", b"---\ntitle: [unclosed\n---\n\nThe text of the note.\n")
    assert texts(path) == ["The text of the note."]


def test_hard_wrapped_un_style_file() -> None:
    doc = load_document(FIXTURES / "un-style-hard-wrapped.txt", FIXTURES)
    text = [p.text for p in doc.paragraphs]
    # Addresses alone open the paragraph after them; the closing thanks end the last one.
    assert text[0].startswith("Mr. President, Excellencies, It is an honour to address this")
    assert text[0].endswith("to multilateral cooperation.")
    # Split by a blank line in the middle of a sentence: one paragraph again.
    climate = [t for t in text if t.startswith("Climate change remains")]
    assert len(climate) == 1
    assert "so that those who contributed least to the crisis" in climate[0]
    assert climate[0].endswith("another decade of promises.")
    assert "- First, we must reform the international financial architecture." in text
    assert "- Second, we must close the digital divide between North and South." in text
    assert text[-1].endswith(" I thank you.")
    assert len(text) == 6
    assert doc.metadata.kind == "speech"
    assert climate and doc.paragraphs[text.index(climate[0])].section == "Environment and climate"


def test_one_line_per_paragraph_file() -> None:
    doc = load_document(FIXTURES / "un-style-one-line-per-paragraph.txt", FIXTURES)
    assert len(doc.paragraphs) == 4
    assert all(len(p.text) > 150 for p in doc.paragraphs)
    sections = [p.section for p in doc.paragraphs]
    assert sections[1] == "Terrorism, separatism and extremism"
    assert sections[2] == "Korean Peninsula"
    assert sections[3] == "International order and the UN"


def wrapped(*lines: str) -> list[str]:
    # Parse lines padded to look like a file wrapped at about 80 characters.
    return [b.text for b in parse(list(lines))]


def test_soft_hyphen_joined_only_when_the_document_knows_the_word() -> None:
    filler = "x" * 70
    lines = [
        f"{filler} a good coordi-",
        "nation of policies between the two sides, and the same coordination of the work of",
        f"{filler} their nuclear-",
        f"free zone and the good-{filler}",
        "neighbourliness of the two states in the region of the Pacific Ocean and the others.",
    ]
    (text,) = wrapped(*lines)
    assert "a good coordination of policies" in text
    assert "nuclear-free zone" in text
    assert "good-" + filler + "neighbourliness" not in text  # never glued without reason
    assert f"good-{filler}" in text


def test_list_item_styles_are_paragraphs() -> None:
    paras = wrapped(
        "The parties agree:",
        "(a) to meet every year;",
        "(b) to exchange information;",
        "1. to consult each other;",
        "• to settle disputes peacefully.",
    )
    assert paras == [
        "The parties agree:",
        "(a) to meet every year;",
        "(b) to exchange information;",
        "1. to consult each other;",
        "• to settle disputes peacefully.",
    ]


def test_numbered_headings_and_implicit_first_part() -> None:
    blocks = parse(
        ["Preamble text of the treaty.", "", "2.", "", "Second part.", "", "3.", "", "Third."]
    )
    assert [(b.section_label, b.text) for b in blocks] == [
        ("1.", "Preamble text of the treaty."),
        ("2.", "Second part."),
        ("3.", "Third."),
    ]


def test_web_chrome_before_and_after_the_text_is_removed(tmp_path: Path) -> None:
    page = "\n\n".join(
        [
            "Skip to content",
            "Share this:",
            "JOINT COMMUNIQUÉ OF EXAMPLE AND SAMPLE",
            "The two governments decided to establish diplomatic relations at ambassador level.",
            "They agreed to exchange ambassadors as soon as practicable.",
            "Tweet",
            "Like this:",
            "Related",
            "3 thoughts on “Joint communiqué”",
            "Leave a Reply",
            "Cancel reply",
            "Notify me of new posts via email.",
        ]
    )
    path = write(tmp_path, "page.txt", page.encode())
    doc = load_document(path, tmp_path)
    assert doc.metadata.kind == "joint communiqué"
    assert [p.text for p in doc.paragraphs] == [
        "The two governments decided to establish diplomatic relations at ambassador level.",
        "They agreed to exchange ambassadors as soon as practicable.",
    ]


@pytest.mark.corpus
def test_sample_of_shared_corpora_loads() -> None:
    if not CORPORA.is_dir():
        pytest.skip(f"{CORPORA} is absent")
    un = sorted((CORPORA / "ungdc-2015-2024").glob("Session */*.txt"))[::40]
    dfat = sorted((CORPORA / "dfat-historical-docs").glob("volume-*/*.md"))[::40]
    assert un and dfat
    started = time.perf_counter()
    for path in un + dfat:
        doc = load_document(path, CORPORA)
        assert doc.paragraphs, path
        assert doc.metadata.year is not None, path
        for p in doc.paragraphs:
            assert p.text and p.text == p.text.strip()
            assert "\n" not in p.text
    assert time.perf_counter() - started < 10


def test_a_one_line_text_is_indexed_as_one_paragraph(tmp_path: Path) -> None:
    path = write(tmp_path, "short.txt", b"It tells me the road is long\n")
    doc = load_document(path, tmp_path)
    assert [p.text for p in doc.paragraphs] == ["It tells me the road is long"]
