"""Which words of a paragraph to mark, and which window of it to show.

Returns character spans into the paragraph's own text (the words as written, not stems);
turning spans into HTML is the presentation's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from searchapp.engine.analysis import STOP_WORDS, index_term, spelling_variants

WHOLE_UNDER = 420  # a paragraph shorter than this is shown whole
WINDOW = 300  # characters in one excerpt window
# Characters scanned for words to mark: an excerpt looks for its window in the first
# EXCERPT_SCAN, a whole paragraph shown on a page is marked in its first MARK_SCAN, so that the
# cost is bounded whatever a paragraph's length (a 30 MB one took minutes).
EXCERPT_SCAN = 20_000
MARK_SCAN = 200_000
_PUNCTUATION = re.compile(r"[^\w\s]")
_WORD = re.compile(r"\w+(?:\.\w+)*")


@dataclass(frozen=True)
class Excerpt:
    text: str
    marks: list[tuple[int, int]]  # spans into `text`
    cut_start: bool  # the window starts inside the paragraph
    cut_end: bool


def mark_spans(text: str, stems: frozenset[str], scan: int = MARK_SCAN) -> list[tuple[int, int]]:
    """Spans of the words whose stem is searched, in the first `scan` characters; neighbours
    joined only by spaces or stop words become one span, so a phrase ("Belt and Road") is
    marked as a phrase."""
    if not stems:
        return []
    spans = [
        (m.start(), m.end())
        for m in _candidates(stems).finditer(text, 0, scan)
        if index_term(m.group().lower()) in stems
    ]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _only_glue(text[merged[-1][1] : start]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def keep_phrases(
    text: str,
    spans: list[tuple[int, int]],
    phrases: frozenset[tuple[str, ...]],
    loose: frozenset[str],
) -> list[tuple[int, int]]:
    """The spans that match the query: those with a word searched on its own (`loose`), and
    those holding a whole phrase; a phrase's word found alone is no match ("treaty" alone for
    "security treaty"), so a phrase counts once, not once per word."""
    if not phrases:
        return spans
    kept = []
    for start, end in spans:
        terms = tuple(index_term(w.lower()) for w in _WORD.findall(text[start:end]))
        if any(t in loose for t in terms) or any(_contains(terms, p) for p in phrases):
            kept.append((start, end))
    return kept


def _contains(terms: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    words = [t for t in terms if t]  # stop words have no index term
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


@lru_cache(maxsize=4096)
def _candidates(stems: frozenset[str]) -> re.Pattern[str]:
    """Tokens that may stem to one of `stems`: those starting with a stem less its last two
    letters (stemming only rewrites word endings: "countries" -> "countri"), or with a
    British spelling of one. Only these are stemmed, not every word of the paragraph."""
    heads = {_head(s) for s in stems}
    heads |= {_head(v) for v, c in spelling_variants().items() if index_term(c) in stems}
    alternatives = "|".join(sorted(map(re.escape, heads), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?<!\w\.)(?:{alternatives})\w*(?:\.\w+)*", re.IGNORECASE)


def _head(word: str) -> str:
    return word[: max(2, len(word) - 2)]


def _only_glue(between: str) -> bool:
    """Whitespace and stop words only: no punctuation, which would end the phrase."""
    return (
        len(between) <= 12
        and not _PUNCTUATION.search(between)
        and all(w.lower() in STOP_WORDS for w in between.split())
    )


def excerpt(text: str, stems: frozenset[str]) -> Excerpt:
    spans = mark_spans(text, stems, EXCERPT_SCAN)
    if len(text) <= WHOLE_UNDER or not spans:
        if len(text) <= WHOLE_UNDER:
            return Excerpt(text, spans, False, False)
        cut = _word_end(text, WINDOW)
        return Excerpt(text[:cut], [], False, True)
    start, end = _best_window(text, spans)
    inside = [(a - start, b - start) for a, b in spans if a >= start and b <= end]
    return Excerpt(text[start:end], inside, start > 0, end < len(text))


def _best_window(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The window of about WINDOW characters holding the most distinct marked words."""
    best = (0, -1)
    for i, (a, _) in enumerate(spans):
        words = set()
        for s, e in spans[i:]:
            if e - a > WINDOW:
                break
            words.add(text[s:e].lower())
        if len(words) > best[1]:
            best = (a, len(words))
    first = best[0]
    # Start a little before the first mark, at a sentence or word boundary.
    start = max(0, first - 60)
    sentence = text.rfind(". ", start, first)
    start = sentence + 2 if sentence != -1 else _word_start(text, start)
    end = min(len(text), start + WINDOW + 60)
    return start, _word_end(text, end)


def _word_start(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    space = text.find(" ", pos)
    return space + 1 if space != -1 else pos


def _word_end(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", 0, pos)
    return space if space > 0 else pos
