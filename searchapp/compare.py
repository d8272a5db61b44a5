"""Comparing two documents paragraph by paragraph (SPEC, "Following a formulation across
documents"): which paragraphs of `a` return in `b` unchanged, changed, which are new in `b`
and which were dropped.

The alignment, for documents of a few hundred paragraphs:

1. candidate pairs are the paragraphs that share word pairs (an inverted index of `b`'s word
   pairs, so not every pair is compared word by word);
2. pairs are matched one to one, most similar first, down to `ReuseSettings.changed`: a
   moved paragraph is matched wherever it went; then the pairs the index linked as the same
   formulation (a sentence that returns in a rewritten paragraph, see reuse.py);
3. a paragraph of `b` left over whose words lie within one of `a` (`contained`) is a piece of
   it, split off: "changed" against the paragraph it came from; likewise a paragraph of `a`
   left over whose words lie within one of `b` was merged into it;
4. what is left is "added" (in `b`) or "dropped" (from `a`).

The pairs follow `b`'s reading order; a dropped paragraph stands after the pair of the
paragraph that preceded it in `a`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from searchapp import reuse
from searchapp.config import REUSE, ReuseSettings
from searchapp.registry import DocumentRow, ParagraphRow, Registry
from searchapp.wording import diff_html, similarity, words

STATUSES = ("same", "changed", "added", "dropped")
CANDIDATE_SHARE = 0.3  # shared word pairs / the smaller paragraph's, to be compared at all
COMMON_PAIR = 20  # paragraphs of `a` a word pair may be in and still propose candidates


class CannotCompare(ValueError):
    """The comparison asked for cannot be made; `status` is the HTTP status (400, 404)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Pair:
    status: str
    a: ParagraphRow | None
    b: ParagraphRow | None
    similarity: float | None  # None for added and dropped paragraphs
    diff: str  # sanitized HTML: `b` marked against `a` (<ins>, <del>)


def _pairs_of(tokens: list[str]) -> set[tuple[str, str]]:
    return set(pairwise(tokens)) or {(t, "") for t in tokens}


@dataclass
class _Scores:
    """Word similarity and containment of the candidate pairs (i in a, j in b)."""

    ratio: dict[tuple[int, int], float]
    b_in_a: dict[tuple[int, int], float]  # share of b_j's word pairs found in a_i
    a_in_b: dict[tuple[int, int], float]


def _score(wa: list[list[str]], wb: list[list[str]]) -> _Scores:
    pa, pb = [_pairs_of(t) for t in wa], [_pairs_of(t) for t in wb]
    where: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, grams in enumerate(pa):
        for g in grams:
            where[g].append(i)
    # A word pair in very many paragraphs ("of the") brings up every pair of paragraphs:
    # candidates come from the rarer ones, so the work grows with the documents, not their
    # product.
    rare = {g: at for g, at in where.items() if len(at) <= COMMON_PAIR}
    same_words: dict[tuple[str, ...], list[int]] = defaultdict(list)  # short ones have no rare pair
    for i, tokens in enumerate(wa):
        same_words[tuple(tokens)].append(i)
    scores = _Scores({}, {}, {})
    for j, grams in enumerate(pb):
        found = {i for g in grams for i in rare.get(g, ())} | set(same_words.get(tuple(wb[j]), ()))
        for i in found:
            n = len(pa[i] & grams)
            if n / min(len(pa[i]), len(grams)) < CANDIDATE_SHARE:
                continue
            scores.ratio[(i, j)] = similarity(wa[i], wb[j])
            scores.b_in_a[(i, j)] = n / len(grams)
            scores.a_in_b[(i, j)] = n / len(pa[i])
    return scores


def align(
    a: list[ParagraphRow],
    b: list[ParagraphRow],
    settings: ReuseSettings = REUSE,
    linked: frozenset[tuple[int, int]] = frozenset(),
) -> list[Pair]:
    """The pairs of the comparison of `a` with `b`, in `b`'s reading order; `linked`: the
    (pid in a, pid in b) pairs the index found to be the same formulation."""
    wa, wb = [words(p.text) for p in a], [words(p.text) for p in b]
    scores = _score(wa, wb)
    match_a: dict[int, int] = {}  # i -> j, one to one
    match_b: dict[int, int] = {}
    for (i, j), value in sorted(scores.ratio.items(), key=lambda kv: (-kv[1], kv[0])):
        if value >= settings.changed and i not in match_a and j not in match_b:
            match_a[i], match_b[j] = j, i
    at_a = {p.pid: i for i, p in enumerate(a)}
    at_b = {p.pid: j for j, p in enumerate(b)}
    for pa, pb in sorted(linked):
        i, j = at_a.get(pa), at_b.get(pb)
        if i is not None and j is not None and i not in match_a and j not in match_b:
            match_a[i], match_b[j] = j, i
    in_a: dict[int, list[tuple[int, float]]] = defaultdict(list)  # j -> (i, b_j within a_i)
    in_b: dict[int, list[tuple[int, float]]] = defaultdict(list)  # i -> (j, a_i within b_j)
    for (i, j), share in scores.b_in_a.items():
        in_a[j].append((i, share))
        in_b[i].append((j, scores.a_in_b[(i, j)]))
    split_from: dict[int, int] = {}  # j -> i: b_j is a piece of a_i
    for j in range(len(b)):
        if j not in match_b:
            best = _best(in_a[j])
            if best is not None and best[1] >= settings.contained:
                split_from[j] = best[0]
    merged_into: dict[int, list[int]] = defaultdict(list)  # j -> the a_i that went into b_j
    pieces = set(split_from.values())
    for i in range(len(a)):
        if i not in match_a and i not in pieces:
            best = _best(in_b[i])
            if best is not None and best[1] >= settings.contained:
                merged_into[best[0]].append(i)
    pairs: list[tuple[int | None, Pair]] = []  # (index in a, pair), in b's order
    for j, para in enumerate(b):
        i = match_b.get(j, split_from.get(j))
        pairs.append((i, _pair(a[i] if i is not None else None, para, wa, wb, i, j, scores)))
        for k in merged_into.get(j, ()):
            pairs.append((k, _pair(a[k], para, wa, wb, k, j, scores)))
    placed = set(match_a) | pieces | {i for merged in merged_into.values() for i in merged}
    return _with_dropped(pairs, [i for i in range(len(a)) if i not in placed], a)


def _with_dropped(
    pairs: list[tuple[int | None, Pair]], dropped: list[int], a: list[ParagraphRow]
) -> list[Pair]:
    """`pairs` with each dropped paragraph of `a` after the last pair of an earlier paragraph
    of `a` (at the top if none): one pass, the pairs and the dropped both in order."""
    out: list[Pair] = []
    before: list[list[Pair]] = [[] for _ in range(len(pairs) + 1)]  # slot n: after n pairs
    last = [0] * (len(a) + 1)  # last[i]: how many pairs precede the slot for a dropped a_i
    for n, (k, _) in enumerate(pairs):
        if k is not None:
            last[k + 1] = max(last[k + 1], n + 1)
    for i in range(1, len(a) + 1):
        last[i] = max(last[i], last[i - 1])
    for i in dropped:
        before[last[i]].append(Pair("dropped", a[i], None, None, diff_html(a[i].text, "")))
    for n, (_, pair) in enumerate(pairs):
        out += before[n]
        out.append(pair)
    return out + before[len(pairs)]


def _best(options: Iterable[tuple[int, float]]) -> tuple[int, float] | None:
    return min(options, key=lambda o: (-o[1], o[0]), default=None)


def _pair(
    old: ParagraphRow | None,
    new: ParagraphRow,
    wa: list[list[str]],
    wb: list[list[str]],
    i: int | None,
    j: int,
    scores: _Scores,
) -> Pair:
    if old is None or i is None:
        return Pair("added", None, new, None, diff_html("", new.text))
    if wa[i] == wb[j]:
        return Pair("same", old, new, 1.0, diff_html(old.text, new.text))
    found = scores.ratio.get((i, j))
    value = round(similarity(wa[i], wb[j]) if found is None else found, 4)
    return Pair("changed", old, new, value, diff_html(old.text, new.text))


def summary(pairs: list[Pair]) -> dict[str, int]:
    counts = Counter(p.status for p in pairs)
    return {status: counts.get(status, 0) for status in STATUSES}


@dataclass(frozen=True)
class Comparison:
    a: DocumentRow
    b: DocumentRow
    pairs: list[Pair]

    def json(self) -> dict[str, Any]:
        return {
            "a": _doc_json(self.a),
            "b": _doc_json(self.b),
            "summary": summary(self.pairs),
            "pairs": [
                {
                    "status": p.status,
                    "a": _para_json(p.a),
                    "b": _para_json(p.b),
                    "similarity": p.similarity,
                    "diff": p.diff,
                }
                for p in self.pairs
            ],
        }


def compare(registry: Registry, a_id: str | None, b_id: str | None) -> Comparison:
    """Compare two live documents of the registry; CannotCompare says why not."""
    if not a_id or not b_id:
        raise CannotCompare("give two documents to compare: a=DOC_ID and b=DOC_ID")
    if a_id == b_id:
        raise CannotCompare(
            f"a and b are the same document ({a_id[:80]!r}): give two different ones"
        )
    docs = []
    for doc_id in (a_id, b_id):
        doc = registry.document(doc_id) if registry.exists() else None
        if doc is None or not doc.live:
            raise CannotCompare(f"there is no document with the id {doc_id[:80]!r}", 404)
        docs.append(doc)
    a, b = docs
    linked = frozenset(reuse.between(registry, a.doc_id, b.doc_id))
    pairs = align(registry.paragraphs(a.doc_id), registry.paragraphs(b.doc_id), linked=linked)
    return Comparison(a, b, pairs)


def _doc_json(doc: DocumentRow) -> dict[str, Any]:
    return {
        "doc_id": doc.doc_id,
        "doc_title": doc.metadata.title or doc.doc_id,
        "date": doc.metadata.date,
    }


def _para_json(p: ParagraphRow | None) -> dict[str, Any] | None:
    return None if p is None else {"pid": p.pid, "paragraph": p.number, "text": p.text}
