"""The two seed declarations, paragraph by paragraph where a reader would notice a mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.corpus import Document, load_document

DOCS = Path(__file__).parents[1] / "documents"
SEED_2002 = "2002-12-02-russia-china-joint-declaration.txt"
SEED_2012 = "2012-06-06-china-russia-joint-statement.txt"

# Nothing of this may end up inside a paragraph: page furniture, chrome, source, signatures.
NOT_TEXT = [
    "Center for Strategic and International Studies",
    "Cross-Strait Security Initiative",
    "Leave a comment",
    "Leave a Reply",
    "Comments RSS",
    "You are commenting using",
    "Fill in your details below",
    "Connecting to %s",
    "Source: Xinhua",
    "Text of report in Chinese",
    "0928gmt",
    "President of the Russian Federation",
    "Chairman of the People's Republic of China",
    "Beijing, December 2, 2002",
]


@pytest.fixture(scope="module")
def doc2002() -> Document:
    return load_document(DOCS / SEED_2002, DOCS)


@pytest.fixture(scope="module")
def doc2012() -> Document:
    return load_document(DOCS / SEED_2012, DOCS)


def containing(doc: Document, words: str) -> list[int]:
    return [p.number for p in doc.paragraphs if words in p.text]


def only(doc: Document, words: str):
    numbers = containing(doc, words)
    assert len(numbers) == 1, f"{words!r} is in paragraphs {numbers}"
    return doc.paragraphs[numbers[0] - 1]


# --- 2002 joint declaration -------------------------------------------------------------------


def test_2002_metadata(doc2002: Document) -> None:
    meta = doc2002.metadata
    assert doc2002.path == SEED_2002
    assert (
        meta.title
        == "Joint Declaration by the Russian Federation and the People's Republic of China"
    )
    assert meta.date == "2002-12-02"
    assert meta.year == 2002
    assert meta.kind == "joint declaration"
    assert meta.place == "Beijing"
    assert meta.parties == ["Russian Federation", "China"]
    assert meta.language == "en"
    assert meta.signatories == [
        "President of the Russian Federation",
        "Chairman of the People's Republic of China",
    ]
    assert doc2002.warnings == []


def test_2002_paragraphs_are_numbered_in_reading_order(doc2002: Document) -> None:
    assert len(doc2002.paragraphs) == 50
    assert [p.number for p in doc2002.paragraphs] == list(range(1, 51))
    first = doc2002.paragraphs[0].text
    assert first.startswith("The Heads of State of Russia and China, having comprehensively")
    assert first.endswith("international relations.")
    last = doc2002.paragraphs[-1].text
    assert last.startswith("The Heads of State of Russia and China declare that")
    assert last.endswith("the peoples of the two countries.")


def test_2002_title_is_not_a_paragraph(doc2002: Document) -> None:
    assert not containing(doc2002, "JOINT DECLARATION")


def test_2002_page_break_is_joined(doc2002: Document) -> None:
    para = only(doc2002, "reliable partners and never be enemies,")
    assert para.text.startswith("The Heads of State of Russia and China reiterate that no matter")
    assert para.text.endswith("peace-loving states and peoples all over the world.")
    assert not any(p.text.startswith("and never be enemies") for p in doc2002.paragraphs)


def test_2002_real_hyphens_are_kept(doc2002: Document) -> None:
    assert only(doc2002, "a new type of state-to-state relations")
    assert only(doc2002, "the line of the Russian-Chinese state boundary")
    assert containing(doc2002, "relations of good-neighborliness, friendship")
    assert only(doc2002, "maintain a nuclear-free status of the Korean Peninsula")
    assert only(doc2002, "the Russian-Chinese Committee of Friendship")
    for p in doc2002.paragraphs:
        assert "- " not in p.text.replace(" - ", ""), p.text


def test_2002_paragraph_without_blank_line_before_it_stands_alone(doc2002: Document) -> None:
    # In the PDF conversion "…its Security Council." is followed on the next line by a new
    # paragraph, with no blank line between them.
    para = only(doc2002, "at a time of globalization and scientific and technical progress")
    assert para.text.startswith("The two sides believe that at a time of globalization")
    assert only(doc2002, "its Security Council.").text.endswith("its Security Council.")


def test_2002_printed_sections(doc2002: Document) -> None:
    labels = list(dict.fromkeys(p.section_label for p in doc2002.paragraphs))
    assert labels == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
    # "I" is not printed: the part before "II" is the first section.
    assert doc2002.paragraphs[0].section_label == "I"
    assert only(doc2002, "Tibet is an integral part of China").section_label == "II"
    assert only(doc2002, "World Trade Organization (WTO)").section_label == "III"
    assert only(doc2002, "Democratic People's Republic of Korea (DPRK)").section_label == "VIII"


def test_2002_no_furniture_chrome_or_signature_in_paragraphs(doc2002: Document) -> None:
    for p in doc2002.paragraphs:
        for junk in NOT_TEXT:
            assert junk not in p.text, (junk, p.number)
        assert p.text.strip() == p.text and "  " not in p.text


def test_2002_thematic_sections(doc2002: Document) -> None:
    taiwan = only(doc2002, "Taiwan is an integral part of China's territory")
    assert taiwan.section == "Sovereignty and territorial integrity"
    assert only(doc2002, "World Trade Organization (WTO)").section == "Trade and economy"
    assert only(doc2002, "trade and economic cooperation is of great importance").section == (
        "Trade and economy"
    )
    assert only(doc2002, "the Russian-Chinese oil pipeline").section == "Energy"
    korea = only(doc2002, "relaxation process in recent years on the Korean Peninsula")
    assert korea.section == "Korean Peninsula"
    assert only(doc2002, 'Chechnya and "East Turkestan"').section == (
        "Terrorism, separatism and extremism"
    )
    assert only(doc2002, "Afghan Interim Authority").section == "Afghanistan"
    assert only(doc2002, "Palestine-Israel confrontation").section == "Middle East"


# --- 2012 joint statement ---------------------------------------------------------------------


def test_2012_metadata(doc2012: Document) -> None:
    meta = doc2012.metadata
    assert meta.title == (
        "PRC-Russian Federation Joint Statement on Further Deepening China-Russia Comprehensive"
        " Strategic Partnership of Coordination Based on Equality and Trust"
    )
    # Dated "Beijing, 6 June" (the year from "5 to 6 June 2012" and the source line "06 Jun
    # 12"): the day the statement was issued, the last day of the visit.
    assert meta.date == "2012-06-06"
    assert meta.kind == "joint statement"
    assert meta.place == "Beijing"
    assert set(meta.parties) == {"China", "Russian Federation"}
    assert meta.source is not None
    assert "Xinhua news agency, Beijing, in English 0928gmt 06 Jun 12" in meta.source
    assert "Text of report in Chinese by official Chinese news agency Xinhua" in meta.source
    assert meta.signatories == []


def test_2012_paragraphs(doc2012: Document) -> None:
    assert len(doc2012.paragraphs) == 33
    first = doc2012.paragraphs[0].text
    assert first.startswith("At the invitation of PRC President Hu Jintao")
    assert doc2012.paragraphs[-1].text.endswith("other multilateral mechanisms.")
    # The dateline that repeats the title is not a paragraph.
    assert not any(p.text.startswith("Beijing, 6 June") for p in doc2012.paragraphs)
    assert all(p.section_label == "" for p in doc2012.paragraphs)


def test_2012_list_items_are_paragraphs_of_their_own(doc2012: Document) -> None:
    item = only(doc2012, "To maintain close high-level exchanges")
    assert item.text == (
        "— To maintain close high-level exchanges and improve the mechanisms for cooperation"
        " between parliaments, government, and departments;"
    )
    intro = doc2012.paragraphs[item.number - 2]
    assert intro.text.endswith("the two sides have agreed the following:")
    items = [p for p in doc2012.paragraphs if p.text.startswith("— ")]
    assert len(items) == 15


def test_2012_no_chrome_or_source_in_paragraphs(doc2012: Document) -> None:
    for p in doc2012.paragraphs:
        for junk in NOT_TEXT:
            assert junk not in p.text, (junk, p.number)
        assert "Log Out" not in p.text and "Google+" not in p.text


def test_2012_thematic_sections(doc2012: Document) -> None:
    assert only(doc2012, "Maintaining peace and stability on the Korean Peninsula").section == (
        "Korean Peninsula"
    )
    assert only(doc2012, "increase bilateral trade to $100 billion").section == "Trade and economy"
    assert only(doc2012, "cracking down on transnational crimes").section == (
        "Terrorism, separatism and extremism"
    )
    assert only(doc2012, "crisis in Syria must be resolved").section == "Middle East"
    assert only(doc2012, "joint military exercises").section == "Military cooperation"
    assert only(doc2012, "tremendous achievements of the SCO").section == "Regional organisations"
