"""Metadata: extracted from the text, or given in `metadata.csv` (given wins).

Extraction reads what a human reader reads first: the title line(s), the dateline ("Beijing,
December 2, 2002" or "(Beijing, China, December 2, 2002)" after the title), the place and date
under the signatures and the source line. The blocks that only carry this (the title, a bare
dateline) are reported so that they do not become paragraphs.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from searchapp.corpus.clean import Cleaned
from searchapp.corpus.model import Metadata

log = logging.getLogger(__name__)

CATALOG_NAME = "metadata.csv"
CATALOG_FIELDS = ("file", "title", "date", "kind", "place", "parties", "language", "source")

# --- dates -----------------------------------------------------------------------------------

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|20)\d{2})"
_YEAR2 = r"(?P<year>(?:1[89]|20)?\d{2})"

# Each pattern names day/month/year groups; `first` marks ranges ("5 to 6 June 2012").
_DATE_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"\b(?P<first>[0-3]?\d)(?:st|nd|rd|th)?\s*(?:to|-|–|—|and)\s*"
        + _DAY
        + r"\s+"
        + _MONTH
        + r",?\s+"
        + _YEAR
        + r"\b",
        r"\b" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b",
        r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b",
        r"\b(?P<year>(?:1[89]|20)\d{2})-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b",
        # "06 Jun 12": the short form of news-agency source lines.
        r"\b" + _DAY + r"\s+" + _MONTH + r"\s+" + _YEAR2 + r"\b",
    )
]
_DAY_MONTH = [
    re.compile(r"\b" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r"\b", re.I),
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r"\b", re.I),
]
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+" + _YEAR + r"\b", re.I)
_ANY_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_FILENAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})-([01]\d)-([0-3]\d)(?!\d)")
_CATALOG_DATE = re.compile(r"^\d{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")


@dataclass(frozen=True)
class _Date:
    year: int | None
    month: int
    day: int | None

    def iso(self) -> str | None:
        if self.year is None:
            return None
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # Two-digit years of source lines: "06 Jun 12" is 2012, "15 Mar 98" is 1998.
        year += 2000 if year < 50 else 1900
    return year


def _valid(year: int | None, month: int, day: int | None) -> bool:
    if not 1 <= month <= 12:
        return False
    return day is None or 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def find_dates(text: str) -> list[_Date]:
    """Full dates in `text`, in order; a range gives its last day (the day the text was issued)."""
    found: list[tuple[int, _Date]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            month_text = m.group("month").lower()
            month = int(month_text) if month_text.isdigit() else _MONTHS[month_text]
            year, day = _full_year(m.group("year")), int(m.group("day"))
            if _valid(year, month, day):
                found.append((m.start(), _Date(year, month, day)))
                taken.append((m.start(), m.end()))
    return [d for _, d in sorted(found, key=lambda x: x[0])]


def find_date(text: str) -> str | None:
    """The first full ISO date written in `text` ("December 2, 2002" → "2002-12-02")."""
    dates = find_dates(text)
    return dates[0].iso() if dates else None


def _day_month(text: str) -> _Date | None:
    for pattern in _DAY_MONTH:
        m = pattern.search(text)
        if m:
            month, day = _MONTHS[m.group("month").lower()], int(m.group("day"))
            if _valid(None, month, day):
                return _Date(None, month, day)
    return None


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

_KINDS = [
    (re.compile(p, re.I), kind)
    for p, kind in (
        (r"\bjoint\s+declaration\b", "joint declaration"),
        (r"\bjoint\s+statement\b", "joint statement"),
        (r"\bjoint\s+communiqu[eé]\b", "joint communiqué"),
        (r"\bjoint\s+press\s+(?:release|communiqu[eé]|statement)\b", "joint statement"),
        (r"\bcommuniqu[eé]\b", "communiqué"),
        (r"\bmemorandum\s+of\s+understanding\b", "memorandum of understanding"),
        (r"\btreaty\b", "treaty"),
        (r"\bconvention\b", "convention"),
        (r"\bprotocol\b", "protocol"),
        (r"\bagreement\b", "agreement"),
        (r"\bcharter\b", "charter"),
        (r"\b(?:cablegram|telegram|cable)\b", "cablegram"),
        (r"\brecord\s+of\s+(?:conversation|meeting)\b", "record of conversation"),
        (r"\bmemorandum\b", "memorandum"),
        (r"\baide[- ]m[eé]moire\b", "aide-mémoire"),
        (r"\bletter\b", "letter"),
        (r"\bminute\b", "minute"),
        (r"\bsubmission\b", "submission"),
        (r"\bpress\s+release\b", "press release"),
        (r"\b(?:speech|address|remarks)\b", "speech"),
        (r"\bdeclaration\b", "declaration"),
        (r"\bstatement\b", "statement"),
        (r"\bnote\b", "note"),
        (r"\breport\b", "report"),
    )
]
_JOINT_KINDS = frozenset(
    {"joint declaration", "joint statement", "joint communiqué", "communiqué", "treaty"}
    | {"agreement", "convention", "protocol", "memorandum of understanding", "declaration"}
)

# Country names and the forms that point at them; the value is the name used for `parties`.
# Longest forms are matched first, so "People's Republic of China" wins over "China".
_COUNTRY_FORMS: dict[str, tuple[str, ...]] = {
    "China": (
        "People's Republic of China",
        "People’s Republic of China",
        "PRC",
        "China",
        "Chinese",
    ),
    "Russia": ("Russian Federation", "Russia", "Russian", "USSR", "Soviet Union", "Soviet"),
    "United States": ("United States of America", "United States", "USA", "U.S.", "American"),
    "United Kingdom": ("United Kingdom", "Great Britain", "Britain", "British", "UK"),
    "Australia": ("Australia", "Australian"),
    "New Zealand": ("New Zealand",),
    "Japan": ("Japan", "Japanese"),
    "India": ("India", "Indian"),
    "Pakistan": ("Pakistan",),
    "France": ("France", "French Republic"),
    "Germany": ("Germany", "Federal Republic of Germany", "German"),
    "Italy": ("Italy", "Italian Republic"),
    "Spain": ("Spain", "Kingdom of Spain"),
    "Canada": ("Canada", "Canadian"),
    "Brazil": ("Brazil", "Brazilian"),
    "South Africa": ("South Africa",),
    "Mongolia": ("Mongolia", "Mongolian"),
    "Kazakhstan": ("Kazakhstan",),
    "Kyrgyzstan": ("Kyrgyzstan", "Kyrgyz Republic"),
    "Tajikistan": ("Tajikistan",),
    "Uzbekistan": ("Uzbekistan",),
    "Turkmenistan": ("Turkmenistan",),
    "Belarus": ("Belarus",),
    "Ukraine": ("Ukraine", "Ukrainian"),
    "Iran": ("Iran", "Islamic Republic of Iran"),
    "Turkey": ("Turkey", "Türkiye", "Turkish"),
    "Vietnam": ("Viet Nam", "Vietnam", "Vietnamese"),
    "Indonesia": ("Indonesia", "Indonesian"),
    "Malaysia": ("Malaysia",),
    "Philippines": ("Philippines",),
    "Thailand": ("Thailand",),
    "Singapore": ("Singapore",),
    "North Korea": ("Democratic People's Republic of Korea", "DPRK", "North Korea"),
    "South Korea": ("Republic of Korea", "ROK", "South Korea"),
    "Egypt": ("Egypt", "Arab Republic of Egypt"),
    "Saudi Arabia": ("Saudi Arabia",),
    "Israel": ("Israel",),
    "Syria": ("Syria", "Syrian Arab Republic"),
    "Cuba": ("Cuba",),
    "Venezuela": ("Venezuela",),
    "Argentina": ("Argentina",),
    "Mexico": ("Mexico",),
    "Serbia": ("Serbia",),
    "Netherlands": ("Netherlands",),
    "European Union": ("European Union", "EU"),
}
_COUNTRY_LOOKUP = {form.lower(): name for name, forms in _COUNTRY_FORMS.items() for form in forms}
_COUNTRY = re.compile(
    r"(?<![\w])("
    + "|".join(re.escape(f) for f in sorted(_COUNTRY_LOOKUP, key=len, reverse=True))
    + r")(?![\w])",
    re.I,
)
# Forms that are words in lower case ("chinese" is fine, but "us" and "uk" must be capitals).
_CASE_SENSITIVE = frozenset({"u.s.", "us", "uk", "eu", "usa", "prc", "rok", "dprk", "ussr"})

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

_ENGLISH = frozenset(
    (
        "the",
        "of",
        "and",
        "to",
        "in",
        "that",
        "is",
        "for",
        "on",
        "with",
        "as",
        "by",
        "are",
        "be",
        "this",
        "it",
        "which",
        "from",
        "at",
        "have",
        "has",
        "will",
    )
)
_FRENCH = frozenset(
    ("le", "la", "les", "des", "et", "est", "dans", "que", "pour", "une", "sur", "du", "au", "avec")
)
_SPANISH = frozenset(
    ("el", "la", "los", "las", "del", "y", "es", "en", "que", "para", "una", "por", "con")
)
_GERMAN = frozenset(
    ("der", "die", "das", "und", "ist", "nicht", "mit", "den", "von", "zu", "dem", "ein", "eine")
)
_TOKEN = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Extraction:
    metadata: Metadata
    drop: set[int] = field(default_factory=set)  # indexes of blocks that are not paragraphs
    warnings: list[str] = field(default_factory=list)


def extract_metadata(blocks: list[str], cleaned: Cleaned | None, filename: str) -> Extraction:
    """Metadata found in the text's blocks, its source line, signatures and file name."""
    meta = Metadata()
    drop: set[int] = set()
    cleaned = cleaned or Cleaned(lines=[])

    title_idx, title, title_tail = _find_title(blocks)
    drop.update(title_idx)
    meta.title = title

    dateline_date: _Date | None = None
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
    meta.date = _choose_date(dateline_date, cleaned.source, title_tail, body, filename)
    meta.kind = _find_kind(title, body)
    meta.parties = _find_parties(title, body, meta.kind)
    meta.language = detect_language(" ".join(body[:5]))
    meta.source = cleaned.source
    meta.signatories = list(cleaned.signatories)
    return Extraction(metadata=meta, drop=drop)


def _find_title(blocks: list[str]) -> tuple[list[int], str | None, str | None]:
    """(indexes of the title blocks, the title, a dateline written after it in brackets)."""
    if not blocks:
        return [], None, None
    first = blocks[0]
    if len(first) > 300 or _SALUTATION.match(first) or _DATELINE.match(first):
        return [], None, None
    looks_like_title = (
        _is_upper(first)
        or any(p.search(first) for p, _ in _KINDS[:11])
        or not _ENDS_SENTENCE_RE.search(first)
    )
    if not looks_like_title or (len(blocks) > 1 and first.endswith(",")):
        return [], None, None
    indexes = [0]
    text = first
    # A title in capitals that the layout broke over two blocks.
    if _is_upper(first) and len(blocks) > 1 and _is_upper(blocks[1]) and len(blocks[1]) < 200:
        indexes.append(1)
        text = f"{first} {blocks[1]}"
    text = _FULL_TEXT.sub("", text)
    tail = None
    paren = _TRAILING_PAREN.search(text)
    if paren and (find_dates(paren.group(1)) or _DATELINE.match(paren.group(1))):
        tail = paren.group(1)
        text = text[: paren.start()]
    text = text.replace("\xa0", " ").strip(" .:")
    if _is_upper(text):
        text = title_case(text)
    return indexes, text or None, tail


_ENDS_SENTENCE_RE = re.compile(r"[.!?…;][\"'”’)]*$")


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.9


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
            out.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(out)


def _read_dateline(text: str) -> tuple[str | None, _Date | None]:
    """Place and date of a dateline; the date may lack its year (filled in later)."""
    found = _DATELINE.match(text.strip())
    if not found:
        return None, None
    places = [_DONE_AT.sub("", p.strip()) for p in found.group("places").split(",")]
    place = next((p for p in places if not _is_kind_word(p)), None)
    date_text = found.group("date")
    dates = find_dates(date_text)
    if dates:
        return place, dates[-1]
    return place, _day_month(date_text)


def _is_kind_word(text: str) -> bool:
    return any(p.search(text) for p, _ in _KINDS)


def _choose_date(
    dateline: _Date | None,
    source: str | None,
    title_tail: str | None,
    body: list[str],
    filename: str,
) -> str | None:
    """The document's date: the dateline's, else the source line's, else the file name's."""
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
            return _Date(year_value, dateline.month, dateline.day).iso()
    if source_dates:
        return source_dates[0].iso()
    file_date = _FILENAME_DATE.search(filename)
    if file_date:
        return "-".join(file_date.groups())
    if early_dates:
        return early_dates[0].iso()
    year = _filename_year(filename)
    if year is not None:
        return str(year)
    return None


# Only the opening of the first paragraphs is searched for the date of a meeting.
_EARLY_CHARS = 600


def _filename_year(filename: str) -> int | None:
    found = _ANY_YEAR.findall(Path(filename).stem)
    return int(found[-1]) if found else None


def _first_year(blocks: Iterable[str]) -> int | None:
    for block in blocks:
        month_year = _MONTH_YEAR.search(block)
        if month_year:
            return int(month_year.group("year"))
        year = _ANY_YEAR.search(block)
        if year:
            return int(year.group(1))
    return None


def _same_words(a: str, b: str) -> bool:
    def words(s: str) -> list[str]:
        return _TOKEN.findall(s.lower())

    return words(a) == words(b)


def kind_from_title(title: str | None) -> str | None:
    """The kind of document a title names ("CABLEGRAM TO CANBERRA" → "cablegram")."""
    for pattern, kind in _KINDS:
        if title and pattern.search(title):
            return kind
    return None


def _find_kind(title: str | None, body: list[str]) -> str | None:
    for text in (title or "", body[0][:300] if body else ""):
        for pattern, kind in _KINDS:
            if pattern.search(text):
                return kind
    if body and any(_SALUTATION.match(b) for b in body[:3]):
        return "speech"
    return None


def find_parties(text: str) -> list[str]:
    """Countries named in `text`, in the order of their first mention."""
    parties: list[str] = []
    for m in _COUNTRY.finditer(text):
        form = m.group(1)
        if form.lower() in _CASE_SENSITIVE and not form.isupper():
            continue
        name = _COUNTRY_LOOKUP[form.lower()]
        if name not in parties:
            parties.append(name)
    return parties


def _find_parties(title: str | None, body: list[str], kind: str | None) -> list[str]:
    parties = find_parties(title or "")
    if parties or kind not in _JOINT_KINDS or not body:
        # Only joint texts name their parties at the start; a speech or cable mentions many
        # countries that are not parties to it.
        return parties
    return find_parties(body[0])[:4]


def detect_language(text: str) -> str | None:
    """The language code: "en" for English, a few others by their function words or script."""
    sample = text[:5000]
    tokens = _TOKEN.findall(sample.lower())
    if not tokens:
        return None
    if len(_CYRILLIC.findall(sample)) > len(sample) / 3:
        return "ru"
    if len(_CJK.findall(sample)) > len(sample) / 3:
        return "zh"
    scores = {
        lang: sum(t in words for t in tokens)
        for lang, words in (("en", _ENGLISH), ("fr", _FRENCH), ("es", _SPANISH), ("de", _GERMAN))
    }
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= max(2, len(tokens) * 0.05) else None


# --- the catalog (metadata.csv) --------------------------------------------------------------


def parse_catalog_date(value: str) -> str | None:
    """A catalog date if it is YYYY, YYYY-MM or YYYY-MM-DD; ValueError otherwise."""
    value = value.strip()
    if not value:
        return None
    m = _CATALOG_DATE.match(value)
    if not m or (m.group(2) and not _valid(int(value[:4]), int(m.group(1)), int(m.group(2)))):
        raise ValueError(f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def load_catalog(documents_dir: Path, warnings: list[str] | None = None) -> dict[str, Metadata]:
    """The metadata given in `documents_dir/metadata.csv`, by file path ("/" separators).

    A missing catalog is an empty one. Problems in a row (a malformed date) are warnings: the
    rest of the row, and the other rows, still count.
    """
    path = Path(documents_dir) / CATALOG_NAME
    warn = warnings if warnings is not None else []
    if not path.is_file():
        return {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        _warn(warn, f"{CATALOG_NAME}: cannot be read ({exc}); its metadata is ignored")
        return {}
    catalog: dict[str, Metadata] = {}
    for line_no, row in enumerate(rows, start=2):
        file = (row.get("file") or "").strip().replace("\\", "/").lstrip("/")
        if file.startswith("./"):
            file = file[2:]
        if not file:
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                _warn(warn, f"{CATALOG_NAME}, line {line_no}: no file name; row ignored")
            continue
        catalog[file] = _row_metadata(row, f"{CATALOG_NAME}, line {line_no} ({file})", warn)
    return catalog


def _cell(row: dict[str, str | None], name: str) -> str | None:
    value = row.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _row_metadata(row: dict[str, str | None], where: str, warn: list[str]) -> Metadata:
    try:
        date = parse_catalog_date(_cell(row, "date") or "")
    except ValueError as exc:
        _warn(warn, f"{where}: {exc}; the date is ignored")
        date = None
    parties = [p.strip() for p in (_cell(row, "parties") or "").split(";") if p.strip()]
    return Metadata(
        title=_cell(row, "title"),
        date=date,
        kind=_cell(row, "kind"),
        place=_cell(row, "place"),
        parties=parties,
        language=_cell(row, "language"),
        source=_cell(row, "source"),
    )


def _warn(warnings: list[str], message: str) -> None:
    log.warning("%s", message)
    warnings.append(message)


def save_catalog_row(documents_dir: Path, relpath: str, meta: Metadata) -> None:
    """Add or replace the row of `relpath` in metadata.csv, atomically.

    The new catalog is written to a temporary file in the same folder and moved over the old
    one, so a crash leaves either the old or the new catalog, never half of one. Columns other
    than the standard ones, and the other rows, are kept as they were.
    """
    documents_dir = Path(documents_dir)
    path = documents_dir / CATALOG_NAME
    relpath = relpath.replace("\\", "/")
    if meta.date:
        parse_catalog_date(meta.date)
    fields = list(CATALOG_FIELDS)
    rows: list[dict[str, str]] = []
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            fields += [f for f in reader.fieldnames or [] if f and f not in fields]
            rows = [{k: v or "" for k, v in row.items() if k} for row in reader]
    new_row = {
        "file": relpath,
        "title": meta.title or "",
        "date": meta.date or "",
        "kind": meta.kind or "",
        "place": meta.place or "",
        "parties": ";".join(meta.parties),
        "language": meta.language or "",
        "source": meta.source or "",
    }
    for row in rows:
        if (row.get("file") or "").strip().replace("\\", "/") == relpath:
            row.update(new_row)
            break
    else:
        rows.append(new_row)
    documents_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".metadata-", suffix=".csv.tmp", dir=documents_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
