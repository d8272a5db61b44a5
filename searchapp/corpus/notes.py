"""Editorial footnotes, attached to the paragraph they annotate.

A reader that finds footnotes (the Markdown reader: `[1](#f1)` markers and the numbered notes
the editors print after the text) hands them over with the words around their marker. The
paragraphs are only known after cleaning and parsing, which join and split lines, so a note
finds its paragraph by those words, not by a line number: the first paragraph, in reading
order from the previous note's, whose words contain them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
# Words on each side of a marker that locate it: enough to be unique in a document.
ANCHOR_WORDS = 8


@dataclass(frozen=True)
class Note:
    text: str  # the note as printed, without its number
    before: str = ""  # the words before its marker, in the same printed paragraph
    after: str = ""  # the words after it


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _needle(words: list[str]) -> str:
    return " " + " ".join(words) + " "


def _candidates(note: Note) -> list[str]:
    """Word sequences that locate the marker, the most specific first."""
    before = _words(note.before)[-ANCHOR_WORDS:]
    after = _words(note.after)[:ANCHOR_WORDS]
    found = [_needle(before + after)] if before and after else []
    if before:
        found.append(_needle(before))
    if after:
        found.append(_needle(after))
    return found


def attach_notes(notes: Sequence[Note], texts: Sequence[str]) -> list[list[str]]:
    """The notes of each paragraph (`texts` in reading order), every note given to one.

    A note whose marker stood in text that is no paragraph (a heading, the dateline) goes to
    the previous note's paragraph (the first paragraph for the first note).
    """
    attached: list[list[str]] = [[] for _ in texts]
    if not texts:
        return attached
    haystacks = [_needle(_words(t)) for t in texts]
    cursor = 0
    for note in notes:
        where = _locate(note, haystacks, cursor)
        if where is None:
            where = cursor
        attached[where].append(note.text)
        cursor = where
    return attached


def _locate(note: Note, haystacks: list[str], cursor: int) -> int | None:
    for needle in _candidates(note):
        for i in (*range(cursor, len(haystacks)), *range(cursor)):
            if needle in haystacks[i]:
                return i
    return None
