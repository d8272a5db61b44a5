"""Comparing the wording of two paragraphs: their words, how similar they are, and a
word-level comparison as sanitized HTML (<ins> and <del> only).

difflib (the standard library's sequence matcher) on words: a paragraph has a few hundred
words at most, and its matching blocks are exactly what a reader wants marked.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from html import escape

import nh3

WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The paragraph's words, lower-cased, without punctuation: what similarity compares."""
    return WORD.findall(text.lower())


def similarity(a: list[str], b: list[str]) -> float:
    """How much of the wording two paragraphs share, 0–1 (1: the same words in the same
    order), from their `words`."""
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _tokens(text: str) -> tuple[list[str], list[str]]:
    """The text's whitespace-separated tokens as written, and the key each is compared by
    (lower-cased, punctuation dropped), so that "peace," and "Peace" are the same word."""
    shown = text.split()
    return shown, [_key(t) for t in shown]


def _key(token: str) -> str:
    lowered = token.lower()
    # Most tokens are one plain word: themselves lower-cased, without the regex (a compare
    # of two long documents splits tens of thousands of tokens).
    return lowered if lowered.isalnum() else " ".join(WORD.findall(lowered)) or token


def diff_html(old: str, new: str) -> str:
    """`new` as escaped text, with the words `old` lacks in <ins> and the words of `old`
    that `new` lacks, where they stood, in <del>; sanitized."""
    old_shown, old_keys = _tokens(old)
    new_shown, new_keys = _tokens(new)
    out: list[str] = []
    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(new_shown[j1:j2]), quote=False))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(old_shown[i1:i2]), quote=False)}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(new_shown[j1:j2]), quote=False)}</ins>")
    return nh3.clean(" ".join(out), tags={"ins", "del"}, attributes={}, strip_comments=True)
