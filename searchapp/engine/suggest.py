"""Did you mean: corrections from the index vocabulary for words the index does not know."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from weakref import WeakKeyDictionary

from whoosh.reading import IndexReader

from searchapp.engine.analysis import text_analyzer
from searchapp.engine.vocabulary import Vocabulary, edit_distance

if TYPE_CHECKING:  # query.py corrects typos with this module
    from searchapp.engine.query import ParsedQuery

_ANALYZER = text_analyzer()
T = TypeVar("T")


def has_unknown_word(frequency: Callable[[str], int], parsed: ParsedQuery) -> bool:
    """Whether a word of the query (of four letters or more) has no paragraph at all;
    `frequency` gives the number of paragraphs of an index term."""
    return any(
        frequency(t.text) == 0
        for w in parsed.words
        if len(w) >= 4 and not w.isdigit()
        for t in _ANALYZER(w)
    )


def suggest(reader: IndexReader, vocabulary: Vocabulary, parsed: ParsedQuery) -> str | None:
    """A "did you mean" from the index vocabulary: each unknown or rare word that has a
    much commoner neighbour is replaced by it (`correction`). No suggestion when an unknown
    word has no such neighbour: the user typed something the corpus does not know, not a
    typo."""
    text = parsed.text
    changed = False
    for word in dict.fromkeys(parsed.words):
        stems = [t.text for t in _ANALYZER(word)]
        if not stems or len(word) < 4 or word.isdigit():
            continue
        freq = reader.doc_frequency("text", stems[0])
        if freq >= 3:
            continue
        replacement = correction(reader, vocabulary, word, freq)
        if replacement is not None:
            text = _replace_word(text, word, replacement)
            changed = True
        elif freq == 0:
            return None
    return text if changed else None


# Per index generation (its vocabulary): corrections found, as walking the vocabulary for
# near words costs milliseconds and a query is corrected every time it is searched.
_CORRECTIONS: WeakKeyDictionary[Vocabulary, dict[tuple[str, str], object]] = WeakKeyDictionary()
_CORRECTIONS_MAX = 10_000


# A word the index knows but in at most RARE_DF paragraphs, one slip of the keys (`_slip`)
# from a spelling written in RARE_RATIO times as many, is probably a typo that the corpus
# makes too (the UN speeches write "framwork" once, "framework" in 1,729 paragraphs): both
# are searched. Only words of RARE_MIN_LENGTH letters or more: a short rare word next to a
# common one is mostly a word of its own ("jabs" and "jobs", "Franco" and "France").
RARE_DF = 3
RARE_RATIO = 50
RARE_MIN_LENGTH = 7


def unknown_word_correction(reader: IndexReader, vocabulary: Vocabulary, word: str) -> str | None:
    """The word to search instead of `word` when the index has no paragraph with it and a
    common word is one or two edits away ("Venezuala" -> "venezuela"), else None."""
    return _remembered(vocabulary, ("unknown", word), lambda: _unknown(reader, vocabulary, word))


def rare_word_correction(reader: IndexReader, vocabulary: Vocabulary, word: str) -> str | None:
    """The word to search as well as `word` when the index has it in at most RARE_DF
    paragraphs and a word one edit away is in RARE_RATIO times as many, else None."""
    return _remembered(vocabulary, ("rare", word), lambda: _rare(reader, vocabulary, word))


def _remembered(vocabulary: Vocabulary, key: tuple[str, str], compute: Callable[[], T]) -> T:
    known = _CORRECTIONS.setdefault(vocabulary, {})
    if key in known:
        return known[key]  # type: ignore[return-value]
    found = compute()
    if len(known) > _CORRECTIONS_MAX:
        known.clear()
    known[key] = found
    return found


def _correctable(word: str) -> str | None:
    """The index term of a word that may be a typo (four letters or more, not a number)."""
    stems = [t.text for t in _ANALYZER(word)]
    return stems[0] if stems and len(word) >= 4 and not word.isdigit() else None


def _unknown(reader: IndexReader, vocabulary: Vocabulary, word: str) -> str | None:
    stem = _correctable(word)
    if stem is None or reader.doc_frequency("text", stem):
        return None
    return correction(reader, vocabulary, word, 0)


def _rare(reader: IndexReader, vocabulary: Vocabulary, word: str) -> str | None:
    stem = _correctable(word) if len(word) >= RARE_MIN_LENGTH else None
    freq = reader.doc_frequency("text", stem) if stem is not None else 0
    if not 0 < freq <= RARE_DF:
        return None
    # Spellings compared as written: by stems "capitalise" would be rare next to "capitalism".
    floor = RARE_RATIO * max(vocabulary.frequency(word), 1)
    options = [
        (-vocabulary.frequency(candidate), candidate)
        for candidate in vocabulary.near(word, 1)
        if _slip(word, candidate)
        and vocabulary.frequency(candidate) >= floor
        and next((t.text for t in _ANALYZER(candidate)), stem) != stem
    ]
    return min(options)[1] if options else None


def _slip(typed: str, known: str) -> bool:
    """Whether `typed` is `known` (one edit away) with a letter left out, doubled or added
    inside the word, two neighbouring letters swapped, or a British "s" for a "z". Not
    another last letter ("persona", "reforma") nor another letter inside: among the
    corpus's rare words those are mostly words of their own ("propound", "shoving")."""
    if len(typed) != len(known):
        longer, shorter = sorted((typed, known), key=len, reverse=True)
        return longer[:-1] != shorter
    diff = [i for i, (a, b) in enumerate(zip(typed, known, strict=True)) if a != b]
    if len(diff) == 2:
        return diff[1] == diff[0] + 1
    return len(diff) == 1 and {typed[diff[0]], known[diff[0]]} == {"s", "z"}


def correction(
    reader: IndexReader, vocabulary: Vocabulary, word: str, freq: int, ratio: int = 20
) -> str | None:
    """The nearest much commoner spelling (`ratio` times as many paragraphs) of `word` (found
    in `freq` paragraphs) from the vocabulary: same first letter or its first two swapped,
    one edit away, two for longer unknown words; the commonest among equally near ones."""
    stem = next((t.text for t in _ANALYZER(word)), None)
    maxdist = 1 if len(word) <= 5 or freq else 2
    options = []
    for candidate in vocabulary.near(word, maxdist):
        cand_stems = [t.text for t in _ANALYZER(candidate)]
        if not cand_stems or cand_stems[0] == stem:
            continue
        cand_freq = reader.doc_frequency("text", cand_stems[0])
        if cand_freq >= max(1, freq * ratio):
            options.append((edit_distance(word, candidate), -cand_freq, candidate))
    return min(options)[2] if options else None


def is_close(original: str, suggestion: str) -> bool:
    """Every corrected word is one edit (a transposition counts as one) from what was typed:
    close enough to show the suggestion's results instead of only offering it."""
    pairs = zip(original.lower().split(), suggestion.lower().split(), strict=False)
    return all(a == b or edit_distance(a, b) <= 1 for a, b in pairs)


def _replace_word(text: str, word: str, replacement: str) -> str:
    def keep_case(m: re.Match[str]) -> str:
        found = m.group(0)
        if found.isupper():
            return replacement.upper()
        return replacement.capitalize() if found[:1].isupper() else replacement

    return re.sub(rf"\b{re.escape(word)}\b", keep_case, text, flags=re.IGNORECASE)
