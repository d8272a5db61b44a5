"""Identifiers that never change: document ids, and paragraph ids (pids) across edits.

Pure functions: the registry stores what they decide.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from searchapp.corpus.kinds import JOINT_KINDS
from searchapp.corpus.model import Metadata

SAME = 0.5  # word-set similarity above which an edited paragraph is "the same paragraph"
INSIDE = 0.8  # share of a paragraph's words found in another: merged into it, or split from it
NEAREST = 0.2  # similarity worth pointing to from a removed paragraph's page


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def document_id(meta: Metadata, path: str, taken: set[str]) -> str:
    """A readable slug from date, kind and what sets the document apart (its parties, else its
    title and what its file name adds, else its file name): "2015-statement-china",
    "1951-10-25-cablegram-from-watt-to-spender-174".

    The id comes from the document, not from the order files are indexed in: it carries its
    distinguishing part, since many documents share "2015-statement" or "1949-05-18-cablegram".
    Only a joint declaration, statement, communiqué or treaty dated to the day keeps the
    SPEC's short form ("2002-12-02-joint-declaration"), and takes its distinguishing part
    when another document of that day and kind already holds it.
    """
    base = "-".join(p for p in (meta.date or "undated", slugify(meta.kind or "document")) if p)
    stem = slugify(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    distinct = _distinguishing_part(meta, base)
    if not meta.parties:
        # Titles repeat ("Cablegram to Canberra", twice a day): what the file name adds to
        # the title (a document number, "174") tells them apart whatever the order.
        told = set(base.split("-")) | set(slugify(meta.title or "").split("-"))
        extra = [w for w in stem.split("-") if w not in told][:_ID_NAME_WORDS]
        distinct = "-".join(p for p in (distinct, *extra) if p) or stem
    # A declaration of a given day is all but unique; cables and minutes come by the dozen.
    short = bool(meta.date and len(meta.date) == 10) and meta.kind in JOINT_KINDS
    candidates = [base] if short else []
    candidates += [f"{base}-{distinct}", f"{base}-{distinct}-{stem}"]
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    n = 2
    while f"{base}-{distinct}-{stem}-{n}" in taken:
        n += 1
    return f"{base}-{distinct}-{stem}-{n}"


_ID_TITLE_WORDS = 6
_ID_NAME_WORDS = 3
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to", "with"}
)


def _distinguishing_part(meta: Metadata, base: str) -> str:
    """The parties' slug, else the title's first words that the date and kind do not say."""
    if meta.parties:
        return slugify("-".join(meta.parties[:3]))
    said = set(base.split("-"))
    words = [w for w in slugify(meta.title or "").split("-") if w and w not in said]
    words = words[:_ID_TITLE_WORDS]
    while words and words[-1] in _SMALL_WORDS:
        words.pop()  # "…-external-affairs", not "…-external-affairs-to"
    return "-".join(words)


@dataclass
class PidMatch:
    pids: list[int]  # one per new paragraph, in reading order
    removed: dict[int, int | None] = field(default_factory=dict)  # old pid -> nearest new pid
    merged: dict[int, int] = field(default_factory=dict)  # old pid -> pid it was merged into
    next_pid: int = 1


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _inside(part: frozenset[str], whole: frozenset[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def _split_parts(
    whole: frozenset[str], new_words: list[frozenset[str]], pids: list[int | None]
) -> list[int]:
    """Consecutive unmatched new paragraphs that are parts of `whole`: each lies inside it,
    none holds most of it alone, together they do. Empty when `whole` was not split."""
    parts = [i for i, w in enumerate(new_words) if pids[i] is None and _inside(w, whole) >= INSIDE]
    run = parts[:1]
    for i in parts[1:]:
        if i != run[-1] + 1:
            break
        run.append(i)
    together = frozenset().union(*(new_words[i] for i in run))
    if (
        len(run) < 2
        or any(_inside(whole, new_words[i]) >= INSIDE for i in run)
        or _inside(whole, together) < INSIDE
    ):
        return []
    return run


def match_paragraphs(old: list[tuple[int, str]], new: list[str], next_pid: int) -> PidMatch:
    """Carry pids from the previous version (`old`: pid, text) to the new paragraphs.

    Same text keeps its pid; a lightly edited paragraph keeps its pid; a paragraph merged
    into another points to it; the first part of a split paragraph keeps its pid; anything
    else is new and gets a pid never used before (`next_pid` and up). Unmatched old pids are
    removed, remembering the most similar remaining paragraph.
    """
    pids: list[int | None] = [None] * len(new)
    by_text: dict[str, list[int]] = {}
    for pid, text in old:
        by_text.setdefault(_norm(text), []).append(pid)
    for i, text in enumerate(new):
        queue = by_text.get(_norm(text))
        if queue:
            pids[i] = queue.pop(0)
    used = {p for p in pids if p is not None}
    old_words = {pid: _words(text) for pid, text in old}
    new_words = [_words(t) for t in new]
    left = [pid for pid, _ in old if pid not in used]
    for pid in left:
        run = _split_parts(old_words[pid], new_words, pids)
        if run:  # split: the first part keeps the link, even when a later part is bigger
            pids[run[0]] = pid
            used.add(pid)

    pairs = sorted(
        (
            (-_jaccard(old_words[pid], new_words[i]), abs(oi - i), pid, i)
            for oi, pid in enumerate(left)
            for i in range(len(new))
            if pids[i] is None
        ),
    )
    for neg_score, _, pid, i in pairs:
        if -neg_score < SAME:
            break
        if pid not in used and pids[i] is None:
            pids[i], used = pid, used | {pid}

    result = PidMatch(pids=[], next_pid=next_pid)
    for pid in [p for p in left if p not in used]:
        parts = [
            i
            for i in range(len(new))
            if pids[i] is None and _inside(new_words[i], old_words[pid]) >= INSIDE
        ]
        if parts:  # split: the first part keeps the link
            pids[parts[0]] = pid
            used.add(pid)
    for i, pid in enumerate(pids):
        if pid is None:
            pids[i] = result.next_pid
            result.next_pid += 1
    result.pids = [p for p in pids if p is not None]
    for pid in [p for p in left if p not in used]:
        host = max(
            range(len(new)),
            key=lambda i, pid=pid: _inside(old_words[pid], new_words[i]),
            default=None,
        )
        if host is not None and _inside(old_words[pid], new_words[host]) >= INSIDE:
            result.merged[pid] = result.pids[host]
            used.add(pid)
    for pid in (p for p in left if p not in used):
        scored = [(_jaccard(old_words[pid], new_words[i]), result.pids[i]) for i in range(len(new))]
        best = max(scored, default=(0.0, None))
        result.removed[pid] = best[1] if best[0] >= NEAREST else None
    return result
