"""Metadata: extracted from the text, or given in `metadata.csv` (given wins).

Extraction reads what a human reader reads first: the title line(s), the dateline ("Beijing,
December 2, 2002" or "(Beijing, China, December 2, 2002)" after the title), the place and date
under the signatures and the source line. The blocks that only carry this (the title, a bare
dateline) are reported so that they do not become paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from searchapp.corpus.clean import Cleaned
from searchapp.corpus.dates import (
    ANY_YEAR,
    FILENAME_DATE,
    MONTH_YEAR,
    Date,
    day_month,
    find_dates,
)
from searchapp.corpus.filenames import DebateSpeech, debate_speech
from searchapp.corpus.kinds import KINDS, kind_from_title
from searchapp.corpus.language import detect_language
from searchapp.corpus.model import Metadata
from searchapp.corpus.parties import find_document_parties

_TOKEN = re.compile(r"[^\W\d_]+")

# --- datelines, titles, kinds, parties -----------------------------------------------------

# "Beijing, China, December 2, 2002", "Cablegram, Canberra, 18 May 1949", "Beijing, 6 June".
_PLACE_WORD = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|del|da|am|upon|on))*"
_DATELINE = re.compile(
    r"^(?:(?i:done|signed|issued|adopted|made)\s+(?:at|in)\s+)?(?P<places>"
    + _PLACE_WORD
    + r"(?:,\s+"
    + _PLACE_WORD
    + r"){0,2}),\s+"
    r"(?P<date>(?:[0-3]?\d(?:st|nd|rd|th)?\s*(?:(?:to|-|–|and)\s*[0-3]?\d\s+)?(?:of\s+)?[A-Z][a-z]+\.?"
    r"|[A-Z][a-z]+\.?\s+[0-3]?\d(?:st|nd|rd|th)?)(?:,?\s+\d{4})?)"
    r"(?P<rest>\s*(?:[-–—:.]\s*.*)?)$",
    re.S,
)
_DONE_AT = re.compile(r"^(?:done|signed|issued|adopted|made)\s+(?:at|in)\s+", re.I)
_TRAILING_PAREN = re.compile(r"\s*\(([^()]{3,120})\)\s*$")
_FULL_TEXT = re.compile(
    r"\s*[(\[](?:full text|text|unofficial translation|excerpts?)[)\]]\s*$", re.I
)
_SALUTATION = re.compile(
    r"^(?:mr\.?|mister|madam|madame|mrs\.?|ms\.?|your (?:excellency|excellencies|majesty|highness)"
    r"|excellenc(?:y|ies)|distinguished|honou?rable|ladies|dear|esteemed|president\b|co-chairs?"
    r"|(?:allow|let) me|at the outset|on behalf of|it is (?:an|a great) (?:honou?r|privilege))",
    re.I,
)

_SMALL_WORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "as",
        "at",
        "between",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "upon",
        "with",
    )
)
_ACRONYMS = frozenset(
    (
        "PRC",
        "USA",
        "US",
        "UK",
        "UN",
        "USSR",
        "DPRK",
        "ROK",
        "SCO",
        "ASEAN",
        "BRICS",
        "EU",
        "NATO",
        "APEC",
        "WTO",
        "G20",
        "CIS",
        "ANZUS",
        "NPT",
    )
)


@dataclass
class Extraction:
    metadata: Metadata
    drop: set[int] = field(default_factory=set)  # indexes of blocks that are not paragraphs
    warnings: list[str] = field(default_factory=list)
    # The dropped blocks by kind ("title", "dateline"), as Cleaned.removed lists lines.
    removed: list[tuple[str, str]] = field(default_factory=list)


# A title is a line, not a paragraph: at most this many words; a title printed in capitals
# may be longer (treaties name both governments in full: "AGREEMENT BETWEEN THE GOVERNMENT
# OF … ON FREE TRADE BETWEEN …", 31 words in ToTA's Russia–Serbia agreement).
_TITLE_MAX_WORDS = 30
_CAPITALS_TITLE_MAX_WORDS = 50
_TITLE_KIND_WORDS = 6


def extract_metadata(
    blocks: list[str], cleaned: Cleaned | None, filename: str, given_title: str | None = None
) -> Extraction:
    """Metadata found in the text's blocks, its source line, signatures and file name.

    The first block is dropped as the title only when it is one (a line that names a kind
    of document, in capitals, or dated) or repeats `given_title` (front matter,
    metadata.csv): a given title never takes a paragraph away.
    """
    meta = Metadata()
    drop: set[int] = set()
    cleaned = cleaned or Cleaned(lines=[])
    speech = debate_speech(filename)

    if speech is not None:
        # The collection's file name is the title; the text's first lines stay text.
        title_idx, title, title_tail = [], speech.title, None
    else:
        title_idx, title, title_tail = _find_title(blocks)
    if not title_idx and given_title:
        title_idx, title, title_tail = _given_title(blocks, given_title)
    drop.update(title_idx)
    meta.title = title

    dateline_date: Date | None = None
    place: str | None = None
    if title_tail:
        place, dateline_date = _read_dateline(title_tail)
    start = max(title_idx) + 1 if title_idx else 0
    for i in range(start, min(start + 3, len(blocks))):
        found = _DATELINE.match(blocks[i])
        if not found or len(found.group("places")) > 60:
            continue
        line_place, line_date = _read_dateline(blocks[i])
        if line_date is None:
            continue
        place = place or line_place
        dateline_date = dateline_date or line_date
        rest = _FULL_TEXT.sub("", found.group("rest").lstrip(" -–—:.")).strip()
        if not rest or len(rest) < 20 or (title and _same_words(rest, title)):
            drop.add(i)  # a bare dateline, or a dateline that repeats the title
        break
    for line in cleaned.place_date:
        line_place, line_date = _read_dateline(line)
        place = place or line_place
        dateline_date = dateline_date or line_date

    meta.place = place
    body = [b for i, b in enumerate(blocks) if i not in drop]
    warnings: list[str] = []
    if speech is not None:
        meta.date = _speech_date(speech, dateline_date)
    else:
        meta.date = _choose_date(dateline_date, cleaned.source, title, body, filename, warnings)
    # A given title names the kind first ("Cablegram to Canberra"), then the text's own title.
    meta.kind = kind_from_title(given_title) or _find_kind(title, body)
    meta.parties = (
        [speech.party] if speech else find_document_parties(title, body, meta.kind, given_title)
    )
    meta.language = detect_language(" ".join(body[:5]))
    meta.source = cleaned.source
    meta.signatories = list(cleaned.signatories)
    removed = [("title" if i in title_idx else "dateline", blocks[i]) for i in sorted(drop)]
    return Extraction(metadata=meta, drop=drop, warnings=warnings, removed=removed)


def _given_title(blocks: list[str], given: str) -> tuple[list[int], str, str | None]:
    """The first block when it only repeats the given title."""
    if not blocks:
        return [], given, None
    text, tail = _split_title_tail(_FULL_TEXT.sub("", blocks[0]))
    if _same_words(text, given) or _same_words(blocks[0], given):
        return [0], given, tail
    return [], None, None


def _find_title(blocks: list[str]) -> tuple[list[int], str | None, str | None]:
    """(indexes of the title blocks, the title, a dateline written after it).

    A title is a short line that names a kind of document ("Joint Statement on …", "Address
    by …"), or is printed in capitals, or carries a place and date; it does not end like a
    sentence or an address. A first paragraph that merely mentions a charter is no title.
    """
    if not blocks:
        return [], None, None
    first = blocks[0]
    if len(first) > 300 or _SALUTATION.match(first):
        return [], None, None
    if _DATELINE.match(first) and _split_title_tail(first)[1] is None:
        return [], None, None
    indexes = [0]
    text = first
    # A title in capitals that the layout broke over two blocks.
    if _is_upper(first) and len(blocks) > 1 and _is_upper(blocks[1]) and len(blocks[1]) < 200:
        indexes.append(1)
        text = f"{first} {blocks[1]}"
    text, tail = _split_title_tail(_FULL_TEXT.sub("", text))
    if not _looks_like_title(text, dated=tail is not None) or len(blocks) == 1:
        return [], None, None
    text = display_title(text.replace("\xa0", " ").strip(" .:"))
    return indexes, text or None, tail


def _looks_like_title(text: str, dated: bool) -> bool:
    stripped = text.strip()
    most = _CAPITALS_TITLE_MAX_WORDS if _is_upper(stripped) else _TITLE_MAX_WORDS
    if not stripped or len(stripped.split()) > most or stripped[0].islower():
        return False
    if stripped[-1] in ",;:" or (_ENDS_SENTENCE_RE.search(stripped) and not dated):
        return False
    # A title names its kind at its start ("Joint Statement by …", "The Kingdom's Statement
    # in …"); a sentence may name one anywhere ("… enshrined in the Charter: dignity").
    opening = " ".join(stripped.split()[:_TITLE_KIND_WORDS])
    return dated or _is_upper(stripped) or kind_from_title(opening) is not None


def _split_title_tail(text: str) -> tuple[str, str | None]:
    """ "Joint Communiqué on X (Paris, 3 March 2019)" or "Joint Communiqué on X, Paris, 3 March
    2019." → ("Joint Communiqué on X", "Paris, 3 March 2019")."""
    paren = _TRAILING_PAREN.search(text)
    if paren and (find_dates(paren.group(1)) or _DATELINE.match(paren.group(1))):
        return text[: paren.start()], paren.group(1)
    stripped = text.rstrip(" .")
    for comma in (m.start() for m in re.finditer(",", stripped)):
        tail = stripped[comma + 1 :].strip()
        found = _DATELINE.match(tail)
        if found and not found.group("rest").strip() and find_dates(tail):
            return stripped[:comma], tail
    return text, None


_ENDS_SENTENCE_RE = re.compile(r"[.!?…;][\"'”’)]*$")


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.9


# The editors' mark for an illegible word ("Message From[ ]Dulles"): a space in a title.
_EMPTY_BRACKETS = re.compile(r"\s*\[\s*\]\s*")


def display_title(text: str) -> str:
    """A title as the reader should see it: in title case when printed in capitals
    ("SUBMISSION TO BOWEN"), without the editors' empty brackets."""
    text = _EMPTY_BRACKETS.sub(" ", text).strip()
    return title_case(text) if _is_upper(text) else text


def title_case(text: str) -> str:
    """Title case for a title printed in capitals ("JOINT DECLARATION BY THE" → "Joint
    Declaration by the"), keeping acronyms such as PRC."""
    words = text.split()
    out = []
    for i, word in enumerate(words):
        core = word.strip("(),.;:\"'")
        if core in _ACRONYMS:
            out.append(word)
        elif i > 0 and word.lower() in _SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append("-".join(_capitalised(part) for part in word.split("-")))
    return " ".join(out)


def _capitalised(word: str) -> str:
    # Names of the Scots and Irish officials of the volumes: "MCINTYRE" → "McIntyre".
    if len(word) > 3 and word[:2].lower() == "mc" and word[2].isalpha():
        return "Mc" + word[2].upper() + word[3:].lower()
    return word[:1].upper() + word[1:].lower()


def _read_dateline(text: str) -> tuple[str | None, Date | None]:
    """Place and date of a dateline; the date may lack its year (filled in later)."""
    found = _DATELINE.match(text.strip())
    if not found:
        return None, None
    places = [_DONE_AT.sub("", p.strip()) for p in found.group("places").split(",")]
    place = next((p for p in places if not _is_kind_word(p) and not _FORM.match(p)), None)
    date_text = found.group("date")
    dates = find_dates(date_text)
    if dates:
        return place, dates[-1]
    return place, day_month(date_text)


# Words of a dateline that say what the paper is, not where it was written ("Extract,
# Washington, 18 January 1951").
_FORM = re.compile(r"^(?:extracts?|excerpts?|copy|draft|text|translation|summary|enclosure)$", re.I)


def _is_kind_word(text: str) -> bool:
    return any(p.search(text) for p, _ in KINDS)


def _choose_date(
    dateline: Date | None,
    source: str | None,
    title: str | None,
    body: list[str],
    filename: str,
    warnings: list[str],
) -> str | None:
    """The document's date: its dateline's, else its source line's or title's, else the file
    name's. A date mentioned in the text is taken only when nothing else dates the document,
    and then with a warning: "on 28 October 2014, our fifth President…" is no dateline."""
    if dateline and dateline.year is not None:
        return dateline.iso()
    source_dates = find_dates(source or "")
    early_dates = [d for block in body[:3] for d in find_dates(block[:_EARLY_CHARS])]
    if dateline is not None:
        # "Beijing, 6 June": the year comes from the source line, the first paragraphs or the
        # file name, preferring one that names the same day.
        candidates = source_dates + early_dates
        same_day = [d for d in candidates if (d.month, d.day) == (dateline.month, dateline.day)]
        year = (same_day or candidates or [None])[0]
        year_value = year.year if year else _filename_year(filename)
        if year_value is None:
            year_value = _first_year(body[:3])
        if year_value is not None:
            return Date(year_value, dateline.month, dateline.day).iso()
    header_dates = source_dates + find_dates(title or "")
    if header_dates:
        return header_dates[0].iso()
    file_date = FILENAME_DATE.search(filename)
    if file_date:
        return "-".join(file_date.groups())
    year = _filename_year(filename)
    if year is not None:
        return str(year)
    if early_dates:
        warnings.append(
            f"date {early_dates[0].iso()} taken from the text, not from a dateline: check it"
        )
        return early_dates[0].iso()
    return None


def _speech_date(speech: DebateSpeech, dateline: Date | None) -> str:
    """A debate speech is dated by its dateline when that names the session's year, else by
    the year of its file name (the text's dates are of other events)."""
    if dateline is not None and dateline.year == speech.year:
        return dateline.iso() or str(speech.year)
    return str(speech.year)


# Only the opening of the first paragraphs is searched for the date of a meeting.
_EARLY_CHARS = 600


def _filename_year(filename: str) -> int | None:
    found = ANY_YEAR.findall(Path(filename).stem)
    return int(found[-1]) if found else None


def _first_year(blocks: Iterable[str]) -> int | None:
    for block in blocks:
        month_year = MONTH_YEAR.search(block)
        if month_year:
            return int(month_year.group("year"))
        year = ANY_YEAR.search(block)
        if year:
            return int(year.group(1))
    return None


def _same_words(a: str, b: str) -> bool:
    def words(s: str) -> list[str]:
        return _TOKEN.findall(s.lower())

    return words(a) == words(b)


def _find_kind(title: str | None, body: list[str]) -> str | None:
    """The kind a title names; without one, a text that opens with an address is a speech.
    Never a word of the body: a speech that quotes the Charter is no charter."""
    kind = kind_from_title(title)
    if kind is None and body and any(_SALUTATION.match(b) for b in body[:3]):
        return "speech"
    return kind
