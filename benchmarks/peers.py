"""The peers: SQLite FTS5 and Tantivy, doing the work our engine does for a search.

Each search returns the top 10 by BM25 with a highlighted excerpt, the total number of hits and
year and section facet counts over all hits. A hit is what it is for our engine: a paragraph
with at least `min_should(n)` of the query's n words (written natively as an OR of AND-ed
combinations), and with fewer words when that finds nothing; ranking is BM25 over the words.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from benchmarks.paragraphs import Para
from benchmarks.queries import min_should, words

TOP = 10
BATCH = 5000


@dataclass
class Outcome:
    """What a search returned, reduced to what the report checks."""

    total: int
    excerpts: list[str]
    years: dict[int, int] = field(default_factory=dict)
    sections: dict[str, int] = field(default_factory=dict)


class Engine(Protocol):
    name: str

    def search(self, query: str) -> Outcome: ...

    def add(self, paras: list[Para]) -> None: ...

    def close(self) -> None: ...


def tantivy_available() -> bool:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


# --- SQLite FTS5 -------------------------------------------------------------------------

FTS_SCHEMA = (
    "CREATE VIRTUAL TABLE p USING fts5("
    "text, doc UNINDEXED, number UNINDEXED, year UNINDEXED, section UNINDEXED, "
    "tokenize='porter unicode61')"
)
FTS_TOP = (
    "SELECT doc, number, snippet(p, 0, '<mark>', '</mark>', '…', 24), bm25(p) "
    "FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?"
)
FTS_FACETS = "SELECT year, section, count(*) FROM p WHERE p MATCH ? GROUP BY year, section"


def combinations_expr(terms: list[str], need: int) -> str:
    """`need` of the terms, in the AND / OR syntax that FTS5 and Tantivy both read."""
    quoted = [f'"{t}"' for t in terms]
    if need <= 1:
        return " OR ".join(quoted)
    groups = [" AND ".join(c) for c in itertools.combinations(quoted, need)]
    return groups[0] if len(groups) == 1 else " OR ".join(f"({g})" for g in groups)


def relaxations(query: str) -> list[tuple[list[str], int]]:
    """(terms, need) to try in turn: our rule first, then fewer words (soft AND)."""
    terms = words(query)
    first = min_should(len(terms))
    if first >= len(terms):
        return [(terms, first)]
    return [(terms, need) for need in range(first, 0, -1)]


def _fts_rows(paras: Iterable[Para]) -> Iterable[tuple[str, str, int, int, str]]:
    return ((p.text, p.doc, p.number, p.year, p.section) for p in paras)


def build_fts(paras: Iterable[Para], path: Path) -> int:
    """A new FTS5 database of the paragraphs (merged into one b-tree); returns the row count."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(FTS_SCHEMA)
        with con:
            con.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?)", _fts_rows(paras))
        with con:
            con.execute("INSERT INTO p(p) VALUES ('optimize')")
        return con.execute("SELECT count(*) FROM p").fetchone()[0]
    finally:
        con.close()


class FtsEngine:
    name = "fts5"

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path, check_same_thread=False)

    def search(self, query: str) -> Outcome:
        outcome = Outcome(0, [])
        for terms, need in relaxations(query):
            outcome = self._search(combinations_expr(terms, need))
            if outcome.total:
                break
        return outcome

    def _search(self, match: str) -> Outcome:
        years: Counter[int] = Counter()
        sections: Counter[str] = Counter()
        for year, section, count in self.con.execute(FTS_FACETS, (match,)):
            years[year] += count
            sections[section] += count
        if not years:
            return Outcome(0, [])
        top = self.con.execute(FTS_TOP, (match, TOP)).fetchall()
        return Outcome(sum(years.values()), [row[2] for row in top], dict(years), dict(sections))

    def add(self, paras: list[Para]) -> None:
        with self.con:
            self.con.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?)", _fts_rows(paras))

    def close(self) -> None:
        self.con.close()


# --- Tantivy -----------------------------------------------------------------------------


def tantivy_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=True, tokenizer_name="en_stem", index_option="position")
    builder.add_text_field("doc", stored=True, tokenizer_name="raw")
    builder.add_integer_field("number", stored=True)
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    builder.add_text_field("section", stored=True, tokenizer_name="raw", fast=True)
    return builder.build()


def _tantivy_doc(p: Para) -> Any:
    import tantivy

    return tantivy.Document(
        text=p.text, doc=p.doc, number=p.number, year=p.year, section=p.section or "-"
    )


def build_tantivy(paras: Iterable[Para], path: Path) -> int:
    """A new Tantivy index of the paragraphs (writer on all cores, merges awaited)."""
    import tantivy

    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(tantivy_schema(), path=str(path), reuse=False)
    writer = index.writer(heap_size=256_000_000)
    count = 0
    for p in paras:
        writer.add_document(_tantivy_doc(p))
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count


FACET_AGG = {
    "year": {"terms": {"field": "year", "size": 500}},
    "section": {"terms": {"field": "section", "size": 500}},
}


class TantivyEngine:
    name = "tantivy"

    def __init__(self, path: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.index = tantivy.Index.open(str(path))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def search(self, query: str) -> Outcome:
        outcome = Outcome(0, [])
        for terms, need in relaxations(query):
            outcome = self._search(terms, need)
            if outcome.total:
                break
        return outcome

    def _query(self, terms: list[str], need: int) -> tuple[Any, Any]:
        """(the query: `need` of the terms, scored by BM25 of all; the scoring part)."""
        scoring = self.index.parse_query(" ".join(terms), ["text"])
        if need <= 1:
            return scoring, scoring
        wanted = self.index.parse_query(combinations_expr(terms, need), ["text"])
        occur, query = self.tantivy.Occur, self.tantivy.Query
        combined = query.boolean_query(
            [(occur.Must, query.const_score_query(wanted, 0.0)), (occur.Should, scoring)]
        )
        return combined, scoring

    def _search(self, terms: list[str], need: int) -> Outcome:
        parsed, scoring = self._query(terms, need)
        result = self.searcher.search(parsed, TOP, count=True)
        if not result.count:
            return Outcome(0, [])
        generator = self.tantivy.SnippetGenerator.create(
            self.searcher, scoring, self.schema, "text"
        )
        excerpts = [
            generator.snippet_from_doc(self.searcher.doc(address)).to_html()
            for _score, address in result.hits
        ]
        aggs = self.searcher.aggregate(parsed, FACET_AGG)
        years = {int(b["key"]): b["doc_count"] for b in aggs["year"]["buckets"]}
        sections = {str(b["key"]): b["doc_count"] for b in aggs["section"]["buckets"]}
        return Outcome(result.count or 0, excerpts, years, sections)

    def add(self, paras: list[Para]) -> None:
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        for p in paras:
            writer.add_document(_tantivy_doc(p))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def close(self) -> None:
        self.searcher = None
