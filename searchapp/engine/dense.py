"""Meaning-level retrieval: paragraph vectors stored with an index generation, searched
exactly, and fused with the lexical ranking.

Storage, in the generation folder (a derived artifact of the index, never its source), one
pair of files per Whoosh segment, because a segment never changes once written (a deletion
only marks a document), so its vectors never do either:

    dense.json               manifest: model, Whoosh generation and document count it was
                             computed for, and the segments in order [id, first row, rows]
    dense-<segment>.npy      float32 (rows x dim), row = document of the segment (a
                             deleted one keeps its vector; search only reads live rows)
    dense-<segment>.keys.npy uint64 per row: hash of "document/pid/text"

The manifest is replaced last, atomically, so a reader sees old or new vectors, never half.
Readers use the vectors only when the manifest names the very Whoosh generation they
opened: after any change to the index the vectors are stale until `update` ran again, and
search is lexical meanwhile (with a notice). `update` writes files for new segments only (an
added document's, or a merge's); their paragraphs reuse any vector with the same key from
the previous segments of this generation, or of another generation in the index folder (a
rebuild reuses the old one's), so adding a document embeds and writes its paragraphs only.

At query time cosines are exact NumPy dot products: for the best lexical candidates, and
over every paragraph (or a selective filter's) only when a plain-word query gains the best
`DEPTH` paragraphs inside its filters as extra candidates; every relevance ranking then fuses
the lexical and dense scores. For a million paragraphs an approximate index is measured in
benchmarks/dense_ann.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from whoosh import query as wq
from whoosh.reading import IndexReader

from searchapp.config import dense_settings
from searchapp.engine import store
from searchapp.engine.embed import Embedder, load_embedder
from searchapp.engine.query import ParsedQuery, plain_words_query
from searchapp.engine.understand import PARTY_FIELD, is_plain

MANIFEST = "dense.json"
LOCK = "dense.lock"  # in the index folder: one process writes vectors at a time
POOL = 1_000  # best lexical candidates re-ranked by meaning (a gather, not a scan)
DEPTH = 30  # dense candidates a plain-word query adds (swept: 30 > 100 > 300 on MRR@10)
SYNC_LIMIT = 5_000  # paragraphs `serve` embeds before it starts; more go to the background
RECHECK_EVERY = 0.5  # seconds between looks for vectors that were missing
# Whether stale vectors are re-embedded in a background thread of this process: only a
# long-running server asks for it (`allow_background`); a one-shot command or a test never
# leaves embedding threads behind, and `update` (every index run) repairs the vectors anyway.
_background = {"allowed": False}
RRF_K = 60  # reciprocal-rank fusion constant (Cormack et al.; flat from 10 to 200 here)
BLEND_ALPHA = 0.7  # linear blend: share of the lexical score (swept 0.5-0.9: best at 0.7)
# ... when no paragraph has all the query's words: the words alone are weaker evidence there
# (a paraphrase), so meaning weighs more (swept 0.3-0.7 on the tuned queries: best at 0.4).
BLEND_ALPHA_APART = 0.4


# -------------------------------------------------------------------------- writing


@dataclass
class UpdateResult:
    embedded: int = 0
    reused: int = 0
    deferred: bool = False  # more to embed than the limit allowed: left for later


@contextlib.contextmanager
def _lock(root: Path, wait: bool) -> Iterator[bool]:
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _key(fields: dict[str, object]) -> int:
    """A paragraph's vector key: its document, pid and text, hashed to 64 bits (a collision
    among a million keys has odds of about 1 in 30 million)."""
    key = f"{fields['doc_id']}/{fields['pid']}/{fields['text']}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


def _manifest(gen: Path) -> dict[str, object] | None:
    try:
        man = json.loads((gen / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return man if isinstance(man, dict) and isinstance(man.get("segments"), list) else None


def _vectors_file(gen: Path, sid: str) -> Path:
    return gen / f"dense-{sid}.npy"


def _keys_file(gen: Path, sid: str) -> Path:
    return gen / f"dense-{sid}.keys.npy"


def _segment(gen: Path, sid: str, rows: int, dim: int) -> np.ndarray | None:
    """One segment's vectors, memory-mapped, when its file is whole (`rows` x `dim`)."""
    try:
        matrix = np.load(_vectors_file(gen, sid), mmap_mode="r")
    except (OSError, ValueError):
        return None
    return matrix if matrix.shape == (rows, dim) else None


def _segments(man: dict[str, object]) -> list[tuple[str, int, int]]:
    return [(str(s), int(o), int(c)) for s, o, c in man["segments"]]  # type: ignore[union-attr]


def _write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def update(gen: Path, limit: int | None = None, embedder: Embedder | None = None) -> UpdateResult:
    """Bring the vectors of generation `gen` up to date with its index (see the module doc).

    With `limit`, gives up (deferred) when more paragraphs than that need embedding."""
    embedder = embedder or load_embedder()
    if embedder is None or not dense_settings().enabled:
        return UpdateResult()
    with _lock(gen.parent, wait=True):
        return _update(gen, limit, embedder)


def _update(gen: Path, limit: int | None, embedder: Embedder) -> UpdateResult:
    toc = store.table_of_contents(gen)
    stamp, n = toc.generation, sum(seg.doc_count_all() for seg in toc.segments)
    if not n:  # an index without any document: nothing to embed
        return UpdateResult()
    man = _manifest(gen)
    if _is_fresh(man, stamp, n, embedder.model_id) and load(gen, man, n) is not None:
        return UpdateResult()
    known = _whole_segments(gen, man, embedder)
    segments, new, offset = [], [], 0
    for seg in toc.segments:
        sid, count = seg.segment_id(), seg.doc_count_all()
        segments.append([sid, offset, count])
        offset += count
        if known.get(sid) != count:
            with store.segment_reader(gen, toc, seg) as sub:
                new.append(_NewSegment(sid, sub, embedder.dim))
    old = _Known(gen, embedder.model_id) if any(s.live for s in new) else None
    for segment in new:
        segment.reuse(old)
    todo = sum(len(s.missing) for s in new)
    if limit is not None and todo > limit:
        return UpdateResult(deferred=True)
    for segment in new:
        segment.embed(embedder)
        segment.write(gen)
    manifest = {
        "model": embedder.model_id,
        "dim": embedder.dim,
        "generation": stamp,
        "docs": n,
        "segments": segments,
    }
    _write_atomic(gen / MANIFEST, lambda fh: fh.write(json.dumps(manifest).encode()))
    keep = {_vectors_file(gen, str(s)).name for s, _, _ in segments}
    keep |= {_keys_file(gen, str(s)).name for s, _, _ in segments}
    for path in gen.glob("dense-*"):
        if path.name not in keep:
            path.unlink(missing_ok=True)
    return UpdateResult(embedded=todo, reused=sum(len(s.live) - len(s.missing) for s in new))


def _whole_segments(gen: Path, man: dict[str, object] | None, embedder: Embedder) -> dict[str, int]:
    """The segments of the previous manifest whose files are whole, with their row counts."""
    if not man or man.get("model") != embedder.model_id:
        return {}
    return {
        sid: count
        for sid, _, count in _segments(man)
        if _segment(gen, sid, count, embedder.dim) is not None and _keys_file(gen, sid).is_file()
    }


class _NewSegment:
    """The vectors of a segment the manifest did not cover (the rows of its deleted
    documents are left at zero: they are never read)."""

    def __init__(self, sid: str, sub: IndexReader, dim: int) -> None:
        self.sid = sid
        count = sub.doc_count_all()
        self.keys = np.zeros(count, dtype=np.uint64)
        self.matrix = np.zeros((count, dim), dtype=np.float32)
        self.live: list[tuple[int, str]] = []  # (row, text)
        for d in range(count):
            if not sub.is_deleted(d):
                fields = sub.stored_fields(d)
                self.keys[d] = _key(fields)
                self.live.append((d, str(fields["text"])))
        self.missing = self.live  # until `reuse` finds some of them stored

    def reuse(self, old: _Known | None) -> None:
        """The known vectors of the live rows; the others are left to `embed`."""
        if old is None:
            return
        rows = np.array([d for d, _ in self.live], dtype=np.int64)
        found = old.take(self.keys[rows], self.matrix, rows)
        self.missing = [row for row, hit in zip(self.live, found, strict=True) if not hit]

    def embed(self, embedder: Embedder) -> None:
        for start in range(0, len(self.missing), 2048):
            chunk = self.missing[start : start + 2048]
            self.matrix[[d for d, _ in chunk]] = embedder.embed([t for _, t in chunk])

    def write(self, gen: Path) -> None:
        matrix, keys = self.matrix, self.keys
        _write_atomic(_vectors_file(gen, self.sid), lambda fh: np.save(fh, matrix))
        _write_atomic(_keys_file(gen, self.sid), lambda fh: np.save(fh, keys))


class _Known:
    """The stored vectors a new segment may reuse: those of this generation's segments,
    else of another generation's (a rebuild), looked up by key."""

    def __init__(self, gen: Path, model_id: str) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []  # (keys, vectors) per segment
        gens = [gen, *sorted((p for p in gen.parent.glob("gen-*") if p != gen), reverse=True)]
        for folder in gens:
            man = _manifest(folder)
            if not man or man.get("model") != model_id:
                continue
            for sid, _, count in _segments(man):
                self._add(folder, sid, count, int(man.get("dim", 0)))  # type: ignore[call-overload]
            if self.parts:
                return

    def _add(self, folder: Path, sid: str, count: int, dim: int) -> None:
        vectors = _segment(folder, sid, count, dim)
        try:
            keys = np.load(_keys_file(folder, sid))
        except (OSError, ValueError):
            return
        if vectors is not None and keys.shape == (count,):
            self.parts.append((keys, vectors))

    def take(self, keys: np.ndarray, into: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Copies the known vectors of `keys` into `into[rows]`; returns which were known."""
        found = np.zeros(len(keys), dtype=bool)
        for stored, vectors in self.parts:
            wanted = ~found
            if not wanted.any():
                break
            # isin is a linear scan per key for a few keys (an add), a sort for many.
            hit = np.isin(stored, keys[wanted])
            if not hit.any():
                continue
            at = {int(k): i for i, k in zip(np.flatnonzero(hit), stored[hit], strict=True)}
            for j in np.flatnonzero(wanted):
                i = at.get(int(keys[j]))
                if i is not None:
                    into[rows[j]] = vectors[i]
                    found[j] = True
        return found


def _is_fresh(man: dict[str, object] | None, stamp: int, n: int, model_id: str) -> bool:
    if not man:
        return False
    return (man.get("model"), man.get("generation"), man.get("docs")) == (model_id, stamp, n)


def load(gen: Path, man: dict[str, object] | None, n: int) -> Stacked | None:
    """The vectors the manifest names, segment files memory-mapped, when all are whole and
    cover `n` rows."""
    if not man:
        return None
    dim = int(man.get("dim", 0))  # type: ignore[call-overload]
    parts, starts, row = [], [], 0
    for sid, offset, count in _segments(man):
        part = _segment(gen, sid, count, dim)
        if part is None or offset != row:
            return None
        parts.append(part)
        starts.append(offset)
        row += count
    return Stacked(parts, starts, dim) if row == n else None


class Stacked:
    """The segments' vectors as one matrix of rows = Whoosh document numbers, without
    copying them into one array (each reader would hold its own copy)."""

    def __init__(self, parts: list[np.ndarray], starts: list[int], dim: int) -> None:
        self.parts = parts
        self.starts = np.asarray(starts, dtype=np.int64)
        self.shape = (sum(len(p) for p in parts), dim)

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        return np.concatenate([p @ vector for p in self.parts]) if self.parts else np.zeros(0)

    def take(self, ids: np.ndarray) -> np.ndarray:
        """The rows `ids`, in their order."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty((len(ids), self.shape[1]), dtype=np.float32)
        seg = np.searchsorted(self.starts, ids, side="right") - 1
        for s in np.unique(seg):
            at = seg == s
            out[at] = self.parts[s][ids[at] - self.starts[s]]
        return out

    def array(self) -> np.ndarray:
        """All rows in one array (a copy)."""
        return np.concatenate(self.parts) if self.parts else np.zeros(self.shape, np.float32)


# -------------------------------------------------------------------------- reading


class Vectors:
    """The vectors of one snapshot of the index, when they match it; in a server, embeds
    them in a background thread when they do not (it never waits for them)."""

    _running: dict[Path, threading.Thread] = {}  # noqa: RUF012  (per process, on purpose)
    _start_lock = threading.Lock()

    def __init__(self, gen: Path, reader: IndexReader) -> None:
        self.gen = gen
        self.stamp = reader.generation()
        self.n = reader.doc_count_all()
        self._matrix: Stacked | None = None
        self._checked = -RECHECK_EVERY
        self._lock = threading.Lock()

    def matrix(self) -> Stacked | None:
        with self._lock:
            now = time.monotonic()
            if self._matrix is None and now - self._checked >= RECHECK_EVERY:
                self._checked = now
                self._matrix = self._load()
            return self._matrix

    def _load(self) -> Stacked | None:
        embedder = load_embedder()
        if embedder is None or not self.n:
            return None
        man = _manifest(self.gen)
        if _is_fresh(man, self.stamp, self.n, embedder.model_id):
            matrix = load(self.gen, man, self.n)
            if matrix is not None:
                return matrix
        self._embed_in_background()
        return None

    def _embed_in_background(self) -> None:
        if not _background["allowed"]:
            return
        with Vectors._start_lock:
            running = Vectors._running.get(self.gen)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(target=self._background, name="embed", daemon=True)
            Vectors._running[self.gen] = thread
            thread.start()

    def _background(self) -> None:
        embedder = load_embedder()
        with _lock(self.gen.parent, wait=False) as mine:
            # Another process holding the lock is embedding already: its manifest will do.
            if mine and embedder is not None and self.gen.is_dir():
                # The generation may be replaced or removed meanwhile (a rebuild): whatever
                # fails here leaves the vectors stale, and the next snapshot tries again.
                with contextlib.suppress(Exception):
                    _update(self.gen, None, embedder)


def allow_background() -> None:
    """Let this process embed stale vectors in the background (a server: `serve`)."""
    _background["allowed"] = True


class DenseQuery:
    """One query's vector against the paragraph vectors. Cosines are computed where needed:
    for the best lexical candidates (a gather), and over every paragraph only when the
    query may gain candidates (the scan that dominates the cost)."""

    def __init__(self, matrix: Stacked, vector: np.ndarray, widens: bool, fusion: str):
        self.matrix = matrix
        self.vector = vector
        self.widens = widens
        self.fusion = fusion
        self._all: np.ndarray | None = None

    def _sims(self, ids: np.ndarray | None = None) -> np.ndarray:
        if self._all is None and ids is not None:
            return np.asarray(self.matrix.take(ids) @ self.vector, dtype=np.float64)
        if self._all is None:
            self._all = np.asarray(self.matrix @ self.vector, dtype=np.float64)
        return self._all if ids is None else self._all[ids]

    def widen(
        self,
        live: np.ndarray,
        year_mask: np.ndarray | None,
        section_mask: np.ndarray | None,
        in_years: np.ndarray,
        in_sections: np.ndarray,
        hits: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The masks of `_run` with each one's best dense paragraphs added, taken inside the
        same filters (so a filtered search keeps its dense candidates, and each facet counts
        them as if its own filter were off)."""
        if not self.widens:
            return in_years, in_sections, hits

        def within(*masks: np.ndarray | None) -> np.ndarray:
            out = live.copy()
            for m in masks:
                if m is not None:
                    out &= m
            return out

        return (
            in_years | self._best(within(year_mask)),
            in_sections | self._best(within(section_mask)),
            hits | self._best(within(year_mask, section_mask)),
        )

    def _best(self, allowed: np.ndarray) -> np.ndarray:
        ids = np.flatnonzero(allowed)
        # A selective filter: the dot products of its paragraphs only.
        sims = self._sims(ids) if len(ids) < len(allowed) // 4 else self._sims()[ids]
        out = np.zeros(len(allowed), dtype=bool)
        if len(ids) > DEPTH:
            keep = np.argpartition(-sims, DEPTH)[:DEPTH]
            ids, sims = ids[keep], sims[keep]
        out[ids[sims > 0]] = True
        return out

    def fuse(
        self,
        lexical: np.ndarray,
        hit_ids: np.ndarray,
        complete: np.ndarray,
        tier_unit: float,
        apart: bool,
    ) -> np.ndarray:
        """Fused scores of `hit_ids` from their lexical scores (the best `POOL` lexical
        candidates and the dense ones are fused; the rest keep their lexical order below;
        `apart`: no paragraph has all the query's words, see `words_apart`).
        Tiers (multiples of `tier_unit`, as for a bare year in the query) stay on top, and
        within a tier the paragraphs with all the words (`complete`) stay above the others:
        meaning re-ranks each group and brings candidates to the second one, it never
        buries a match."""
        tier = np.floor(lexical / tier_unit)
        base = lexical - tier * tier_unit
        pool = base == 0  # candidates from the dense side
        if len(lexical) > POOL:
            pool[np.argpartition(-lexical, POOL)[:POOL]] = True
        else:
            pool[:] = True
        sims = np.zeros(len(hit_ids), dtype=np.float64)
        sims[pool] = self._sims(hit_ids[pool])
        alpha = BLEND_ALPHA_APART if apart else BLEND_ALPHA
        fused = fuse_scores(base, sims, pool, self.fusion, alpha)
        return tier * tier_unit + fused + complete * (1 + fused.max(initial=0))


def words_apart(base: np.ndarray, counts: np.ndarray, clauses: int) -> bool:
    """Whether the index has some of the query's words but no paragraph has them all
    (filters aside): only then does meaning add candidates. A query the texts answer in its
    own words keeps exactly the paragraphs that have them (re-ranked by meaning), and a
    query none of whose words the index knows still finds nothing (and gets its "did you
    mean")."""
    return bool((base & (counts > 0)).any()) and not (base & (counts >= clauses)).any()


def fuse_scores(
    lexical: np.ndarray,
    dense: np.ndarray,
    known: np.ndarray,
    method: str,
    alpha: float,
) -> np.ndarray:
    """One score per candidate from its lexical score (0: a dense candidate only) and its
    dense one (where `known`; elsewhere the candidate keeps its lexical rank, below);
    `alpha` is the lexical share of the blend."""
    if method == "dense":  # measurement only: the dense ranking alone
        return np.where(known, dense + 2, lexical / (lexical.max(initial=0) + 1))
    if method == "blend":
        top = lexical.max(initial=0.0)
        lo, hi = dense[known].min(initial=0.0), dense[known].max(initial=0.0)
        lex = lexical / top if top > 0 else lexical
        den = np.where(known, (dense - lo) / (hi - lo), 0.0) if hi > lo else np.zeros_like(dense)
        return alpha * lex + (1 - alpha) * den
    dense_rank = np.where(known, dense, -np.inf)
    return _rrf(lexical) * (lexical > 0) + _rrf(dense_rank) * known


def _rrf(scores: np.ndarray) -> np.ndarray:
    """1 / (k + rank), ranks from 1 by descending score."""
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return 1.0 / (RRF_K + ranks)


def for_query(vectors: Vectors, parsed: ParsedQuery) -> tuple[DenseQuery | None, list[str]]:
    """The dense side of a ranked query, or None (off, no words, or vectors not ready),
    and the notices to show."""
    settings = dense_settings()
    if not settings.enabled or not parsed.should:
        return None, []
    embedder = load_embedder()
    matrix = vectors.matrix() if embedder is not None else None
    if matrix is None:
        if embedder is None:
            return None, []
        return None, [
            "Meaning-level matching is still being prepared for the latest documents; "
            "these results match your words only."
        ]
    text = _query_text(parsed)
    if not text:
        return None, []
    vector = embedder.embed([text])[0]
    return DenseQuery(matrix, vector, _plain_words(parsed), settings.fusion), []


_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_PUNCTUATION = re.compile(r"[^\w\s'’-]")


def _query_text(parsed: ParsedQuery) -> str:
    """The words the query means, without operators, fields and bare years."""
    text = plain_words_query(parsed.text)
    text = _YEAR.sub(" ", text) if parsed.bare_years else text
    # Punctuation is text in the query language ("…Taiwan?"): the same words, the same vector.
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def _plain_words(parsed: ParsedQuery) -> bool:
    """Only words (no phrase, operator, field or prefix): dense may add candidates. Any
    other query keeps exactly its lexical hits and is only re-ranked."""
    if parsed.must or parsed.must_not or not is_plain(parsed.text):
        return False
    return all(_is_words(c) for c in parsed.should)


def _is_words(q: wq.Query) -> bool:
    if isinstance(q, wq.Term):
        # A party named in a plain query also matches the party's paragraphs (understand.py).
        return q.fieldname in ("text", PARTY_FIELD)
    return isinstance(q, wq.Or) and all(_is_words(c) for c in q.children())
