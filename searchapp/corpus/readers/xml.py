"""Treaty XML reader: the ToTA shape (Texts of Trade Agreements).

    <treaty><meta><name/><date_signed/><parties_original><partyisocode/>…</parties_original>
    <language/>…</meta><body><chapter number="CHAPTER 2" name="Trade In Goods">
    <article number="ARTICLE 2.1" name="Scope">TEXT</article>…</chapter>…</body></treaty>

Metadata comes from <meta> (parties by their canonical names, from the ISO codes of the original
signatories). The body is handed over as plain text, not as blocks: article texts
were extracted from PDFs and keep their line breaks, page breaks and split paragraphs, which
the plain-text cleaner and parser already repair. Each article is preceded by a heading line
"# Chapter 2 · Article 2.1 · Scope" ("Preamble" and "Conclusion" for the unnumbered parts
before and after the articles): the parser reads "# " lines as printed section headings (the
convention the Markdown reader uses too), so every paragraph carries its chapter and article
as its section label. Lines of an article that the parser would take for headings of their
own ("2." alone on a line) are joined to the text they head.

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
from searchapp.corpus.notes import Note
from searchapp.corpus.parse import heading_label, wrap_width
from searchapp.corpus.parties import party_from_iso3
from searchapp.corpus.readers import RawText, register
from searchapp.corpus.readers.text import normalise_newlines

_CHUNK = 64 * 1024  # bytes fed to the parser between two looks at the budget
_ISO_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
_SPACES = re.compile(r"\s+")


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
    text, notes = _body_text(body, metadata.title)
    return RawText(text=text, metadata=metadata, notes=notes)


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
            # Canonical names as everywhere else; a code the gazetteer does not know ("EUN")
            # is kept as it is (still a stable, searchable value).
            name = party_from_iso3(code) or code.upper()
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


def _body_text(body: ET.Element, name: str | None) -> tuple[str, list[Note]]:
    # The title opens the text on a line of its own, as in a printed treaty: metadata
    # extraction takes the first block of a text for its title and drops it from the
    # paragraphs, so without it the first article's opening would be lost as a "title".
    first = next((c for c in body if c.tag in ("chapter", "article")), None)
    title = _take_printed_title(first) if first is not None else None
    title = title or (name or "").rstrip(" .;:")
    parts: list[str] = [title] if title else []
    numbered = False  # a numbered article came before: an unlabelled part closes the treaty
    for child in body:
        chapter = child if child.tag == "chapter" else None
        articles = child.iter("article") if chapter is not None else [child]
        for article in articles:
            if article.tag != "article":
                continue
            label = _article_label(chapter, article, numbered)
            numbered = numbered or bool(article.get("number"))
            parts.extend(_article(article, label))
    parts, notes = _take_footnotes(parts)
    width = wrap_width([" ".join(line.split()) for p in parts for line in p.split("\n")])
    text = "\n\n".join(
        "\n".join(_no_stray_headings(p.split("\n"), width)) if not p.startswith("# ") else p
        for p in parts
    )
    return text + "\n", notes


# The treaty's own footnotes, which the PDF conversion left where the page ended, often
# inside a sentence ("… may apply appropriate" | "3 For China, the applicant for an advance
# ruling …" | "measures to the requester"): a line that starts with the note's number (no
# full stop) and a capital, never a date ("20 March 1883"), a list item (ending ";") or the
# first line of an article.
_FOOTNOTE = re.compile(
    r"^(\d{1,3})\s+(?!(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December)\b)(?=[A-Z“\"(])(.{20,}?)\s*$"
)
# Footnote numbers run on through the treaty (or start again at 1 in a chapter); a number
# further on than this from the last note's is a figure, not a note ("200 US dollars").
_FOOTNOTE_GAP = 3


def _take_footnotes(parts: list[str]) -> tuple[list[str], list[Note]]:
    """The parts without the treaty's footnotes, and the footnotes as notes of the text
    before them (their markers are digits glued to words: "service;1", "Transparency20")."""
    notes: list[Note] = []
    last_number = 0
    before = ""
    out = []
    for part in parts:
        if part.startswith("# "):
            out.append(part)
            continue
        kept = []
        for line in part.split("\n"):
            stripped = " ".join(line.split())
            found = _FOOTNOTE.match(stripped)
            number = int(found.group(1)) if found else 0
            follows = number == 1 or last_number < number <= last_number + _FOOTNOTE_GAP
            # An article opens with its text ("1 The Parties shall", its dot lost), never a note.
            if found and follows and kept and not stripped.endswith(";"):
                notes.append(Note(found.group(2), before))
                last_number = number
                continue
            kept.append(line)
            before = stripped or before
        out.append("\n".join(kept))
    return out, notes


def _article(article: ET.Element, label: str) -> list[str]:
    """The heading line and the text of one article (nothing for an empty article)."""
    text = normalise_newlines("".join(article.itertext())).strip()
    if not text:
        return []
    return [f"# {label}", text]


def _no_stray_headings(lines: list[str], width: int | None) -> list[str]:
    """The article's lines, each line the paragraph parser would read as a printed part
    joined to the text it heads (or ends): a number the PDF conversion left alone on its
    line ("2.", the "V" of a formula), a short numbered line ("7. The Mainland shall allow
    qualified"), a reference that wrapped at its start ("Annex 1 to this Treaty there is").
    Left alone, they would take the article's own label away from the text after them."""
    out: list[str] = []
    carry = ""
    for line in lines:
        stripped = " ".join(line.split())
        if carry and stripped:
            line, carry = f"{carry} {stripped}", ""
            stripped = line
        if stripped and heading_label(stripped, width) is not None:
            carry = stripped
            continue
        out.append(line)
    if carry:
        last = next((i for i in range(len(out) - 1, -1, -1) if out[i].strip()), None)
        if last is None:
            out.append(carry)
        else:
            out[last] = f"{out[last].rstrip()} {carry}"
    return out


def _article_label(chapter: ET.Element | None, article: ET.Element, numbered: bool) -> str:
    """ "Chapter 2 · Article 2.1 · Scope"; an unnumbered part by its name ("Preamble"), or
    where the treaty names none, "Preamble" before the first numbered article and
    "Conclusion" after it (the names ToTA gives these parts elsewhere)."""
    chapter_number = _label(chapter.get("number"), None) if chapter is not None else ""
    article_part = [_label(article.get("number"), None), _article_name(article.get("name"))]
    if any(article_part):
        return " · ".join(p for p in (chapter_number, *article_part) if p)
    chapter_name = _label(None, chapter.get("name")) if chapter is not None else ""
    return chapter_number or chapter_name or ("Conclusion" if numbered else "Preamble")


def _article_name(name: str | None) -> str:
    """The article's name as ToTA gives it, without the full stop some names end with."""
    return _SPACES.sub(" ", name or "").strip().rstrip(".").strip()


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
