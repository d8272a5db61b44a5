"""No word of a document is lost: every file of the real corpora, read as the indexer reads it.

The words of what a reader hands over (the text of the file, without its markup and front
matter) must all be in the document's paragraphs, in their order, except those deliberately
kept as metadata, each listed with its kind: title, dateline, source line, signature, page
furniture, web chrome, classification marking, and section headings (kept as the printed
part label). Hyphens are ignored, so that a word split at a line end ("coordi-" + "nation")
counts as the one word it is.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby
from pathlib import Path

import pytest

import searchapp.corpus.loading
from searchapp.corpus import UnreadableFile, load_document
from searchapp.corpus.furniture import is_code_line
from searchapp.corpus.parse import heading_label
from searchapp.corpus.readers import read_file

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
_WORD = re.compile(r"[^\W_]+")
# A hyphen at a line end joins a word ("coordi-" "nation", "10-" "year", "2023-" "2024"), not a
# list item after it ("may be -" "1 insistence").
_LINE_END_HYPHEN = re.compile(r"-[ \t]*\n\s*")
# The kinds of text a document keeps as metadata instead of paragraphs.
KINDS = {
    "title",
    "dateline",
    "source",
    "signature",
    "page furniture",
    "chrome",
    "classification",
}


def words(text: str) -> list[str]:
    if "\n" in text:
        text = _LINE_END_HYPHEN.sub(_join_split_word, text)
    return _WORD.findall(text.replace("-", "").casefold())


def _join_split_word(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    joins = before.isalnum() and (after.isalpha() or (before.isdigit() and after.isdigit()))
    return "" if joins else " "


def corpus_files(corpus: str) -> list[Path]:
    return sorted(
        p
        for p in (CORPORA / corpus).rglob("*")
        if p.suffix in {".txt", ".md", ".xml"} and p.name != "README.md"
    )


def _without_furniture(line: str, furniture: set[str]) -> str:
    normal = " ".join(line.split())
    if normal in furniture:
        return ""
    head = normal.split(" ", 4)
    for n in range(1, len(head)):
        glued = " ".join(head[:n])
        # Codes glued to text are never a bare number ("4 For greater certainty" is a note).
        if glued in furniture and not glued.isdigit():
            return " ".join(head[n:])
    return line


def _subsequence_at(source: list[str], words_: list[str], start: int) -> int | None:
    """Where `words_` begins as a subsequence of `source[start:]`, or None."""
    try:
        first = position = source.index(words_[0], start)
        for word in words_[1:]:
            position = source.index(word, position + 1)
    except ValueError:
        return None
    return first


def lost_words(path: Path, root: Path) -> str | None:
    """What the document lost, described for a failure message; None when nothing."""
    raw = read_file(path)
    source = raw.text if raw.blocks is None else "\n\n".join(raw.blocks)
    try:
        doc = load_document(path, root)
    except UnreadableFile:
        return None
    assert {kind for kind, _ in doc.removed} <= KINDS, doc.removed
    # These corpora have no running headers: furniture is page numbers and margin codes only,
    # so a repeated line of text taken for a header ("(a) for China, …; and") fails here.
    headers = [t for k, t in doc.removed if k == "page furniture" and not is_code_line(t)]
    if headers:
        return f"{path.name}: text removed as running headers: {headers[:3]}"
    # A word split at a page end ("high-" | "20/33 15-29946" | "level") is one word: the
    # source is read without its furniture lines and glued codes.
    source = "\n".join(
        _without_furniture(line, {t for k, t in doc.removed if k == "page furniture"})
        for line in source.split("\n")
    )
    source_words = words(source)
    # In order: each paragraph's words are a subsequence of the source's, from where the
    # paragraph before it starts.
    kept: list[str] = []
    start = 0
    for p in doc.paragraphs:
        paragraph = words(p.text)
        if not paragraph:
            continue
        first = _subsequence_at(source_words, paragraph, start)
        if first is None:
            return f"{path.name}: ¶{p.number} not in the source in order: {p.text[:80]!r}"
        start = first
        kept += paragraph
    aside = Counter(w for _, text in doc.removed for w in words(text))
    # Headings: the printed part label of the paragraphs under them, or (when no paragraph
    # follows them) a heading line of the source.
    for label, _ in groupby(p.section_label for p in doc.paragraphs):
        aside.update(words(label))
    for line in source.splitlines():
        if heading_label(line.strip(" *")) is not None:
            aside.update(words(line))
    missing = Counter(source_words) - Counter(kept) - aside
    if missing:
        return f"{path.name}: lost {sorted(missing.elements())[:20]}"
    return None


@pytest.mark.corpus
@pytest.mark.parametrize(
    "corpus", ["ungdc-2015-2024", "dfat-historical-docs", "tota-chn-rus"], ids=str
)
def test_no_word_of_a_document_is_lost(corpus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    files = corpus_files(corpus)
    if not files:
        pytest.skip(f"the {corpus} corpus is not present")
    # Words, not themes: the thematic classifier is half the cost of reading and not tested here.
    monkeypatch.setattr(
        searchapp.corpus.loading, "classify", lambda texts, _labels: [""] * len(texts)
    )
    failures = [f for f in (lost_words(p, CORPORA / corpus) for p in files) if f]
    assert not failures, f"{len(failures)} of {len(files)} files lose words:\n" + "\n".join(
        failures[:15]
    )
