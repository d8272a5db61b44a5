"""Page furniture: what a printed page carries besides the text, found by shape and repetition.

Three shapes occur in conversions of printed documents:

- lines made only of codes: page numbers ("17", "Page 3 of 10"), page counters ("13/28"),
  job numbers ("15-29701"), document symbols ("A/70/PV.21", "A/75/592/Add.8") and the dates
  printed beside them ("30/09/2015"), alone or together ("20/23 15-29595");
- the same codes glued to the first line of the next page ("12/28 15-29701 been made but…");
- running headers and footers: a short line of words repeated next to page breaks.

Each removed line leaves a page-break marker (`PAGE_BREAK`) so that the parser can join the
paragraph the break cut. Nothing here is a list of strings of a particular collection: codes
are recognised by their shape, headers by where and how often they recur.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

# A line of its own that stands where a page ended: blank for every later step.
PAGE_BREAK = "\f"

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:page\s+|p\.\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?(?:\s*[-–—])?\s*:?\s*$",
    re.I,
)
# One code of a page's margin: a counter or date ("13/28", "30/09/2015"), a job number
# with its language and bar code ("15-29701 (E) *1529701*"), a document symbol ("A/70/PV.21",
# "S/2015/1", "A/75/592/Add.8"), a number.
_CODE = (
    r"(?:\d{1,4}(?:/\d{1,5}){1,2}|\d{2}-\d{5}|\([A-Z]\)|\*\d{5,9}\*"
    r"|[A-Z]{1,6}(?:/(?:[A-Z]{1,6}\.?)?\d{1,5}(?:\.\d{1,4})?|/[A-Z][a-z]{1,4}\.\d{1,3}){1,5}"
    r"|\d{1,4})"
)
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
_CODE_LINE = re.compile(rf"^{_CODE}(?:\s+{_CODE}){{0,3}}$")
# Codes at the start of a line that goes on with text ("12/28 15-29701 been made but…").
_CODE_PREFIX = re.compile(rf"^((?:{_CODE}\s+){{1,4}})(?=\S)")
_CODE_TOKEN = re.compile(_CODE)

# A running header is short; a line longer than this is text even when it repeats.
_HEADER_MAX_LEN = 90
# Repeats closer than this many lines are a list or a refrain, not a page header.
_HEADER_MIN_SPREAD = 5
# A header stands this close (in non-blank lines) to the page break it heads or foots.
_HEADER_REACH = 2
# Blank lines in a row that mark a page break in a PDF-to-text conversion.
_BLANK_RUN = 3
_MARKED, _BLANKS = 2, 1
_HEADER_LETTERS = re.compile(r"[^\W\d_]{2}")
# A header is a name or a title: it starts with a capital or a number, never with a list
# marker, a bracket, a heading mark or a lower-case word.
_HEADER_START = re.compile(r"^[^\W_a-z]", re.U)
_WRAPPED_END = re.compile(
    r"\b(?:a|an|and|as|at|by|for|from|in|into|of|on|or|that|the|to|with|which)$", re.I
)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


@dataclass
class Furniture:
    lines: list[str]  # the text's lines, each removed line replaced by PAGE_BREAK
    removed: list[str] = field(default_factory=list)  # the removed lines and codes
    headers: list[str] = field(default_factory=list)  # the running headers found, once each


def drop_page_furniture(lines: list[str]) -> Furniture:
    """`lines` without page numbers, margin codes and running headers (see the module doc)."""
    out = Furniture(lines=list(lines))
    _drop_codes(out)
    _drop_running_headers(out)
    return out


def _normal(line: str) -> str:
    line = line.strip()
    if "  " in line or "\t" in line or "\xa0" in line:
        return _SPACES.sub(" ", line)
    return line


def is_code_line(line: str) -> bool:
    """A line of page-margin codes only: "17", "Page 3 of 10", "20/23 15-29595"."""
    stripped = _normal(line)
    if not stripped:
        return False
    return bool(_PAGE_NUMBER.match(stripped) or _CODE_LINE.match(stripped))


def _drop_codes(out: Furniture) -> None:
    # A single code glued to text counts only when the document repeats it elsewhere in its
    # margins (the job number of every page); two or more codes together are a margin anyway.
    margin_codes = {
        token
        for line in out.lines
        if _CODE_LINE.match(_normal(line))
        for token in _CODE_TOKEN.findall(line)
        if not _BARE_NUMBER.match(token)
    }
    lines: list[str] = []
    for line in out.lines:
        if line != PAGE_BREAK and is_code_line(line):
            out.removed.append(_normal(line))
            lines.append(PAGE_BREAK)
            continue
        prefix = _glued_codes(_normal(line), margin_codes) if line != PAGE_BREAK else None
        if prefix:
            out.removed.append(prefix.strip())
            # The text after the codes opens the new page: a break marker stands before it.
            lines += [PAGE_BREAK, _normal(line)[len(prefix) :]]
            continue
        lines.append(line)
    out.lines = lines


def _glued_codes(line: str, margin_codes: set[str]) -> str | None:
    """The margin codes glued to the start of `line`, or None when it starts with text."""
    match = _CODE_PREFIX.match(line)
    if not match:
        return None
    tokens = match.group(1).split()
    # A number after the codes opens the text ("16-29823 39/53 1978 — for almost four
    # decades"), as it does with no codes before it ("2030 Agenda", "17 September").
    while tokens and _BARE_NUMBER.match(tokens[-1]):
        tokens.pop()
    if not tokens or not (len(tokens) >= 2 or tokens[0] in margin_codes):
        return None
    end = 0
    for token in tokens:
        end = line.index(token, end) + len(token)
    return line[:end] + " "


def _header_key(line: str) -> str:
    # Page numbers inside running headers change from page to page ("Page 3 of 10").
    return _DIGITS.sub("#", _normal(line).lower())


def _header_candidate(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > _HEADER_MAX_LEN:
        return False
    if not _HEADER_LETTERS.search(stripped) or not _HEADER_START.match(stripped):
        return False
    # Sentences, list items and salutations end with punctuation; running heads do not, and
    # they do not stop on "and" or "the" as a line of a wrapped sentence does.
    if stripped[-1] in ".,;:!?…—–-*":
        return False
    return not _WRAPPED_END.search(stripped)


def _page_breaks(lines: list[str]) -> list[int]:
    """Where pages end: _MARKED at a PAGE_BREAK marker, _BLANKS where a run of blank lines (as
    PDF-to-text leaves between pages) ends, 0 elsewhere."""
    breaks = [_MARKED if line == PAGE_BREAK else 0 for line in lines]
    run = 0
    for i, line in enumerate(lines):
        run = run + 1 if not line.strip() and line != PAGE_BREAK else 0
        if run >= _BLANK_RUN:
            breaks[i] = _BLANKS
    return breaks


def _near_break(lines: list[str], breaks: list[int], i: int) -> bool:
    """Is line `i` within reach of a page break?

    A run of blank lines is weaker evidence than a marker: there the header must also stand
    alone between blank lines, as a line of a wrapped paragraph never does.
    """
    alone = all(not lines[j].strip() for j in (i - 1, i + 1) if 0 <= j < len(lines))
    for step in (-1, 1):
        seen = 0
        j = i + step
        while 0 <= j < len(lines):
            if breaks[j] == _MARKED or (breaks[j] == _BLANKS and alone):
                return True
            if lines[j].strip():
                seen += 1
                if seen > _HEADER_REACH:
                    break
            j += step
    return False


def _drop_running_headers(out: Furniture) -> None:
    """Short lines that recur far apart, each next to a page break, are headers or footers.

    Without page breaks (no form feed, page number, margin code or run of blank lines) nothing
    is a header: a repeated line of a plain text ("(a) for China, the Ministry of Finance;
    and", "Article 5") is its text.
    """
    lines = out.lines
    breaks = _page_breaks(lines)
    if not any(breaks):
        return
    where: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        if line != PAGE_BREAK and _header_candidate(line):
            where[_header_key(line)].append(i)
    headers = [
        positions
        for positions in where.values()
        if len(positions) >= 2
        and min(b - a for a, b in pairwise(positions)) >= _HEADER_MIN_SPREAD
        and all(_near_break(lines, breaks, i) for i in positions)
    ]
    for positions in headers:
        out.headers.append(_normal(lines[positions[0]]))
    for i in sorted(i for positions in headers for i in positions):
        out.removed.append(_normal(lines[i]))
        lines[i] = PAGE_BREAK
    out.headers.sort()
