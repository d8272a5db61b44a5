"""The index's vocabulary: every word as written (lowercased), with how many paragraphs use it.

Prefix expansion ("cooperat*") and "did you mean" need the words before stemming. Whoosh can
keep them as a spelling field, but that field writes a second posting for every word of every
paragraph, a third of the build time; this table in the generation folder answers the same
questions for a fraction of the cost. It records the number of the index commit it describes:
if a crash separates the two, the next writer sees it and counts the words again.
"""

from __future__ import annotations

import bisect
import re
import sqlite3
import string
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

FILENAME = "vocabulary.sqlite"
_WORD = re.compile(r"[^\W\d_]{2,}")
_LETTERS = string.ascii_lowercase


def paragraph_words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def count_words(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(paragraph_words(text))
    return counts


def save(gen: Path, delta: Counter[str], fresh: bool, commit: int) -> None:
    """Add `delta` (paragraph counts, negative for removed paragraphs) to the table, which
    then describes index commit number `commit`."""
    db = sqlite3.connect(gen / FILENAME)
    try:
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, df INTEGER)")
            db.execute("CREATE TABLE IF NOT EXISTS described (id INTEGER PRIMARY KEY, commit_no)")
            db.execute("INSERT OR REPLACE INTO described VALUES (1, ?)", (commit,))
            if fresh:
                db.execute("DELETE FROM words")
            db.executemany(
                "INSERT INTO words VALUES (?, ?) ON CONFLICT(word) DO UPDATE SET df = df + ?",
                [(w, n, n) for w, n in delta.items() if n],
            )
            db.execute("DELETE FROM words WHERE df <= 0")
    finally:
        db.close()


def described(gen: Path) -> int | None:
    """The index commit the table describes (None: no table, or one older than this record)."""
    path = gen / FILENAME
    if not path.exists():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT commit_no FROM described WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        db.close()
    return int(row[0]) if row else None


class Vocabulary:
    """The words of one index generation, loaded on first use."""

    def __init__(self, gen: Path) -> None:
        self.path = gen / FILENAME
        self._lock = threading.Lock()
        self._df: dict[str, int] | None = None
        self._sorted: list[str] = []
        self._by_letter: dict[str, list[str]] = {}

    def _words(self) -> dict[str, int]:
        with self._lock:
            if self._df is None:
                self._df = {}
                if self.path.exists():
                    db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
                    try:
                        self._df = dict(db.execute("SELECT word, df FROM words"))
                    finally:
                        db.close()
                self._sorted = sorted(self._df)
                for word in self._sorted:
                    self._by_letter.setdefault(word[0], []).append(word)
            return self._df

    def frequency(self, word: str) -> int:
        """Paragraphs that write `word` (lowercased, as written)."""
        return self._words().get(word, 0)

    def with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Words starting with `prefix`, at most `limit` + 1 (so callers can tell "too many").

        Read from the table's index while the words are not loaded: a prefix query from a
        cold start need not load the whole vocabulary (a tenth of a second at UN size)."""
        if self._df is None and self.path.exists():
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                rows = db.execute(
                    "SELECT word FROM words WHERE word >= ? AND word < ? ORDER BY word LIMIT ?",
                    (prefix, prefix + "\U0010ffff", limit + 1),
                )
                return [word for (word,) in rows]
            finally:
                db.close()
        self._words()
        start = bisect.bisect_left(self._sorted, prefix)
        found = []
        for word in self._sorted[start:]:
            if not word.startswith(prefix) or len(found) > limit:
                break
            found.append(word)
        return found

    def near(self, word: str, maxdist: int) -> list[str]:
        """Known words one edit from `word` (same first letter, or its first two letters
        swapped: "Rieland"); two edits if none is one away and `maxdist` allows, among
        words of the same initial and similar length."""
        known = self._words()
        swapped = word[1::-1] + word[2:]
        close = [
            w
            for w in _edits1(word)
            if w in known and (w[:1] == word[:1] or w == swapped) and w != word
        ]
        if close or maxdist < 2:
            return close
        return [
            w
            for w in self._by_letter.get(word[:1], [])
            if abs(len(w) - len(word)) <= 2 and w != word and edit_distance(w, word) <= 2
        ]


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts)


def edit_distance(a: str, b: str) -> int:
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
