"""Dates written in declarations: "December 2, 2002", "2 December 2002", "5 to 6 June 2012",
"2002-12-02", and the "06 Jun 12" of news-agency source lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+" + _YEAR + r"\b", re.I)
ANY_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
FILENAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})-([01]\d)-([0-3]\d)(?!\d)")


@dataclass(frozen=True)
class Date:
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


def valid_date(year: int | None, month: int, day: int | None) -> bool:
    if not 1 <= month <= 12:
        return False
    return day is None or 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def find_dates(text: str) -> list[Date]:
    """Full dates in `text`, in order; a range gives its last day (the day the text was issued)."""
    found: list[tuple[int, Date]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            month_text = m.group("month").lower()
            month = int(month_text) if month_text.isdigit() else _MONTHS[month_text]
            year, day = _full_year(m.group("year")), int(m.group("day"))
            if valid_date(year, month, day):
                found.append((m.start(), Date(year, month, day)))
                taken.append((m.start(), m.end()))
    return [d for _, d in sorted(found, key=lambda x: x[0])]


def find_date(text: str) -> str | None:
    """The first full ISO date written in `text` ("December 2, 2002" → "2002-12-02")."""
    dates = find_dates(text)
    return dates[0].iso() if dates else None


def day_month(text: str) -> Date | None:
    for pattern in _DAY_MONTH:
        m = pattern.search(text)
        if m:
            month, day = _MONTHS[m.group("month").lower()], int(m.group("day"))
            if valid_date(None, month, day):
                return Date(None, month, day)
    return None
