"""Running a query: the matching set, facet counts, ranking, sorting, excerpts, suggestions.

Matching works on sets of document numbers: each clause of the query gives a set, the soft
AND keeps documents found by enough clauses, and the facet filters are sets too. Facet counts
are intersections of sets (counted in C, not per hit in Python), and only the page of hits
that is shown is scored, excerpted and loaded.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import query as wq
from whoosh import scoring
from whoosh.index import Index
from whoosh.searching import Searcher

from searchapp.engine import store
from searchapp.engine.analysis import text_analyzer
from searchapp.engine.highlight import Excerpt, excerpt
from searchapp.engine.query import ParsedQuery, QueryRefused, parse

SORTS = ("relevance", "newest", "oldest")
DATE_UNIT = 10**12  # `order` is date_days * DATE_UNIT + document * 10**6 + paragraph
YEAR_BOOST = 6.0  # a bare year in the query lifts that year's paragraphs above the rest
REFRESH_EVERY = 0.5  # seconds between checks for a newer index
_ANALYZER = text_analyzer()


@dataclass
class Hit:
    fields: dict[str, object]
    score: float | None
    excerpt: Excerpt
    more_in_document: int = 0


@dataclass
class Facets:
    year: list[tuple[int, int]]  # (year, count); UNKNOWN_YEAR for unknown
    section: list[tuple[str, int]]


@dataclass
class Outcome:
    total: int
    hits: list[Hit]
    facets: Facets
    suggestion: str | None = None
    suggestion_used: bool = False
    notices: list[str] = field(default_factory=list)
    grouped: bool = False


@dataclass
class _Columns:
    """Per-generation lookups by document number, built once per reader."""

    live: frozenset[int]
    by_year: dict[int, frozenset[int]]
    by_section: dict[str, frozenset[int]]
    order: list[int]
    doc_of: list[str]


class IndexSearcher:
    """Answers queries from the live index; notices and opens a newer one when it appears.

    Thread-safe: the current searcher is swapped under a lock and each query runs on the one
    it started with.
    """

    def __init__(self, root: Path, max_query_length: int = 500, max_expansion: int = 2000):
        self.root = root
        self.max_query_length = max_query_length
        self.max_expansion = max_expansion
        self._lock = threading.Lock()
        self._ix: Index | None = None
        self._gen: Path | None = None
        self._searcher: Searcher | None = None
        self._columns: _Columns | None = None
        self._checked = 0.0
        self._sets: dict[str, frozenset[int]] = {}

    # -- keeping up with the index -------------------------------------------------------

    def _current(self) -> tuple[Searcher, _Columns, dict[str, frozenset[int]]]:
        with self._lock:
            now = time.monotonic()
            if self._searcher is None or now - self._checked > REFRESH_EVERY:
                self._checked = now
                self._refresh()
            assert self._searcher is not None and self._columns is not None
            return self._searcher, self._columns, self._sets

    def _refresh(self) -> None:
        gen = store.current_generation(self.root)
        if gen is None:
            raise store.IndexMissing(f"no index in {self.root}: run `searchapp index` first")
        if gen != self._gen or self._ix is None:
            ix, gen = store.open_current(self.root)
            self._ix, self._gen = ix, gen
            self._open(ix.searcher(weighting=scoring.BM25F(B=0.6, K1=1.2)))
        elif self._searcher is not None and not self._searcher.up_to_date():
            self._open(self._searcher.refresh())

    def _open(self, searcher: Searcher) -> None:
        self._searcher = searcher
        self._columns = _read_columns(searcher)
        self._sets = {}

    def generation(self) -> str:
        searcher, _, _ = self._current()
        return f"{self._gen.name if self._gen else ''}:{searcher.reader().generation()}"

    def doc_count(self) -> int:
        _, columns, _ = self._current()
        return len(columns.live)

    def stems_for(self, text: str) -> frozenset[str]:
        """The index terms a query searches for in paragraph text (to mark them elsewhere)."""
        searcher, _, _ = self._current()
        try:
            parsed = parse(text, searcher, self.max_query_length, self.max_expansion)
        except QueryRefused:
            return frozenset()
        return _text_stems(parsed)

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
    ) -> Outcome:
        searcher, columns, cache = self._current()
        parsed = parse(text, searcher, self.max_query_length, self.max_expansion)
        outcome = self._run(
            searcher, columns, cache, parsed, set(years), set(sections), page, per_page, sort, group
        )
        if outcome.total == 0 and parsed.words:
            suggestion = suggest(searcher, parsed)
            if suggestion:
                retry = parse(suggestion, searcher, self.max_query_length, self.max_expansion)
                alt = self._run(
                    searcher,
                    columns,
                    cache,
                    retry,
                    set(years),
                    set(sections),
                    page,
                    per_page,
                    sort,
                    group,
                )
                if alt.total:
                    alt.suggestion, alt.suggestion_used = suggestion, True
                    alt.notices = parsed.notices
                    return alt
                outcome.suggestion = suggestion
        elif parsed.words and outcome.total < 3:
            outcome.suggestion = suggest(searcher, parsed)
        return outcome

    def _run(
        self,
        searcher: Searcher,
        columns: _Columns,
        cache: dict[str, frozenset[int]],
        parsed: ParsedQuery,
        years: set[int],
        sections: set[str],
        page: int,
        per_page: int,
        sort: str,
        group: bool,
    ) -> Outcome:
        def docset(q: wq.Query) -> frozenset[int]:
            key = repr(q)
            found = cache.get(key)
            if found is None:
                found = frozenset(searcher.docs_for_query(q))
                if len(cache) > 2048:
                    cache.clear()
                cache[key] = found
            return found

        year_set = _union(columns.by_year, years)
        section_set = _union(columns.by_section, sections)
        need = parsed.min_should
        while True:
            matched = _matching(parsed, columns, docset, need)
            in_sections = matched if section_set is None else matched & section_set
            in_years = matched if year_set is None else matched & year_set
            hits_set = in_sections if year_set is None else in_sections & year_set
            # Soft AND: when no paragraph has enough of the words, ask for fewer, down to half.
            if hits_set or need <= _loosest(len(parsed.should)):
                break
            need -= 1
        facets = Facets(
            year=_counts(columns.by_year, in_sections, years),
            section=_counts(columns.by_section, in_years, sections),
        )
        start = (page - 1) * per_page
        stems = _text_stems(parsed)
        if group:
            ranked, more = self._grouped(
                searcher, columns, parsed, hits_set, start + per_page, sort
            )
            total = len({columns.doc_of[d] for d in hits_set})
        else:
            ranked = self._rank(searcher, columns, parsed, hits_set, start + per_page, sort)
            more = {}
            total = len(hits_set)
        hits = []
        for docnum, score in ranked[start:]:
            stored = searcher.stored_fields(docnum)
            hits.append(
                Hit(stored, score, excerpt(str(stored["text"]), stems), more.get(docnum, 0))
            )
        return Outcome(total, hits, facets, notices=list(parsed.notices), grouped=group)

    def _rank(
        self,
        searcher: Searcher,
        columns: _Columns,
        parsed: ParsedQuery,
        allowed: frozenset[int],
        limit: int,
        sort: str,
    ) -> list[tuple[int, float | None]]:
        if not allowed or limit <= 0:
            return []
        scoring_q = _scoring_query(parsed)
        if sort == "relevance" and scoring_q is not None:
            results = searcher.search(scoring_q, filter=set(allowed), limit=limit)
            return [(r.docnum, float(r.score)) for r in results]
        order = columns.order
        if sort == "newest":
            key = lambda d: (-(order[d] // DATE_UNIT), order[d] % DATE_UNIT)  # noqa: E731
        else:
            key = order.__getitem__
        return [(d, None) for d in heapq.nsmallest(limit, allowed, key=key)]

    def _grouped(
        self,
        searcher: Searcher,
        columns: _Columns,
        parsed: ParsedQuery,
        allowed: frozenset[int],
        limit: int,
        sort: str,
    ) -> tuple[list[tuple[int, float | None]], dict[int, int]]:
        """The best paragraph of each document, and how many more it has."""
        per_doc = Counter(columns.doc_of[d] for d in allowed)
        depth = limit * 4
        while True:
            ranked = self._rank(searcher, columns, parsed, allowed, depth, sort)
            best: dict[str, tuple[int, float | None]] = {}
            for docnum, score in ranked:
                best.setdefault(columns.doc_of[docnum], (docnum, score))
            if len(best) >= limit or len(ranked) >= len(allowed):
                break
            depth *= 4
        chosen = list(best.values())[:limit]
        more = {d: per_doc[columns.doc_of[d]] - 1 for d, _ in chosen}
        return chosen, more


def _read_columns(searcher: Searcher) -> _Columns:
    reader = searcher.reader()
    n = reader.doc_count_all()
    live = frozenset(reader.all_doc_ids())
    years = list(reader.column_reader("year")) if n else []
    sections = list(reader.column_reader("section")) if n else []
    order = list(reader.column_reader("order")) if n else []
    doc_of = list(reader.column_reader("doc_id")) if n else []
    by_year: dict[int, set[int]] = {}
    by_section: dict[str, set[int]] = {}
    for d in live:
        by_year.setdefault(int(years[d]), set()).add(d)
        by_section.setdefault(_text(sections[d]), set()).add(d)
    return _Columns(
        live=live,
        by_year={k: frozenset(v) for k, v in by_year.items()},
        by_section={k: frozenset(v) for k, v in by_section.items()},
        order=[int(o) for o in order],
        doc_of=[_text(d) for d in doc_of],
    )


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _loosest(clauses: int) -> int:
    return 1 if clauses <= 2 else math.ceil(clauses / 2)


def _matching(parsed: ParsedQuery, columns: _Columns, docset, need: int) -> frozenset[int]:  # type: ignore[no-untyped-def]
    matched: frozenset[int] = columns.live
    if parsed.should:
        sets = [docset(c) for c in parsed.should]
        matched = frozenset.intersection(*sets) if need >= len(sets) else _at_least(sets, need)
    for q in parsed.must:
        matched &= docset(q)
    if parsed.match is None and parsed.bare_years:
        matched &= _union(columns.by_year, set(parsed.bare_years)) or frozenset()
    for q in parsed.must_not:
        matched -= docset(q)
    return matched & columns.live


def _at_least(sets: list[frozenset[int]], need: int) -> frozenset[int]:
    counts: Counter[int] = Counter()
    for s in sets:
        counts.update(s)
    return frozenset(d for d, c in counts.items() if c >= need)


def _union(index: dict, chosen: set) -> frozenset[int] | None:  # type: ignore[type-arg]
    if not chosen:
        return None
    out: set[int] = set()
    for value in chosen:
        out |= index.get(value, frozenset())
    return frozenset(out)


def _counts(index: dict, within: frozenset[int], selected: set) -> list:  # type: ignore[type-arg]
    """Count of `within` per facet value; selected values are listed even at zero."""
    counts = [(value, len(within & docs)) for value, docs in index.items()]
    return [(v, c) for v, c in counts if c or v in selected]


def _scoring_query(parsed: ParsedQuery) -> wq.Query | None:
    parts: list[wq.Query] = list(parsed.should)
    if not parts:
        return None
    if parsed.proximity is not None:
        parts.append(parsed.proximity)
    terms = [t for t in parsed.should if isinstance(t, wq.Term) and t.fieldname == "text"]
    for t in terms:  # title and section name count, more weakly (BM25F over three fields)
        parts.append(wq.Term("doc_title", t.text, boost=0.3))
        parts.append(wq.Term("section_text", t.text, boost=0.3))
    for year in parsed.bare_years:
        parts.append(wq.ConstantScoreQuery(wq.Term("year", year), score=YEAR_BOOST))
    # The coordination bonus ranks paragraphs with all the words above those with most.
    return wq.Or(parts, scale=0.9)


def _text_stems(parsed: ParsedQuery) -> frozenset[str]:
    stems: set[str] = set()
    for clause in parsed.should:
        for fieldname, text in clause.iter_all_terms():
            if fieldname == "text":
                stems.add(_text(text))
    return frozenset(stems)


def suggest(searcher: Searcher, parsed: ParsedQuery) -> str | None:
    """A "did you mean" from the index vocabulary: each rare word that has a much more
    frequent neighbour within two edits is replaced by it."""
    analyzer = _ANALYZER
    reader = searcher.reader()
    corrector = searcher.corrector("text")
    text = parsed.text
    changed = False
    for word in dict.fromkeys(parsed.words):
        stems = [t.text for t in analyzer(word)]
        if not stems or len(word) < 4 or word.isdigit():
            continue
        freq = reader.doc_frequency("text", stems[0])
        if freq >= 3:
            continue
        for candidate in corrector.suggest(word, limit=5, maxdist=2):
            cand_stems = [t.text for t in analyzer(candidate)]
            if not cand_stems or cand_stems[0] == stems[0]:
                continue
            cand_freq = reader.doc_frequency("text", cand_stems[0])
            # An unknown word takes any known neighbour; a rare one only a far commoner one.
            if (freq == 0 and cand_freq) or cand_freq >= max(3, freq * 5):
                text = _replace_word(text, word, candidate)
                changed = True
                break
    return text if changed else None


def _replace_word(text: str, word: str, replacement: str) -> str:
    def keep_case(m: re.Match[str]) -> str:
        found = m.group(0)
        if found.isupper():
            return replacement.upper()
        return replacement.capitalize() if found[:1].isupper() else replacement

    return re.sub(rf"\b{re.escape(word)}\b", keep_case, text, flags=re.IGNORECASE)
