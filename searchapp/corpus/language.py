"""The language of a text, by its function words or its script."""

from __future__ import annotations

import re

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
