"""Remove what is not the declaration, keep what is metadata.

Input is the text a reader produced; output is its lines without page furniture (running
headers and footers of PDF conversions, page numbers, form feeds), without web-page chrome
(comment forms, share and login widgets) and without the source line and the signature block,
which are handed back as metadata. Nothing here knows a particular corpus: headers are found
because they repeat, chrome because it looks like chrome everywhere on the web.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

# --- page furniture -------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:page\s+|p\.\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?(?:\s*[-–—])?\s*:?\s*$",
    re.I,
)
# A running header is short; a line longer than this is text even when it repeats.
_HEADER_MAX_LEN = 90
# Repeats closer than this many lines are a list or a refrain, not a page header.
_HEADER_MIN_SPREAD = 5
_HEADER_LETTERS = re.compile(r"[^\W\d_]{2}")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")

# --- web chrome ------------------------------------------------------------------------------

# From one of these lines on, the rest of the page is blog/CMS furniture (comment forms, share
# bars, related posts). Only whole lines count, so a sentence that mentions them is safe.
_CHROME_TAIL = re.compile(
    r"^(?:leave a (?:comment|reply)|(?:\d+|no) (?:comments?|responses?|replies)(?: yet)?\.?"
    r"|comments? rss\b.*|share this:?|like this:?|related(?: posts| articles)?:?"
    r"|post navigation|about these ads|you may also like:?|loading\.{0,3}"
    r"|(?:one|\d+) thoughts? on .*|rate this:?|sharing is caring:?)$",
    re.I,
)
# Lines of chrome wherever they stand (widgets before or inside the text).
_CHROME_LINE = re.compile(
    r"^(?:fill in your details below.*|you are commenting using your .*"
    r"|connecting to %s|notify me of (?:new|follow-up) .*|(?:name|email|website)\s*\(required\).*"
    r"|post (?:was not sent|comment)\b.*|cancel reply|log ?(?:in|out)\b.{0,40}"
    r"|(?:google\+?|twitter|facebook|wordpress(?:\.com)?|linkedin) (?:photo|picture|logo)"
    r"|(?:share|tweet|print|email|pin it|click to (?:share|print|email)\b.*)"
    r"|(?:share|follow us) on (?:facebook|twitter|linkedin|whatsapp|telegram).*"
    r"|skip to (?:main )?content|(?:main )?menu|search for:|advertisements?|report this ad"
    r"|share this:?|like this:?|trackback identifier uri|\(?opens in new window\)?|print this page"
    r"|(?:posted|filed) (?:in|under|on|by)\b.{0,80}|tags?:.{0,120}|categories:.{0,120}"
    r"|permalink|reblog|subscribe|back to top|read more\.{0,3}|©.{0,100}|copyright ©?.{0,100})$",
    re.I,
)

# --- source lines and signature blocks -------------------------------------------------------

_SOURCE = re.compile(
    r"^(?:source|sources|from|via|originally published (?:in|by|at)|published (?:in|by))\s*:\s*\S"
    r"|^text of (?:the |a )?(?:report|statement|article|speech|address|broadcast|document"
    r"|communiqu[eé]|declaration|letter|interview)\b.{0,200}\bby\b"
    r"|^\((?:source|text)\s*:[^)]*\)$",
    re.I,
)
_SOURCE_MAX_LEN = 300

_ROLE = re.compile(
    r"^(?:for (?:the )?|on behalf of (?:the )?)?(?:(?:acting|deputy|vice|first|general|chief"
    r"|permanent|special|assistant|state|prime|executive|foreign|federal|high|under)[ -])*"
    r"(?:president|chairman|chairwoman|chair|premier|minister|secretary|ambassador|king|queen"
    r"|emperor|sultan|emir|prince|chancellor|governor|head|representative|commissioner"
    r"|director|envoy|counsellor|counselor|consul|plenipotentiary|government|republic"
    r"|kingdom|state|people|federation)\b.{0,100}$",
    re.I,
)
# "Beijing, December 2, 2002", "Done at Moscow, 16 July 2001", "Beijing, 6 June".
_PLACE_DATE = re.compile(
    r"^(?:(?i:done|signed|issued|adopted) (?:at|in) )?[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3},"
    r"(?: [A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,2},)?"
    r" (?:\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]+\.?|[A-Z][a-z]+\.? \d{1,2}(?:st|nd|rd|th)?)"
    r"(?:,? \d{4})?\.?$"
)
# A name in a signature: "Vladimir Putin", "H.D. Anderson", "Renouf", "JIANG ZEMIN".
_NAME = re.compile(
    r"^(?:[A-Z][\w'’-]*\.?|[A-Z]\.(?:[A-Z]\.)*)(?: (?:[A-Z][\w'’-]*\.?|[A-Z]\.)){0,4}$"
)
_SIGNATURE_MAX_LINES = 12
_SIGNATURE_MAX_LEN = 90

# Security classification markings of cables and memoranda ("Secret Immediate").
_CLASSIFICATION = re.compile(
    r"^(?:\d+\.?\s+)?(?:top secret|secret|confidential|restricted|unclassified|for official use"
    r" only|cabinet-in-confidence)(?:\s+(?:and\s+)?(?:personal|immediate|priority|important"
    r"|routine|urgent|austeo|guard|cypher|o\.?\s?tel|most immediate|flash))*\.?$",
    re.I,
)
_CLASSIFICATION_HEAD_LINES = 6
_ON_BEHALF = re.compile(r"^(?:For|On behalf of) (?:the )?[A-Z][\w'’-]+(?: [\w'’-]+){0,10}$")
_MARKUP_DEBRIS = re.compile(r"^[\s*_#=~|<>\[\](){}`^-]*$")


@dataclass
class Cleaned:
    lines: list[str]  # the text's lines, blank lines kept (they separate paragraphs)
    source: str | None = None
    signatories: list[str] = field(default_factory=list)
    place_date: list[str] = field(default_factory=list)  # "Beijing, December 2, 2002"
    removed_headers: list[str] = field(default_factory=list)


def clean(text: str) -> Cleaned:
    """The lines of `text` that belong to the declaration, and the metadata found on the way."""
    lines = [line.rstrip() for line in text.replace("\f", "\n").split("\n")]
    lines = _cut_chrome_tail(lines)
    lines = [line for line in lines if not _is_chrome_or_debris(line)]
    lines, headers = _drop_running_headers(lines)
    lines = [line for line in lines if not _PAGE_NUMBER.match(line)]
    lines, sources = _take_source_lines(lines)
    lines = _drop_classification_head(lines)
    lines, signatories, place_date = _take_signature_block(lines)
    return Cleaned(
        lines=lines,
        source="; ".join(sources) or None,
        signatories=signatories,
        place_date=place_date,
        removed_headers=headers,
    )


def _normal(line: str) -> str:
    line = line.strip()
    # The regex only where needed: most lines have no runs of spaces, tabs or odd spaces.
    if "  " in line or "\t" in line or "\xa0" in line:
        return _SPACES.sub(" ", line)
    return line


def _cut_chrome_tail(lines: list[str]) -> list[str]:
    # Only in the second half: a page that *starts* with "Leave a comment" keeps its text.
    start = len(lines) // 2
    for i in range(start, len(lines)):
        if _CHROME_TAIL.match(_normal(lines[i])):
            return lines[:i]
    return lines


def _is_chrome_or_debris(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    if _MARKUP_DEBRIS.match(stripped):
        return True
    return len(stripped) <= 200 and bool(_CHROME_LINE.match(_normal(stripped)))


def _header_key(line: str) -> str:
    # Page numbers inside running headers change from page to page ("Page 3 of 10").
    return _DIGITS.sub("#", _normal(line).lower())


def _header_candidate(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > _HEADER_MAX_LEN:
        return False
    if stripped.startswith("# "):
        # A heading a structured reader wrote (Markdown, treaty XML articles): never furniture,
        # however alike ("# Article 1", "# Article 2").
        return False
    if not _HEADER_LETTERS.search(stripped):
        return False
    # Sentences, list items and salutations end with punctuation; running heads do not.
    return stripped[-1] not in ".,;:!?…"


def _drop_running_headers(lines: list[str]) -> tuple[list[str], list[str]]:
    """Short lines that recur far apart in the text are page headers or footers."""
    where: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        if _header_candidate(line):
            where[_header_key(line)].append(i)
    headers = {
        key
        for key, positions in where.items()
        if len(positions) >= 2 and min(b - a for a, b in pairwise(positions)) >= _HEADER_MIN_SPREAD
    }
    if not headers:
        return lines, []
    kept = [line for line in lines if not (line.strip() and _header_key(line) in headers)]
    found = sorted({_normal(lines[i]) for key in headers for i in where[key][:1]})
    return kept, found


def _take_source_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    kept: list[str] = []
    sources: list[str] = []
    for line in lines:
        stripped = _normal(line)
        if stripped and len(stripped) <= _SOURCE_MAX_LEN and _SOURCE.match(stripped):
            sources.append(stripped)
        else:
            kept.append(line)
    return kept, sources


def _drop_classification_head(lines: list[str]) -> list[str]:
    # Markings like "Secret Immediate" head cables and memoranda; they classify the paper, they
    # are not its text. Only the head of the document is searched, where they stand.
    out = list(lines)
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > _CLASSIFICATION_HEAD_LINES:
            break
        if _CLASSIFICATION.match(_normal(line)):
            out[i] = ""
    return out


def _signature_line(line: str) -> str | None:
    """ "role", "name" or "place_date" for a line that belongs in a signature block."""
    if len(line) > _SIGNATURE_MAX_LEN:
        return None
    if _PLACE_DATE.match(line):
        return "place_date"
    # A sentence, not a signature ("Thank you." ends speeches; initials like "H.D." are ok).
    if line[-1] in '.;:!?,"”’' and not _NAME.match(line):
        return None
    if _ROLE.match(line) or _ON_BEHALF.match(line):
        return "role"
    if _NAME.match(line):
        return "name"
    return None


def _take_signature_block(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The trailing lines that sign and date the text; they are metadata, not paragraphs."""
    end = len(lines)
    signatories: list[str] = []
    place_date: list[str] = []
    seen = 0
    i = end - 1
    cut = end
    while i >= 0 and seen < _SIGNATURE_MAX_LINES:
        stripped = _normal(lines[i])
        i -= 1
        if not stripped:
            continue
        kind = _signature_line(stripped)
        if kind is None:
            break
        seen += 1
        cut = i + 1
        if kind == "place_date":
            place_date.insert(0, stripped)
        else:
            signatories.insert(0, stripped)
    if cut == end:
        return lines, [], []
    # A block of names alone is not enough evidence (a text can end with a short title-like
    # line); a role ("President of ...") or a place and date makes it a signature block.
    has_role = any(_ROLE.match(s) or _ON_BEHALF.match(s) for s in signatories)
    if not (place_date or has_role):
        return lines, [], []
    return lines[:cut], signatories, place_date
