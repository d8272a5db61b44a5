"""Treaty XML reader: the ToTA shape (Texts of Trade Agreements).

    <treaty><meta><name/><date_signed/><parties_original><partyisocode/>…</parties_original>
    <language/>…</meta><body><chapter number="CHAPTER 2" name="Trade In Goods">
    <article number="ARTICLE 2.1" name="Scope">TEXT</article>…</chapter>…</body></treaty>

Metadata comes from <meta>. The body is handed over as plain text, not as blocks: article texts
were extracted from PDFs and keep their line breaks, page breaks and split paragraphs, which
the plain-text cleaner and parser already repair. Each article is preceded by a heading line
"# Chapter 2 · Article 2.1": the parser reads "# " lines as printed section headings (the
convention the Markdown reader uses too), so every paragraph carries its chapter and article
as its section label, and no change to the reader interface is needed.

XML can define entities that expand to gigabytes ("billion laughs") or read local files. A
treaty never needs a DTD, so a document that declares one is refused while it is parsed
(defusedxml's parser, whatever the encoding of the file). Parsing is fed in chunks, counting
elements and looking at the time budget, so a file of millions of tiny elements is refused
before it fills memory.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from searchapp.corpus.budget import OverBudget, current
from searchapp.corpus.model import Metadata, UnreadableFile
from searchapp.corpus.readers import RawText, register
from searchapp.corpus.readers.text import normalise_newlines

_CHUNK = 64 * 1024  # bytes fed to the parser between two looks at the budget
_ISO_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
_SPACES = re.compile(r"\s+")

# ISO 3166 alpha-3 codes of treaty parties, named as metadata.py names countries found in
# text, so that the parties facet means the same whatever the format. Other codes are kept
# as they are (still a stable, searchable value).
_PARTY_NAMES = {
    "ARM": "Armenia",
    "AUS": "Australia",
    "AZE": "Azerbaijan",
    "BLR": "Belarus",
    "BRN": "Brunei",
    "CHE": "Switzerland",
    "CHL": "Chile",
    "CHN": "China",
    "CRI": "Costa Rica",
    "EUN": "European Union",
    "GEO": "Georgia",
    "HKG": "Hong Kong, China",
    "IDN": "Indonesia",
    "IND": "India",
    "ISL": "Iceland",
    "JPN": "Japan",
    "KAZ": "Kazakhstan",
    "KGZ": "Kyrgyzstan",
    "KHM": "Cambodia",
    "KOR": "South Korea",
    "LAO": "Laos",
    "MAC": "Macao, China",
    "MDA": "Moldova",
    "MMR": "Myanmar",
    "MNG": "Mongolia",
    "MYS": "Malaysia",
    "NZL": "New Zealand",
    "PAK": "Pakistan",
    "PER": "Peru",
    "PHL": "Philippines",
    "PRK": "North Korea",
    "RUS": "Russia",
    "SGP": "Singapore",
    "SRB": "Serbia",
    "THA": "Thailand",
    "TJK": "Tajikistan",
    "TKM": "Turkmenistan",
    "TWN": "Chinese Taipei",
    "UKR": "Ukraine",
    "USA": "United States",
    "UZB": "Uzbekistan",
    "VNM": "Vietnam",
}


@register(".xml")
def read_xml(data: bytes, path: Path) -> RawText:
    root = _parse(data)
    if root.tag != "treaty":
        raise UnreadableFile(f"unsupported XML: the root element is <{root.tag}>, not <treaty>")
    meta = root.find("meta")
    body = root.find("body")
    if body is None:
        raise UnreadableFile("the treaty XML has no <body>")
    metadata = _treaty_metadata(meta) if meta is not None else Metadata(kind="treaty")
    return RawText(text=_body_text(body, metadata.title), metadata=metadata)


class _CountingBuilder(ET.TreeBuilder):
    """The standard tree builder, refusing a document of more elements than the budget."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.elements = 0

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        self.elements += 1
        if self.elements > self.limit:
            raise OverBudget(f"the XML has more than {self.limit:,} elements")
        return super().start(tag, attrs)


def _parse(data: bytes) -> ET.Element:
    budget = current()
    builder = _CountingBuilder(budget.limits.max_xml_elements)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    try:
        # Bytes, not str: the parser honours the encoding the XML declaration names.
        for start in range(0, len(data), _CHUNK):
            parser.feed(data[start : start + _CHUNK])
            budget.check("XML")
        return parser.close()  # type: ignore[no-any-return]
    except DefusedXmlException as exc:
        raise UnreadableFile("XML with a DTD or entity declarations is refused (unsafe)") from exc
    except ET.ParseError as exc:
        raise UnreadableFile(f"invalid XML ({exc})") from exc


# --- metadata --------------------------------------------------------------------------------


def _treaty_metadata(meta: ET.Element) -> Metadata:
    date = _text(meta.find("date_signed"))
    return Metadata(
        title=_text(meta.find("name")),
        date=date if date and _ISO_DATE.match(date) else None,
        kind="treaty",
        parties=_parties(meta),
        language=(_text(meta.find("language")) or "").lower() or None,
        source=_source(meta),
    )


def _parties(meta: ET.Element) -> list[str]:
    # The original signatories, not today's members: the text is what they signed.
    group = meta.find("parties_original")
    if group is None:
        group = meta.find("parties")
    if group is None:
        return []
    codes = sorted(group.iter("partyisocode"), key=lambda el: _order(el.get("n")))
    parties: list[str] = []
    for code in (_text(el) for el in codes):
        if code:
            name = _PARTY_NAMES.get(code.upper(), code.upper())
            if name not in parties:
                parties.append(name)
    return parties


def _order(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _source(meta: ET.Element) -> str | None:
    sources = meta.findall("source")
    full_text = [s for s in sources if s.get("type") == "full text"] or sources
    return _text(full_text[0]) if full_text else None


def _text(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    text = _SPACES.sub(" ", "".join(element.itertext())).strip()
    return text or None


# --- body ------------------------------------------------------------------------------------


def _body_text(body: ET.Element, name: str | None) -> str:
    # The title opens the text on a line of its own, as in a printed treaty: metadata
    # extraction takes the first block of a text for its title and drops it from the
    # paragraphs, so without it the first article's opening would be lost as a "title".
    first = next((c for c in body if c.tag in ("chapter", "article")), None)
    title = _take_printed_title(first) if first is not None else None
    title = title or (name or "").rstrip(" .;:")
    parts: list[str] = [title] if title else []
    for child in body:
        if child.tag == "chapter":
            chapter_label = _label(child.get("number"), child.get("name"))
            for article in child.iter("article"):
                parts.extend(_article(article, chapter_label))
        elif child.tag == "article":
            # A flat treaty: articles straight in the body, without chapters.
            parts.extend(_article(child, ""))
    return "\n\n".join(parts) + "\n"


def _article(article: ET.Element, chapter_label: str) -> list[str]:
    """The heading line and the text of one article (nothing for an empty article)."""
    text = normalise_newlines("".join(article.itertext())).strip()
    if not text:
        return []
    label = " · ".join(p for p in (chapter_label, _label(article.get("number"), None)) if p)
    return [f"# {label}", text] if label else [text]


def _take_printed_title(first: ET.Element) -> str | None:
    """Take the title printed in capitals at the head of the first article, as one line.

    Left in the article, a title broken over several lines would be cut by the parser into
    stray paragraphs ("OF CHINA", "PREAMBLE").
    """
    article = first if first.tag == "article" else first.find(".//article")
    if article is None or not article.text:
        return None
    lines = normalise_newlines(article.text).split("\n")
    cut = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if not _in_capitals(line):
            break
        cut = i + 1
    if cut == 0:
        return None
    article.text = "\n".join(lines[cut:])
    return _SPACES.sub(" ", " ".join(lines[:cut])).strip()


def _in_capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _label(number: str | None, name: str | None) -> str:
    """ "CHAPTER 2" → "Chapter 2"; an unnumbered chapter by its name ("Preamble")."""
    number = _SPACES.sub(" ", number or "").strip()
    if number:
        words = number.split(" ")
        return " ".join([words[0].capitalize(), *words[1:]])
    return _SPACES.sub(" ", name or "").strip()
