"""Running a query: the matching set, facet counts, ranking, sorting, excerpts, suggestions.

Per index generation, what queries need is held as NumPy arrays indexed by document number
(live documents, year, section and document codes, reading order, field lengths; memory-mapped
from what the writer saved, see `decoded`), and posting lists are decoded into arrays once
and kept. A query is then array arithmetic:
clause masks, a soft-AND count, facet counts by `bincount` over all hits (each facet
without its own filter), BM25F scores summed per term, and only the page that is shown is
loaded from Whoosh, re-ranked for proximity and excerpted. Cost grows with the posting
lists a query touches, never with Python loops over its hits.

Every sort is a total order: its key, then reading order (`order`: document date, the
order documents were first indexed, paragraph number), then document number.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
from whoosh import query as wq
from whoosh.index import Index
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from searchapp.engine import decoded, dense, store
from searchapp.engine.highlight import Excerpt, excerpt, mark_spans
from searchapp.engine.party_facet import named_parties_held, party_counts, party_filter
from searchapp.engine.postings import term_positions, term_postings
from searchapp.engine.query import ParsedQuery, QueryRefused, parse
from searchapp.engine.suggest import has_unknown_word, is_close, suggest
from searchapp.engine.vocabulary import Vocabulary

SORTS = ("relevance", "newest", "oldest")
DATE_UNIT = 10**12  # `order` is date_days * DATE_UNIT + document * 10**6 + paragraph
REFRESH_EVERY = 0.5  # seconds between checks for a newer index
# BM25F: paragraph text counts fully, the document title and section name weakly.
T = TypeVar("T")
FIELD_WEIGHTS = {"text": 1.0, "doc_title": 0.3, "section_text": 0.3}
K1, B = 0.9, 0.6  # k1 from a sweep over the relevance collection (0.7-0.9 plateau)
RERANK_DEPTH = 30  # the best candidates are re-ranked for proximity
NEAR = 8  # words this close count as near each other
NEAR_BONUS = 1.25  # all the words within a few words of each other
EXACT_BONUS = 1.5  # all the words as a phrase
YEAR_TIER = 1e6  # paragraphs of a bare year in the query rank above all others
PARTY_BOOST = 2.0  # score factor for the paragraphs of each party the query names
MAX_SUGGEST_WORDS = 8  # "did you mean" for queries of at most this many distinct words
MAX_POSITIONS = 1000  # positions of a word per paragraph that the re-rank looks at
MEMO_SIZE = 256  # values a service keeps per index snapshot (IndexSearcher.remembered)
CACHE_BUDGET = 8_000_000  # document numbers held in cached posting lists and masks


@dataclass
class Hit:
    fields: dict[str, object]
    score: float | None
    excerpt: Excerpt
    more_in_document: int = 0
    # Where the query matched when not in the paragraph's own words: "note" (an editorial
    # footnote, `note_excerpt` shows it) or "heading" (the printed heading it opens).
    matched_in: str | None = None
    note_excerpt: Excerpt | None = None


@dataclass
class Facets:
    year: list[tuple[int, int]]  # (year, count); UNKNOWN_YEAR (0) for unknown
    section: list[tuple[str, int]]
    party: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Outcome:
    total: int
    hits: list[Hit]
    facets: Facets
    suggestion: str | None = None
    suggestion_used: bool = False
    notices: list[str] = field(default_factory=list)
    grouped: bool = False


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class _Snapshot:
    """One index generation as arrays, plus the posting lists and masks read from it."""

    def __init__(self, searcher: Searcher, gen: Path) -> None:
        reader = searcher.reader()
        self.searcher = searcher
        self.vocabulary = Vocabulary(gen)
        self.reader: IndexReader = reader
        self.n = reader.doc_count_all()
        self.stored_names = list(reader.schema.stored_names())
        # Memory-mapped from the generation folder where the writer saved them (milliseconds),
        # decoded from Whoosh's columns only for a generation saved without them.
        arrays = decoded.open_arrays(gen, reader)
        self.live = arrays.live
        self.live_count = int(self.live.sum())
        self.years, self.year_code = arrays.years, arrays.year_code
        self.sections, self.section_code = arrays.sections, arrays.section_code
        self.known_years = frozenset(int(y) for y in self.years)
        # An index built before parties were a field has none.
        has_parties = "parties" in reader.schema
        self.parties = [_text(v) for v in reader.lexicon("parties")] if has_parties else []
        self.known_parties = frozenset(self.parties)
        self.docs, self.doc_code = arrays.docs, arrays.doc_code
        self.order = arrays.order
        self.lengths = {f: arrays.lengths[f] for f in FIELD_WEIGHTS}
        self.avg_length = {
            f: float(lengths[self.live].mean()) if self.live_count else 1.0
            for f, lengths in self.lengths.items()
        }
        self._cache: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0
        self._suggestions: dict[str, str | None] = {}
        self.memo: OrderedDict[object, object] = OrderedDict()  # see IndexSearcher.remembered
        self._lock = threading.Lock()
        # Whoosh readers seek and read shared file objects: one query at a time per process
        # (gunicorn runs one process per worker, so this only serialises threads).
        self.reading = threading.Lock()
        self.dense = dense.Vectors(gen, reader)

    def stored(self, docnum: int) -> dict[str, object]:
        """Every stored field of a paragraph, None where it has no value: Whoosh leaves out
        the fields a document was added without (a paragraph of an undated document has no
        `date`), and callers must not have to know which fields may be missing."""
        found = self.searcher.stored_fields(docnum)
        return {name: found.get(name) for name in self.stored_names}

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        key = (fieldname, text)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = term_postings(self.reader, fieldname, text)
        self._remember(key, found)
        return found

    def frequency(self, term: str) -> int:
        """Paragraphs holding an index term of the text (from the cached posting list)."""
        return len(self.postings("text", term)[0])

    def docs_of(self, q: wq.Query) -> np.ndarray:
        """Document numbers matching a clause Whoosh has to evaluate (phrases, ranges)."""
        key = ("", repr(q))
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found[0]
        ids = np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)
        self._remember(key, (ids, ids))
        return ids

    def _remember(self, key: tuple[str, str], value: tuple[np.ndarray, np.ndarray]) -> None:
        with self._lock:
            self._cache[key] = value
            self._cached += len(value[0])
            while self._cached > CACHE_BUDGET and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached -= len(dropped[0])

    def suggestion(self, parsed: ParsedQuery) -> str | None:
        """`suggest`, remembered: walking the vocabulary costs tens of milliseconds."""
        with self._lock:
            if parsed.text in self._suggestions:
                return self._suggestions[parsed.text]
        found = suggest(self.reader, self.vocabulary, parsed)
        with self._lock:
            if len(self._suggestions) > 10_000:
                self._suggestions.clear()
            self._suggestions[parsed.text] = found
        return found

    def mask(self, ids: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[ids] = True
        return out

    def value_mask(
        self, codes: np.ndarray, values: list[object], chosen: Iterable[object]
    ) -> np.ndarray:
        chosen = set(chosen)
        wanted = [i for i, v in enumerate(values) if v in chosen]
        return np.isin(codes, np.array(wanted, dtype=np.int32))


class IndexSearcher:
    """Answers queries from the live index; notices and opens a newer one when it appears.

    Thread-safe: the current snapshot is swapped under a lock and each query runs on the one
    it started with.
    """

    def __init__(self, root: Path, max_query_length: int = 500, max_expansion: int = 2000):
        self.root = root
        self.max_query_length = max_query_length
        self.max_expansion = max_expansion
        self._lock = threading.Lock()
        self._ix: Index | None = None
        self._gen: Path | None = None
        self._snap: _Snapshot | None = None
        self._checked = 0.0

    # -- keeping up with the index -------------------------------------------------------

    def _current(self) -> _Snapshot:
        with self._lock:
            now = time.monotonic()
            if self._snap is None or now - self._checked > REFRESH_EVERY:
                self._checked = now
                self._refresh()
            assert self._snap is not None
            return self._snap

    def recheck(self) -> None:
        """Look for a newer index at the next search, not only every REFRESH_EVERY seconds:
        the caller has just written one (an add from the web) and searches next."""
        with self._lock:
            self._checked = -math.inf

    def _refresh(self) -> None:
        gen = store.current_generation(self.root)
        if gen is None:
            raise store.IndexMissing(f"no index in {self.root}: run `searchapp index` first")
        if gen != self._gen or self._ix is None or self._snap is None:
            ix, gen = store.open_current(self.root)
            self._ix, self._gen = ix, gen
            self._snap = _Snapshot(ix.searcher(), gen)
        elif not self._snap.searcher.up_to_date():
            self._snap = _Snapshot(self._snap.searcher.refresh(), self._gen)

    def _parse(self, snap: _Snapshot, text: str) -> ParsedQuery:
        return parse(
            text,
            snap.searcher,
            snap.vocabulary,
            self.max_query_length,
            self.max_expansion,
            snap.known_years,
            snap.known_parties,
        )

    def parsed(self, text: str) -> ParsedQuery:
        """What the engine makes of a query (the tests count its clauses and terms)."""
        snap = self._current()
        with snap.reading:
            return self._parse(snap, text)

    def remembered(self, key: object, compute: Callable[[], T]) -> T:
        """`compute()`, remembered while the index stays as it is: a service may keep what
        depends only on the index (the paragraphs of each year under some filters) this way,
        and is never answered from an index that has changed since."""
        memo = self._current().memo
        if key in memo:
            memo.move_to_end(key)
            return memo[key]  # type: ignore[return-value]
        value = compute()
        memo[key] = value
        if len(memo) > MEMO_SIZE:
            memo.popitem(last=False)
        return value

    def stems_for(self, text: str) -> frozenset[str]:
        """The index terms a query searches for in paragraph text (to mark them elsewhere)."""
        snap = self._current()
        try:
            with snap.reading:
                parsed = self._parse(snap, text)
        except QueryRefused:
            return frozenset()
        return _text_stems(parsed)

    def phrases_for(self, text: str) -> tuple[frozenset[tuple[str, ...]], frozenset[str]]:
        """The query's exact phrases (as index terms) and the terms it searches on their own:
        a word of a phrase is a match only inside the phrase (see `highlight.keep_phrases`)."""
        snap = self._current()
        try:
            with snap.reading:
                parsed = self._parse(snap, text)
        except QueryRefused:
            return frozenset(), frozenset()
        return _text_phrases(parsed)

    # -- searching --------------------------------------------------------------------

    def search(
        self,
        text: str,
        years: Iterable[int] = (),
        sections: Iterable[str] = (),
        page: int = 1,
        per_page: int = 10,
        sort: str = "relevance",
        group: bool = False,
        parties: Iterable[str] = (),
    ) -> Outcome:
        snap = self._current()
        with snap.reading:
            return self._search(
                snap, text, (set(years), set(sections), page, per_page, sort, group, set(parties))
            )

    def _search(self, snap: _Snapshot, text: str, filters: tuple) -> Outcome:  # type: ignore[type-arg]
        parsed = self._parse(snap, text)
        outcome = _run(snap, parsed, *filters)
        # A correction walks the vocabulary once per unknown word: offered for queries of a
        # few words only, so that a query of 30 misspellings cannot take seconds.
        correctable = 0 < len(set(parsed.words)) <= MAX_SUGGEST_WORDS
        unknown = correctable and has_unknown_word(snap.frequency, parsed)
        if unknown or (outcome.total == 0 and correctable):
            suggestion = snap.suggestion(parsed)
            outcome.suggestion = suggestion
            # An unknown word that soft AND left out, or no hits at all: show the suggestion's
            # results, and say so.
            if suggestion and is_close(parsed.text, suggestion):
                retry = self._parse(snap, suggestion)
                alt = _run(snap, retry, *filters)
                if alt.total:
                    alt.suggestion, alt.suggestion_used = suggestion, True
                    alt.notices = [*parsed.notices, *retry.also_searched]
                    return alt
        return outcome


def _run(
    snap: _Snapshot,
    parsed: ParsedQuery,
    years: set[int],
    sections: set[str],
    page: int,
    per_page: int,
    sort: str,
    group: bool,
    parties: set[str] = frozenset(),  # type: ignore[assignment]
) -> Outcome:
    year_mask = snap.value_mask(snap.year_code, snap.years, years) if years else None
    party_mask = party_filter(snap, parties)
    section_mask = (
        snap.value_mask(snap.section_code, snap.sections, _resolve_sections(snap, sections))
        if sections
        else None
    )
    clause_masks, counts = _clause_counts(snap, parsed)
    base = _base_mask(snap, parsed)
    need = parsed.min_should
    while True:
        matched = base & (counts >= need) if clause_masks else base
        unfiltered = matched
        if party_mask is not None:
            matched = matched & party_mask
        in_sections = matched if section_mask is None else matched & section_mask
        hits = in_sections if year_mask is None else in_sections & year_mask
        # Soft AND: when no paragraph has enough of the words, ask for fewer, down to half.
        if not clause_masks or hits.any() or need <= _loosest(len(clause_masks)):
            break
        need -= 1
    in_years = matched if year_mask is None else matched & year_mask
    relevance = sort == "relevance" and bool(clause_masks)
    meaning, notices = dense.for_query(snap.dense, parsed) if relevance else (None, [])
    apart = meaning is not None and dense.words_apart(base, counts, len(clause_masks))
    if apart:
        # Dense candidates come from inside the party filter too (the only filter not a facet
        # of the widened masks).
        in_years, in_sections, hits = meaning.widen(
            _filtered(snap.live, party_mask), year_mask, section_mask, in_years, in_sections, hits
        )
    facets = Facets(
        year=_counts(snap.years, snap.year_code, in_sections, years),
        section=_counts(snap.sections, snap.section_code, in_years, sections),
        party=party_counts(snap, _filtered(unfiltered, section_mask, year_mask), parties),
    )
    hit_ids = np.flatnonzero(hits)
    start, stop = (page - 1) * per_page, page * per_page
    reading = snap.order[hit_ids]
    if relevance:
        lexical = _scores(snap, parsed, clause_masks, counts, hit_ids)
        if meaning is not None:
            complete = counts[hit_ids] >= len(clause_masks)
            lexical = meaning.fuse(lexical, hit_ids, complete, YEAR_TIER, apart)
        keys = -lexical.astype(np.float64)
    else:
        keys = _date_keys(reading, newest=sort == "newest")
    more: dict[int, int] = {}
    if group:
        ranked, more = _grouped(snap, hit_ids, (keys, reading), start, stop)
        total = len(np.unique(snap.doc_code[hit_ids]))
    else:
        # The re-rank may lift any of the first RERANK_DEPTH candidates onto the first page.
        limit = max(stop, RERANK_DEPTH) if relevance else stop
        ranked = _top(hit_ids, (keys, reading), limit)
        total = len(hit_ids)
    scores: dict[int, float] = {}
    if relevance:
        shown = np.array(ranked, dtype=np.int64)
        scores = dict(zip(ranked, (-keys[np.searchsorted(hit_ids, shown)]).tolist(), strict=True))
    if relevance and start < RERANK_DEPTH and not group:
        ranked = _rerank(snap, parsed, ranked[:RERANK_DEPTH], scores) + ranked[RERANK_DEPTH:]
    stems = _text_stems(parsed)
    page_hits = []
    for d in ranked[start:stop]:
        stored = snap.stored(d)
        hit = Hit(
            stored,
            scores.get(d) if relevance else None,
            excerpt(str(stored["text"] or ""), stems),
            more.get(d, 0),
        )
        if stems and not hit.excerpt.marks:
            _match_elsewhere(hit, stems)
        page_hits.append(hit)
    notices = [*parsed.notices, *parsed.also_searched, *notices]
    return Outcome(total, page_hits, facets, notices=notices, grouped=group)


def _clause_counts(snap: _Snapshot, parsed: ParsedQuery) -> tuple[list[np.ndarray], np.ndarray]:
    """Which paragraphs each soft clause matches, and how many clauses each matches."""
    clause_masks = [_clause_mask(snap, c) for c in parsed.should]
    counts = np.zeros(snap.n, dtype=np.int16)
    for m in clause_masks:
        counts += m
    return clause_masks, counts


def _filtered(mask: np.ndarray, *filters: np.ndarray | None) -> np.ndarray:
    for f in filters:
        if f is not None:
            mask = mask & f
    return mask


def _match_elsewhere(hit: Hit, stems: frozenset[str]) -> None:
    """Say where a hit matched when its own words do not show the query: a note, a heading."""
    for note in hit.fields.get("notes") or []:  # type: ignore[attr-defined]
        found = excerpt(str(note), stems)
        if found.marks:
            hit.matched_in, hit.note_excerpt = "note", found
            return
    if mark_spans(str(hit.fields.get("heading") or ""), stems):
        hit.matched_in = "heading"


def _resolve_sections(snap: _Snapshot, sections: set[str]) -> set[str]:
    """A section filter names a section exactly (a facet click) or by part of its name, in
    any case ("trade" on the command line)."""
    names = [str(v) for v in snap.sections]
    resolved = set()
    for wanted in sections:
        exact = [n for n in names if n.lower() == wanted.lower()]
        resolved |= set(exact or [n for n in names if wanted.lower() in n.lower()] or [wanted])
    return resolved


def _loosest(clauses: int) -> int:
    return 1 if clauses <= 2 else math.ceil(clauses / 2)


def _base_mask(snap: _Snapshot, parsed: ParsedQuery) -> np.ndarray:
    mask = snap.live.copy()
    for q in parsed.must:
        mask &= _clause_mask(snap, q)
    for q in parsed.must_not:
        mask &= ~_clause_mask(snap, q)
    if not parsed.should and parsed.bare_years:
        mask &= snap.value_mask(snap.year_code, snap.years, parsed.bare_years)
    return mask


def _clause_mask(snap: _Snapshot, q: wq.Query) -> np.ndarray:
    """Which documents a clause matches, from posting arrays where the clause is made of
    terms, from Whoosh where it needs positions or ranges."""
    if isinstance(q, wq.Term) and isinstance(q.text, str):
        return snap.mask(snap.postings(q.fieldname, q.text)[0])
    if isinstance(q, wq.Or):
        out = np.zeros(snap.n, dtype=bool)
        for child in q.children():
            out |= _clause_mask(snap, child)
        return out
    if isinstance(q, wq.And):
        out = np.ones(snap.n, dtype=bool)
        for child in q.children():
            out &= _clause_mask(snap, child)
        return out
    if isinstance(q, wq.Not):
        return ~_clause_mask(snap, q.query)
    if isinstance(q, wq.NullQuery.__class__):
        return np.zeros(snap.n, dtype=bool)
    if isinstance(q, wq.NumericRange) and q.fieldname == "year":
        # Years from the codes; an open range never includes the unknown year (stored as 0).
        low, high = q.start or 1, q.end or 9999
        chosen = [y for y in snap.years if low <= y <= high]  # type: ignore[operator]
        return snap.value_mask(snap.year_code, snap.years, chosen)
    return snap.mask(snap.docs_of(q))


def _counts(values: list[object], codes: np.ndarray, within: np.ndarray, selected: set) -> list:  # type: ignore[type-arg]
    """Count of `within` per facet value; selected values are listed even at zero."""
    counts = np.bincount(codes[within], minlength=len(values)) if len(values) else []
    return [(v, int(c)) for v, c in zip(values, counts, strict=False) if c or v in selected]


def _scores(
    snap: _Snapshot,
    parsed: ParsedQuery,
    clause_masks: list[np.ndarray],
    counts: np.ndarray,
    hit_ids: np.ndarray,
) -> np.ndarray:
    """BM25F of every hit, times the square of the share of clauses it matches (all the
    words first, then most of them); paragraphs of a bare year in the query first."""
    scores = np.zeros(snap.n, dtype=np.float32)
    n_live = max(snap.live_count, 1)
    for clause, cmask in zip(parsed.should, clause_masks, strict=True):
        terms = {_text(t) for f, t in clause.iter_all_terms() if f == "text"}
        for term in terms:
            for fieldname, weight in FIELD_WEIGHTS.items():
                ids, tf = snap.postings(fieldname, term)
                if not len(ids):
                    continue
                idf = math.log(1 + (n_live - len(ids) + 0.5) / (len(ids) + 0.5))
                norm = K1 * (1 - B + B * snap.lengths[fieldname][ids] / snap.avg_length[fieldname])
                contribution = weight * idf * tf * (K1 + 1) / (tf + norm)
                inside = cmask[ids]
                scores[ids[inside]] += contribution[inside]
    share = counts[hit_ids] / max(len(clause_masks), 1)
    out = scores[hit_ids] * share * share
    if parsed.bare_years:
        out += YEAR_TIER * snap.value_mask(snap.year_code, snap.years, parsed.bare_years)[hit_ids]
    if parsed.bare_parties:
        out *= PARTY_BOOST ** named_parties_held(snap, parsed.bare_parties, hit_ids)
    return out


def _date_keys(order: np.ndarray, newest: bool) -> np.ndarray:
    """Sort keys of the date orders, exact integers: `order` is about 7e17, beyond what a
    float64 holds exactly, so as floats neighbouring paragraphs would tie."""
    if not newest:
        return order
    # Newest document first, each still in reading order.
    return -(order // DATE_UNIT) * DATE_UNIT + order % DATE_UNIT


def _ranking(hit_ids: np.ndarray, keys: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Positions of `hit_ids` in a total order: the sort key, then reading order (oldest
    document first, paragraph order), then document number, which no two hits share."""
    primary, reading = keys
    return np.lexsort((hit_ids, reading, primary))


def _top(hit_ids: np.ndarray, keys: tuple[np.ndarray, np.ndarray], limit: int) -> list[int]:
    """The first `limit` hits in the total order of `_ranking`.

    Only hits whose key is at most the `limit`-th smallest are sorted, all of those tied with
    it included, so that every page cuts the same total order (a partition that picked some
    of the tied hits would repeat some rows on the next page and never show others).
    """
    primary, reading = keys
    if limit < len(primary):
        kth = np.partition(primary, limit - 1)[limit - 1]
        part = np.flatnonzero(primary <= kth)
    else:
        part = np.arange(len(primary))
    part = part[_ranking(hit_ids[part], (primary[part], reading[part]))][:limit]
    return hit_ids[part].tolist()


def _grouped(
    snap: _Snapshot,
    hit_ids: np.ndarray,
    keys: tuple[np.ndarray, np.ndarray],
    start: int,
    stop: int,
) -> tuple[list[int], dict[int, int]]:
    """The best paragraph of each document in rank order, and how many more it has."""
    order = _ranking(hit_ids, keys)
    docs = snap.doc_code[hit_ids[order]]
    _, first = np.unique(docs, return_index=True)
    best = order[np.sort(first)]
    chosen = hit_ids[best][:stop].tolist()
    per_doc = np.bincount(snap.doc_code[hit_ids], minlength=len(snap.docs))
    more = {d: int(per_doc[snap.doc_code[d]]) - 1 for d in chosen[start:]}
    return chosen, more


def _rerank(
    snap: _Snapshot, parsed: ParsedQuery, ranked: list[int], scores: dict[int, float]
) -> list[int]:
    """Words together (an exact phrase more than words near each other) above words apart."""
    words = _proximity_words(parsed)
    if len(words) < 2 or not ranked:
        return ranked
    positions = _positions(snap.reader, words, sorted(ranked))
    for d in ranked:
        span = _shortest_span(positions.get(d))
        if span is None:
            continue
        bonus = EXACT_BONUS if span == len(words) - 1 else NEAR_BONUS if span <= NEAR else 1.0
        tier = YEAR_TIER if scores[d] >= YEAR_TIER else 0.0
        scores[d] = tier + (scores[d] - tier) * bonus
    return sorted(ranked, key=lambda d: -scores[d])


def _proximity_words(parsed: ParsedQuery) -> list[str]:
    return [
        _text(c.text) for c in parsed.should if isinstance(c, wq.Term) and c.fieldname == "text"
    ]


def _positions(
    reader: IndexReader, words: list[str], docs: list[int]
) -> dict[int, list[list[int]]]:
    """Positions of each word in each of `docs` (sorted) that has them all."""
    per_word = [term_positions(reader, "text", word, docs) for word in words]
    return {d: [p[d] for p in per_word] for d in docs if all(d in p for p in per_word)}


def _shortest_span(positions: list[list[int]] | None) -> int | None:
    """The smallest distance between first and last word over windows holding every word,
    in query order (0-based positions; `len(words) - 1` is the exact phrase)."""
    if not positions:
        return None
    # Bounded whatever the paragraph: the first MAX_POSITIONS of each word, and a binary search
    # for the next position (a linear one made a long paragraph quadratic).
    positions = [p[:MAX_POSITIONS] for p in positions]
    best = None
    for start in positions[0]:
        pos = start
        for later in positions[1:]:
            at = bisect.bisect_right(later, pos)
            if at == len(later):
                break
            pos = later[at]
        else:
            if best is None or pos - start < best:
                best = pos - start
    return best


def _text_phrases(parsed: ParsedQuery) -> tuple[frozenset[tuple[str, ...]], frozenset[str]]:
    phrases: set[tuple[str, ...]] = set()
    loose: set[str] = set()
    for clause in parsed.should:
        for leaf in clause.leaves():
            if isinstance(leaf, wq.Phrase) and leaf.fieldname == "text":
                phrases.add(tuple(_text(w) for w in leaf.words))
            elif leaf.field() == "text":
                loose.update(_text(t) for f, t in leaf.iter_all_terms() if f == "text")
    return frozenset(phrases), frozenset(loose)


def _text_stems(parsed: ParsedQuery) -> frozenset[str]:
    stems: set[str] = set()
    for clause in parsed.should:
        for fieldname, text in clause.iter_all_terms():
            if fieldname == "text":
                stems.add(_text(text))
    return frozenset(stems)
