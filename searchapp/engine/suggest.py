"""Did you mean: corrections from the index vocabulary for words the index does not know."""

from __future__ import annotations

import re

from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from searchapp.engine.analysis import text_analyzer
from searchapp.engine.query import ParsedQuery

_ANALYZER = text_analyzer()


def _word_frequencies(reader: IndexReader, parsed: ParsedQuery) -> list[int]:
    return [
        reader.doc_frequency("text", t.text)
        for w in parsed.words
        if len(w) >= 4 and not w.isdigit()
        for t in _ANALYZER(w)
    ]


def has_unknown_word(reader: IndexReader, parsed: ParsedQuery) -> bool:
    return any(f == 0 for f in _word_frequencies(reader, parsed))


def suggest(searcher: Searcher, parsed: ParsedQuery) -> str | None:
    """A "did you mean" from the index vocabulary: each unknown or rare word that has a
    much commoner neighbour (same first letter; one edit away, two for longer words) is
    replaced by it. No suggestion when an unknown word has no such neighbour: the user
    typed something the corpus does not know, not a typo."""
    reader = searcher.reader()
    corrector = searcher.corrector("text")
    text = parsed.text
    changed = False
    for word in dict.fromkeys(parsed.words):
        stems = [t.text for t in _ANALYZER(word)]
        if not stems or len(word) < 4 or word.isdigit():
            continue
        freq = reader.doc_frequency("text", stems[0])
        if freq >= 3:
            continue
        maxdist = 1 if len(word) <= 5 or freq else 2
        options = []
        for candidate in corrector.suggest(word, limit=8, maxdist=maxdist, prefix=1):
            cand_stems = [t.text for t in _ANALYZER(candidate)]
            if not cand_stems or cand_stems[0] == stems[0]:
                continue
            cand_freq = reader.doc_frequency("text", cand_stems[0])
            if cand_freq >= max(1, freq * 20):
                options.append((_edit_distance(word, candidate), -cand_freq, candidate))
        # The nearest spelling first, the commonest among equally near ones.
        replacement = min(options)[2] if options else None
        if replacement is not None:
            text = _replace_word(text, word, replacement)
            changed = True
        elif freq == 0:
            return None
    return text if changed else None


def is_close(original: str, suggestion: str) -> bool:
    """Every corrected word is one edit (a transposition counts as one) from what was typed:
    close enough to show the suggestion's results instead of only offering it."""
    pairs = zip(original.lower().split(), suggestion.lower().split(), strict=False)
    return all(a == b or _edit_distance(a, b) <= 1 for a, b in pairs)


def _edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


def _replace_word(text: str, word: str, replacement: str) -> str:
    def keep_case(m: re.Match[str]) -> str:
        found = m.group(0)
        if found.isupper():
            return replacement.upper()
        return replacement.capitalize() if found[:1].isupper() else replacement

    return re.sub(rf"\b{re.escape(word)}\b", keep_case, text, flags=re.IGNORECASE)
