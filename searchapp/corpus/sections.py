"""Thematic sections: every paragraph gets a theme name from the editable taxonomy.

The taxonomy (`searchapp/data/sections.yaml`) gives each theme weighted keywords. A paragraph's
score for a theme is the sum of the weights of the keywords it contains; a negative weight
rules out a sense of a word ("political climate"). A printed part ("III", "Article 7 · Rules
of Origin") is classified as a whole, its heading counting too and, for an article, its
chapter, so a paragraph that is only loosely worded still lands with its part; a paragraph
strongly about another theme gets its own. Documents without printed parts are classified
paragraph by paragraph, weak paragraphs leaning on their neighbours. A paragraph that names no
theme at all takes the document's, when one theme dominates the document; else it is in the
fallback ("General").

Matching works on word tokens (one dictionary look-up per word, memoised per distinct word),
so a corpus of millions of words is classified in about a second.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from searchapp.data import load_yaml

_TOKEN = re.compile(r"[a-z0-9]+")
_TAXONOMY_FILE = "sections.yaml"

# A theme needs at least this score to claim a paragraph or a printed part.
MIN_SCORE = 1.5
# A paragraph leaves its printed part's theme only when it is this sure of its own…
STRONG_SCORE = 3.0
# …and its own theme scores this many times more than the part's theme in it.
STRONG_RATIO = 2.0
# How much neighbours count for a paragraph (without printed parts) that is weak on its own.
NEIGHBOUR_WEIGHT = 0.35
# A printed heading ("Article 7 · Rules of Origin") counts like this many paragraphs of its part.
HEADING_WEIGHT = 2.0
# How much the enclosing chapter counts for an article that says little on its own.
CHAPTER_WEIGHT = 0.5
# A document is about one theme when that theme holds this share of all its keyword weight
# (and at least DOCUMENT_SCORE of it): its paragraphs that name no theme of their own are in
# it (a cable on the Pacific pact whose paragraph says "no final decision has been reached").
DOCUMENT_SHARE = 0.4
DOCUMENT_SCORE = 6.0


@dataclass
class _Phrase:
    needle: str  # " north korea" (a prefix: no space after) or " korean peninsula "
    theme: int
    weight: float


@dataclass
class _TokenInfo:
    hits: list[tuple[int, float]]
    phrases: list[_Phrase]


@dataclass
class Taxonomy:
    names: list[str]
    fallback: str
    _words: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    _prefixes: dict[str, list[tuple[str, int, float]]] = field(default_factory=dict)
    _phrases: dict[str, list[_Phrase]] = field(default_factory=dict)
    _cache: dict[str, _TokenInfo | None] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: object) -> Taxonomy:
        """Build from the parsed YAML; ValueError names what is wrong in the file."""
        if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
            raise ValueError("sections.yaml: expected a mapping with a 'sections' list")
        taxonomy = cls(names=[], fallback=str(data.get("fallback") or "General"))
        for n, entry in enumerate(data["sections"], start=1):
            if not isinstance(entry, dict) or not entry.get("name"):
                raise ValueError(f"sections.yaml: entry {n} has no name")
            keywords = entry.get("keywords") or {}
            if not isinstance(keywords, dict):
                raise ValueError(f"sections.yaml: keywords of {entry['name']!r} must be a mapping")
            theme = len(taxonomy.names)
            taxonomy.names.append(str(entry["name"]))
            for keyword, weight in keywords.items():
                taxonomy._add(str(keyword), theme, float(weight))
        return taxonomy

    def _add(self, keyword: str, theme: int, weight: float) -> None:
        prefix = keyword.strip().endswith("*")
        words = _TOKEN.findall(keyword.lower())
        if not words:
            return
        if len(words) == 1 and not prefix:
            self._words.setdefault(words[0], []).append((theme, weight))
        elif len(words) == 1:
            self._prefixes.setdefault(words[0][:3], []).append((words[0], theme, weight))
        else:
            needle = " " + " ".join(words) + ("" if prefix else " ")
            phrase = _Phrase(needle, theme, weight)
            self._phrases.setdefault(words[0], []).append(phrase)

    def _info(self, token: str) -> _TokenInfo | None:
        """What `token` contributes (None: nothing), computed once per distinct word."""
        hits = list(self._words.get(token, ()))
        hits += [(t, w) for p, t, w in self._prefixes.get(token[:3], ()) if token.startswith(p)]
        phrases = self._phrases.get(token, [])
        info = _TokenInfo(hits, phrases) if hits or phrases else None
        self._cache[token] = info
        return info

    def score(self, text: str) -> list[float]:
        """The score of `text` for each theme, in taxonomy order."""
        scores = [0.0] * len(self.names)
        tokens = _TOKEN.findall(text.lower())
        cache = self._cache
        joined: str | None = None
        # Each distinct word once (Counter counts in C); phrases are then counted with
        # str.count on the space-joined words, only for words that start some phrase.
        for token, count in Counter(tokens).items():
            info = cache[token] if token in cache else self._info(token)
            if info is None:
                continue
            for theme, weight in info.hits:
                scores[theme] += weight * count
            if info.phrases:
                if joined is None:
                    joined = " " + " ".join(tokens) + " "
                for phrase in info.phrases:
                    found = joined.count(phrase.needle)
                    if found:
                        scores[phrase.theme] += phrase.weight * found
        return scores


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    """The taxonomy shipped with the package (read once; works from an installed wheel)."""
    return Taxonomy.from_mapping(load_yaml(_TAXONOMY_FILE))


def section_names() -> list[str]:
    """Every thematic section name, the fallback last."""
    tax = taxonomy()
    return [*tax.names, tax.fallback]


def _best(scores: Sequence[float]) -> tuple[int, float]:
    best = max(range(len(scores)), key=scores.__getitem__)
    return best, scores[best]


def classify(texts: Sequence[str], labels: Sequence[str], tax: Taxonomy | None = None) -> list[str]:
    """The thematic section of each paragraph, given its text and its printed part label."""
    tax = tax or taxonomy()
    if not texts:
        return []
    scores = [tax.score(text) for text in texts]
    by_part = any(labels)
    themes = _classify_by_part(scores, labels, tax) if by_part else _classify_alone(scores)
    document = _document_theme(scores)
    return [tax.names[t] if t is not None else _name(tax, document) for t in themes]


def _name(tax: Taxonomy, theme: int | None) -> str:
    return tax.names[theme] if theme is not None else tax.fallback


def _document_theme(scores: list[list[float]]) -> int | None:
    """The theme the whole document is about, if one dominates (see DOCUMENT_SHARE)."""
    total = [sum(col) for col in zip(*scores, strict=True)]
    theme, value = _best(total)
    mass = sum(v for v in total if v > 0)
    if value >= DOCUMENT_SCORE and value >= DOCUMENT_SHARE * mass:
        return theme
    return None


def _classify_by_part(
    scores: list[list[float]], labels: Sequence[str], tax: Taxonomy
) -> list[int | None]:
    part_theme: dict[int, int | None] = {}
    runs = _runs(labels)
    totals = {}
    headings = {start: tax.score(labels[start]) for start, _ in runs}
    for start, end in runs:
        total = [sum(col) for col in zip(*scores[start:end], strict=True)]
        heading = headings[start]
        totals[start] = [t + HEADING_WEIGHT * h for t, h in zip(total, heading, strict=True)]
    chapters: dict[str, list[float]] = {}
    for start, _ in runs:
        chapter = _chapter(labels[start])
        if chapter:
            old = chapters.get(chapter, [0.0] * len(totals[start]))
            chapters[chapter] = [a + b for a, b in zip(old, totals[start], strict=True)]
    for start, _ in runs:
        total = totals[start]
        chapter = chapters.get(_chapter(labels[start]))
        if chapter is not None:
            total = [t + CHAPTER_WEIGHT * c for t, c in zip(total, chapter, strict=True)]
        theme, value = _best(total)
        part_theme[start] = theme if value >= MIN_SCORE else None
    themes: list[int | None] = []
    for start, end in runs:
        part = part_theme[start]
        for i in range(start, end):
            own, own_score = _best(scores[i])
            if part is None:
                themes.append(own if own_score >= MIN_SCORE else None)
                continue
            # What speaks of the part's theme in the paragraph: its words, and its heading.
            in_part = scores[i][part] + headings[start][part]
            if own_score >= STRONG_SCORE and own_score >= STRONG_RATIO * in_part:
                themes.append(own)
            elif own_score >= MIN_SCORE and in_part == 0:
                # Nothing in it speaks of its part's theme, and it clearly speaks of another.
                themes.append(own)
            else:
                themes.append(part)
    return themes


def _chapter(label: str) -> str:
    """The chapter a part belongs to: "Chapter 3" of "Chapter 3 · Article 3.4 · Scope"."""
    first, sep, _ = label.partition(" · ")
    return first if sep else ""


def _runs(labels: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of consecutive paragraphs with the same printed label."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            runs.append((start, i))
            start = i
    return runs


def _classify_alone(scores: list[list[float]]) -> list[int | None]:
    themes: list[int | None] = []
    zero = [0.0] * len(scores[0])
    for i, own in enumerate(scores):
        theme, value = _best(own)
        if value >= MIN_SCORE:
            themes.append(theme)
            continue
        before = scores[i - 1] if i > 0 else zero
        after = scores[i + 1] if i + 1 < len(scores) else zero
        mixed = [o + NEIGHBOUR_WEIGHT * (b + a) for o, b, a in zip(own, before, after, strict=True)]
        theme, value = _best(mixed)
        themes.append(theme if value >= MIN_SCORE else None)
    return themes
