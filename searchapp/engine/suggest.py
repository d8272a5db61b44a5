"""Did you mean: corrections from the index vocabulary for words the index does not know."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from whoosh.reading import IndexReader

from searchapp.engine.analysis import text_analyzer
from searchapp.engine.vocabulary import Vocabulary, edit_distance

if TYPE_CHECKING:  # query.py corrects typos with this module
    from searchapp.engine.query import ParsedQuery

_ANALYZER = text_analyzer()


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
_CORRECTIONS: WeakKeyDictionary[Vocabulary, dict[str, str | None]] = WeakKeyDictionary()
_CORRECTIONS_MAX = 10_000


def unknown_word_correction(reader: IndexReader, vocabulary: Vocabulary, word: str) -> str | None:
    """The word to search instead of `word` when the index has no paragraph with it and a
    common word is one or two edits away ("Venezuala" -> "venezuela"), else None."""
    known = _CORRECTIONS.setdefault(vocabulary, {})
    if word in known:
        return known[word]
    stems = [t.text for t in _ANALYZER(word)]
    unknown = stems and len(word) >= 4 and not word.isdigit()
    found = (
        correction(reader, vocabulary, word, 0)
        if unknown and not reader.doc_frequency("text", stems[0])
        else None
    )
    if len(known) > _CORRECTIONS_MAX:
        known.clear()
    known[word] = found
    return found


def correction(reader: IndexReader, vocabulary: Vocabulary, word: str, freq: int) -> str | None:
    """The nearest much commoner spelling of `word` (found in `freq` paragraphs) from the
    vocabulary: same first letter, one edit away, two for longer unknown words; the commonest
    among equally near ones."""
    stem = next((t.text for t in _ANALYZER(word)), None)
    maxdist = 1 if len(word) <= 5 or freq else 2
    options = []
    for candidate in vocabulary.near(word, maxdist):
        cand_stems = [t.text for t in _ANALYZER(candidate)]
        if not cand_stems or cand_stems[0] == stem:
            continue
        cand_freq = reader.doc_frequency("text", cand_stems[0])
        if cand_freq >= max(1, freq * 20):
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
