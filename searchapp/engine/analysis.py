"""How text becomes index terms: tokenize, lowercase, fold spelling variants, stem.

The analyzer is pickled into the Whoosh schema, so the classes here must stay importable
under these names.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from importlib import resources

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stemmer_for_language

# Words joined by hyphens or apostrophes are split ("state-to-state" -> state, to, state) so
# that a search for either part finds them; digits stay whole so years are exact terms. The
# prefix "co-" stays on its word ("co-operation"), which VariantFilter then writes as one.
TOKEN_PATTERN = r"(?<!\w)[Cc][Oo]-(?=[^\W\d_])\w+|\w+(?:\.\w+)*"

# Whoosh's default list drops "us" (the United States), "may" (the month) and "will"; this one
# keeps every word that can carry meaning in a diplomatic text.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "if",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "with",
    ]
)


@cache
def spelling_variants() -> dict[str, str]:
    text = resources.files("searchapp.data").joinpath("spelling_variants.txt").read_text("utf-8")
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            variant, canonical = line.split()
            pairs[variant] = canonical
    return pairs


def fold_word(word: str) -> str:
    """One lowercase token as the index writes it: accents off ("communiqué" ->
    "communique"), "co-operation" as "cooperation", British spellings as American."""
    if not word.isascii():
        word = "".join(
            c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)
        )
    if "-" in word:
        word = word.replace("-", "")
    return spelling_variants().get(word, word)


class VariantFilter(Filter):
    """Folds accents, "co-" prefixes and British spellings before stemming ("défence" ->
    "defense")."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VariantFilter)

    def __hash__(self) -> int:
        return hash(VariantFilter)

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        variants = spelling_variants()
        for t in tokens:
            text = t.text
            # Most tokens are plain ASCII words: only a dictionary lookup (this runs for every
            # token of the corpus).
            t.text = (
                variants.get(text, text) if text.isascii() and "-" not in text else fold_word(text)
            )
            yield t


def text_analyzer():  # type: ignore[no-untyped-def]
    """The analyzer for paragraph text, titles and section names (English, Porter2 stemming)."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | VariantFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(lang="en", cachesize=50000)
    )


_STEM = stemmer_for_language("en")


@lru_cache(maxsize=100_000)
def index_term(word: str) -> str | None:
    """The term `text_analyzer` makes of one lowercase word (None for a stop word), without
    the per-token cost of its filter chain: used to mark words in text that is shown."""
    if word in STOP_WORDS:
        return None
    return _STEM(fold_word(word))


def plain_words(text: str) -> list[str]:
    """Lowercased words of `text` as the tokenizer sees them, unstemmed (for suggestions)."""
    return [t.text for t in (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter())(text)]
