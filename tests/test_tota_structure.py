"""ToTA treaty XML: the article and chapter structure is every paragraph's printed part label.

Over all 35 files of `../shared/corpora/tota-chn-rus/xml` (indented, hard-wrapped ones
included), and on fixtures cut from them: the EAEU treaty (pta_440), whose articles were all
"Preamble", and the Ukraine–Russia agreement (pta_362), which had no labels at all.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import Path

import pytest
from helpers_corpus import load_text

from searchapp.corpus import load_document

TOTA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "tota-chn-rus" / "xml"

# pta_440.xml (EAEU), cut: the preamble, Section I with Articles 1 and 2, as indented and
# hard-wrapped as in the file.
EAEU = """<?xml version="1.0" encoding="UTF-8"?>
<treaty>
  <meta>
    <name>Eurasian Economic Union (EAEU)</name>
    <date_signed>2014-05-29</date_signed>
    <parties_original>
      <partyisocode n="1">BLR</partyisocode>
      <partyisocode n="2">KAZ</partyisocode>
      <partyisocode n="3">RUS</partyisocode>
    </parties_original>
    <parties><partyisocode n="1">ARM</partyisocode></parties>
    <language>en</language>
  </meta>
  <body>
    <chapter name="Preamble" chapter_identifier="4494">
      <article>TREATY ON THE EURASIAN ECONOMIC UNION

  The Republic of Belarus, the Republic of Kazakhstan and the Russian
  Federation, hereinafter referred to as the Parties,

  have agreed on the following.</article>
    </chapter>
    <chapter number="SECTION I" name="General Provisions" chapter_identifier="4495">
      <article number="ARTICLE 1"
        name="Establishment Of The Eurasian Economic Union.">Legal personality

  1. Under the present Treaty Parties shall establish the Eurasian
  Economic Union (hereinafter - the EAEU) and ensure free movement of
  goods, services, capital and labor as well as coordinated, agreed or
  common policy in the economic sectors defined in the present Treaty
  and in the international agreements within the EAEU.

  2. The EAEU shall be an international organization of regional
  economic integration that holds the international legal personality.</article>
      <article number="ARTICLE 2" name="Definitions">For the purposes of the present Treaty
  the following terms shall be used and understood as follows:

  “harmonization of legislation” - approximation of legislation of the
  member States aimed at the establishment of a similar (comparable)
  legal regulatory framework in particular areas;

  “member States” – states that are members of the EAEU and the Parties
  of the present Treaty;</article>
    </chapter>
  </body>
</treaty>
"""

# pta_362.xml (Ukraine - Russian Federation), cut: chapters and articles without names.
UKR_RUS = """<?xml version="1.0" encoding="UTF-8"?>
<treaty>
  <meta>
    <name>Ukraine - Russian Federation</name>
    <date_signed>1993-06-24</date_signed>
    <parties_original>
      <partyisocode n="1">RUS</partyisocode>
      <partyisocode n="2">UKR</partyisocode>
    </parties_original>
  </meta>
  <body>
    <chapter chapter_identifier="577">
      <article>The Government of Ukraine and the Government of the , referred to
  hereinafter as the Contracting Parties,

  have agreed as follows:</article>
    </chapter>
    <chapter chapter_identifier="3250">
      <article number="ARTICLE 1">1. The Contracting Parties shall not apply customs duties,
  taxes and charges of equivalent effect on the export and/or import of
  commodities originating from the customs territory of one of the
  Contracting Parties and intended for the customs territory of another
  Contracting Party. Exclusion from the trade regime by a conciliated
  list of commodities shall be formalized by separate documents, which
  are an inseparable part of the present Agreement. The Contracting
  Parties shall conciliate the phased reduction of exclusions stipulated
  in the referred to documents.

  2. For the purposes of the present Agreement and for its validity
  period, the commodities originating from the territory of the
  Contracting Parties shall mean commodities that have been:

  a) completely manufactured on the territory of the Contracting Parties
  and/or

  c) manufactured with the use of the raw materials, materials and
  components specified in subitem “b,” provided their aggregate value
  does not exceed the fixed share of the export price of the sold
  commodities.</article>
      <article number="ARTICLE 2">The Contracting Parties shall not:

      directly or indirectly impose on commodities domestic taxes and charges
      that exceed corresponding taxes or charges imposed on similar
      commodities of domestic manufacture.</article>
    </chapter>
    <chapter chapter_identifier="3251">
      <article>Done in Moscow on June 24, 1993, in two copies.</article>
    </chapter>
  </body>
</treaty>
"""


def test_eaeu_articles_are_the_part_labels(tmp_path: Path) -> None:
    doc = load_text(tmp_path, "pta_440.xml", EAEU)
    article_1 = "Section I · Article 1 · Establishment Of The Eurasian Economic Union"
    assert [(p.section_label, p.text) for p in doc.paragraphs] == [
        (
            "Preamble",
            "The Republic of Belarus, the Republic of Kazakhstan and the Russian Federation, "
            "hereinafter referred to as the Parties, have agreed on the following.",
        ),
        (article_1, "Legal personality"),
        (
            article_1,
            "1. Under the present Treaty Parties shall establish the Eurasian Economic Union "
            "(hereinafter - the EAEU) and ensure free movement of goods, services, capital and "
            "labor as well as coordinated, agreed or common policy in the economic sectors "
            "defined in the present Treaty and in the international agreements within the EAEU.",
        ),
        (
            article_1,
            "2. The EAEU shall be an international organization of regional economic "
            "integration that holds the international legal personality.",
        ),
        (
            "Section I · Article 2 · Definitions",
            "For the purposes of the present Treaty the following terms shall be used and "
            "understood as follows:",
        ),
        (
            "Section I · Article 2 · Definitions",
            "“harmonization of legislation” - approximation of legislation of the member States "
            "aimed at the establishment of a similar (comparable) legal regulatory framework in "
            "particular areas;",
        ),
        (
            "Section I · Article 2 · Definitions",
            "“member States” – states that are members of the EAEU and the Parties of the "
            "present Treaty;",
        ),
    ]
    meta = doc.metadata
    assert (meta.title, meta.date, meta.kind) == (
        "Eurasian Economic Union (EAEU)",
        "2014-05-29",
        "treaty",
    )
    # The original signatories (not today's members), by their canonical names.
    assert meta.parties == ["Belarus", "Kazakhstan", "Russian Federation"]


def test_unnamed_parts_and_numbered_articles(tmp_path: Path) -> None:
    doc = load_text(tmp_path, "pta_362.xml", UKR_RUS)
    assert [p.section_label for p in doc.paragraphs] == [
        "Preamble",
        *["Article 1"] * 4,
        *["Article 2"] * 2,
        "Conclusion",
    ]
    assert [p.text for p in doc.paragraphs][3:6] == [
        "a) completely manufactured on the territory of the Contracting Parties and/or",
        "c) manufactured with the use of the raw materials, materials and components specified "
        "in subitem “b,” provided their aggregate value does not exceed the fixed share of the "
        "export price of the sold commodities.",
        "The Contracting Parties shall not:",
    ]
    assert doc.metadata.parties == ["Russian Federation", "Ukraine"]
    assert doc.metadata.date == "1993-06-24"


def _expected_parts(path: Path) -> list[tuple[ET.Element | None, ET.Element]]:
    """(chapter, article) of every article with text, in document order."""
    body = ET.parse(path).getroot().find("body")
    assert body is not None
    parts = []
    for child in body:
        chapter = child if child.tag == "chapter" else None
        for article in child.iter("article") if chapter is not None else [child]:
            if "".join(article.itertext()).strip():
                parts.append((chapter, article))
    return parts


def _printed(value: str | None) -> str:
    """ "ARTICLE 2.1" -> "article 2.1", "Establishment Of The Union." -> "establishment of
    the union": how the label must show an XML attribute, compared without case."""
    return " ".join((value or "").split()).rstrip(".").lower()


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(p.name for p in TOTA.glob("*.xml")) or ["missing"])
def test_every_paragraph_carries_its_article(name: str) -> None:
    if name == "missing":
        pytest.skip("../shared/corpora is not there")
    path = TOTA / name
    doc = load_document(path, TOTA)
    assert doc.paragraphs and all(p.section_label for p in doc.paragraphs)
    labels = [label for label, _ in groupby(p.section_label for p in doc.paragraphs)]
    runs = [next(run) for _, run in groupby(_expected_parts(path), key=_part_key)]
    assert len(labels) == len(runs), "one run of paragraphs per article, in the XML's order"
    numbered = False
    for label, (chapter, article) in zip(labels, runs, strict=True):
        low = label.lower()
        number, title = _printed(article.get("number")), _printed(article.get("name"))
        if number or title:
            assert number in low and low.endswith(title), (label, article.attrib)
            if chapter is not None and chapter.get("number"):
                assert low.startswith(_printed(chapter.get("number"))), (label, chapter.attrib)
        else:
            named = _printed(chapter.get("name")) if chapter is not None else ""
            assert low == (named or ("conclusion" if numbered else "preamble")), label
        numbered = numbered or bool(number)


def _part_key(part: tuple[ET.Element | None, ET.Element]) -> tuple[str, str]:
    chapter, article = part
    if article.get("number") or article.get("name"):
        return _printed(article.get("number")), _printed(article.get("name"))
    return "part", _printed(chapter.get("name") if chapter is not None else "")


def test_a_treaty_footnote_left_inside_a_sentence_is_a_note(tmp_path: Path) -> None:
    # pta_389.xml (China - Costa Rica), Article 56, cut: the PDF's page footnote "3 For
    # China, …" stood between "appropriate" and "measures"; "1 The Parties" opens an article
    # (pta_97.xml, Article 28) and is its text, its full stop lost.
    text = """<?xml version="1.0" encoding="UTF-8"?>
<treaty><meta><name>China - Costa Rica</name><date_signed>2010-04-08</date_signed></meta>
<body><chapter number="CHAPTER 5" name="Customs Procedures">
<article number="ARTICLE 56" name="Advance Rulings">3. The advance rulings that are into force
may be annulled, when one of the following situations is presented:
(a) \twhere the facts prove that the information on which the advance ruling is based is false
or inaccurate. In these cases, the customs administration may apply appropriate

3 For China, the applicant for an advance ruling on tariff classification must be registered.

measures to the requester, including civil, criminal and administrative actions;</article>
<article number="ARTICLE 57" name="Taxation">1 The Parties shall apply a unified system of
indirect taxation in mutual trade under the principle of a destination country.</article>
</chapter></body></treaty>
"""
    doc = load_text(tmp_path, "pta_389.xml", text)
    assert [(p.text, p.notes) for p in doc.paragraphs] == [
        (
            "3. The advance rulings that are into force may be annulled, when one of the "
            "following situations is presented:",
            [],
        ),
        (
            "(a) where the facts prove that the information on which the advance ruling is "
            "based is false or inaccurate. In these cases, the customs administration may apply "
            "appropriate measures to the requester, including civil, criminal and "
            "administrative actions;",
            [
                "For China, the applicant for an advance ruling on tariff classification must "
                "be registered."
            ],
        ),
        (
            "1 The Parties shall apply a unified system of indirect taxation in mutual trade "
            "under the principle of a destination country.",
            [],
        ),
    ]
