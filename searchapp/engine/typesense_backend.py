"""The Typesense backend: paragraphs in a Typesense collection, searched there.

One collection per index generation, named behind the alias `ALIAS`: a full re-index builds
a new collection and swaps the alias, so searches never see a half-built one. Documents are
paragraphs with the embedded index's fields; ids and pids come from the registry (the
indexer hands over `ParagraphRecord`s). Facets are disjunctive with a multi-search: the
search itself, plus one search per filtered facet without its own filter.

What Typesense cannot express of the query language (OR, parentheses, `party:`…) is searched
as plain words and the answer carries a notice (README, "Running on a cluster").
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

import typesense
from typesense import exceptions as ts_errors

from searchapp.engine.analysis import fold_word, text_analyzer
from searchapp.engine.highlight import excerpt
from searchapp.engine.query import QueryRefused
from searchapp.engine.schema import PARTY_SEPARATOR, UNKNOWN_YEAR, ParagraphRecord
from searchapp.engine.search import (
    DATE_UNIT,
    FIELD_WEIGHTS,
    K1,
    B,
    Facets,
    Hit,
    IndexSearcher,
    Outcome,
)
from searchapp.engine.search import _match_elsewhere as match_elsewhere
from searchapp.engine.store import IndexMissing

if TYPE_CHECKING:
    from searchapp.config import EngineSettings

T = TypeVar("T")
ALIAS = "searchapp_paragraphs"
PAGE_MAX = 250  # Typesense's largest page: bigger engine pages are fetched in parts
IMPORT_BATCH = 1000
WRITE_RETRIES, WRITE_RETRY_SECONDS = 12, 1.0
SETTLE_SECONDS = 10.0  # at most, for the followers to serve a commit (TypesenseIndex.settle)
FACET_VALUES = 1000
DROP_TOKENS_THRESHOLD = 10
FACETS = {"year": "year", "section": "section", "party": "parties"}
SORT_BY = {
    # Typesense 0.24's text match ties every paragraph holding the words alike: among them,
    # the shorter first, as BM25's length normalisation ranks them, then reading order.
    "relevance": "_text_match:desc,words:asc,order:asc",
    "newest": "days:desc,order:asc",  # newest document first, each in reading order
    "oldest": "order:asc",
}
# What is found: the terms the embedded engine indexes for the heading, text and notes
# (stop words dropped, Porter2 stems: Typesense 0.24 has no stemming). Its text match knows
# no term frequency nor paragraph length, so each term is also put in the tier fields its
# BM25F weight in the paragraph reaches (`term_weights`): with `text_match_type=max_weight`,
# a paragraph whose term weighs more ranks first, as BM25F ranks it.
TIERS = (
    ("stems", 0.0),
    ("stems_1_1", 1.1),
    ("stems_1_3", 1.3),
    ("stems_1_5", 1.5),
    ("stems_1_7", 1.7),
)
# BM25's average lengths, in terms, of the text, the document title and the section name
# (UN, DFAT: 36-45, 6-9, 2-4): a rough scale is all the tiers need.
TYPICAL_TERMS = {"text": 40, "doc_title": 7, "section_text": 3}
PLAIN = "searched"
FIELDS: list[dict[str, Any]] = [
    *({"name": name, "type": "string"} for name, _ in TIERS),
    {"name": PLAIN, "type": "string"},  # heading, text and notes as written (for typos)
    {"name": "doc_id", "type": "string", "facet": True},
    {"name": "pid", "type": "int32"},
    {"name": "section", "type": "string", "facet": True},
    {"name": "year", "type": "int32", "facet": True},
    {"name": "parties", "type": "string[]", "facet": True},
    {"name": "order", "type": "int64"},
    {"name": "days", "type": "int32"},
    {"name": "words", "type": "int32"},  # terms of the searched text (the length BM25 uses)
    # Shown, never searched.
    {"name": "paragraph", "type": "int32", "index": False, "optional": True},
    {"name": "text", "type": "string", "index": False, "optional": True},
    {"name": "section_label", "type": "string", "index": False, "optional": True},
    {"name": "date", "type": "string", "index": False, "optional": True},
    {"name": "doc_title", "type": "string", "index": False, "optional": True},
    {"name": "notes", "type": "string[]", "index": False, "optional": True},
    {"name": "heading", "type": "string", "index": False, "optional": True},
]
NOT_EXPRESSIBLE = "the Typesense engine cannot search with {what}: searched as plain words"


class EngineUnavailable(IndexMissing):
    """No node of the cluster answered (or it refused the request); the message says why.
    An IndexMissing, so every door answers it as an index not ready (503, a usage error)."""


def client(settings: EngineSettings, retries: int = 3, interval: float = 0.2) -> typesense.Client:
    return typesense.Client(
        {
            "nodes": list(settings.nodes),
            "api_key": settings.api_key,
            "connection_timeout_seconds": 2,
            "num_retries": retries,
            "retry_interval_seconds": interval,
            "healthcheck_interval_seconds": 2,
        }
    )


def terms(text: str) -> list[str]:
    """The terms the embedded index holds for `text`, in order."""
    return [t.text for t in text_analyzer()(text)]


def bm25_weight(tf: int, length: int, field: str = "text") -> float:
    """BM25's share of one term in one field (without the term's idf, which is the query's):
    how often it is said, against how long the field is."""
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / TYPICAL_TERMS[field]))


def term_weights(fields: dict[str, list[str]]) -> dict[str, float]:
    """Each term of the text: its BM25F weight, the title's and section's words included
    (weighted as the embedded engine weighs them)."""
    weights: dict[str, float] = {}
    for name, found in fields.items():
        counts = Counter(found)
        for term, tf in counts.items():
            if term in weights or name == "text":
                share = FIELD_WEIGHTS[name] * bm25_weight(tf, len(found), name)
                weights[term] = weights.get(term, 0.0) + share
    return weights


def _tiers(rec: ParagraphRecord, found: list[str]) -> dict[str, str]:
    """All the terms in order (phrases need their positions), then in each tier field the
    terms weighing at least its threshold."""
    fields = {"text": found, "doc_title": terms(rec.doc_title), "section_text": terms(rec.section)}
    weight = term_weights(fields)
    (first, _), *more = TIERS
    tiers = {name: " ".join(t for t in weight if weight[t] >= least) for name, least in more}
    return {first: " ".join(found), **tiers}


def _document(rec: ParagraphRecord) -> dict[str, Any]:
    found = terms(rec.searched_text())
    doc: dict[str, Any] = {
        "id": f"{rec.doc_id}:{rec.pid}",
        **_tiers(rec, found),
        PLAIN: rec.searched_text(),
        "doc_title": rec.doc_title,
        "doc_id": rec.doc_id,
        "pid": rec.pid,
        "section": rec.section,
        "year": rec.year or UNKNOWN_YEAR,
        "parties": [p.replace(PARTY_SEPARATOR, " ") for p in rec.parties],
        "order": rec.order,
        "days": rec.order // DATE_UNIT,
        "words": len(found),
        "paragraph": rec.paragraph,
        "text": rec.text,
        "section_label": rec.section_label,
        "notes": list(rec.notes),
        "heading": rec.heading,
    }
    if rec.date:
        doc["date"] = rec.date
    return doc


def _quoted(values: Iterable[object]) -> str:
    """A filter's list of values; strings in backticks (Typesense's quoting), which they
    cannot hold themselves."""
    return ",".join(
        str(v) if isinstance(v, int) else "`" + str(v).replace("`", "'") + "`" for v in values
    )


class TypesenseIndex:
    """The indexer's side: a full build into a new collection and an alias swap, or the
    replacement of some documents' paragraphs in the live one."""

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        # Writes go to the leader: one lost, the next is elected within seconds (8 s under
        # load in `make bench`), and a write waits for it rather than being owed.
        self.client = client(settings, WRITE_RETRIES, WRITE_RETRY_SECONDS)

    def settle(self, paragraphs: int, timeout: float = SETTLE_SECONDS) -> None:
        """Wait until every node that answers serves `paragraphs` paragraphs under the alias:
        followers apply the leader's log a moment later, and a search that follows a commit
        must find what it committed, whichever node it asks. A node that does not answer is
        left to catch up when it is back."""
        nodes = self._each_node()
        deadline = time.monotonic() + timeout
        while nodes and time.monotonic() < deadline:
            nodes = [n for n in nodes if _serves(n) not in (paragraphs, None)]
            if nodes:
                time.sleep(0.1)

    def _each_node(self) -> list[typesense.Client]:
        """A client per node, each asking that node only (the cluster's client fails over)."""
        return [client(replace(self.settings, nodes=(url,))) for url in self.settings.nodes]

    def live_count(self) -> int | None:
        """Paragraphs in the aliased collection; None when there is none yet, or when it
        was built with other fields (by an older searchapp: it must be built again)."""
        try:
            live = self.client.collections[ALIAS].retrieve()
        except ts_errors.ObjectNotFound:
            return None
        if [f["name"] for f in live["fields"]] != [f["name"] for f in FIELDS]:
            return None
        return int(live["num_documents"])

    def paragraphs_on_each_node(self, documents: int) -> list[dict[str, int]]:
        """How many paragraphs of each document every answering node holds under the alias
        (at most `documents` documents are counted). Asked of each node, not of the cluster:
        a node restarted after missing writes can serve fewer than the others (Typesense
        0.24 was seen to, while reporting the leader's Raft index)."""
        held = []
        for node in self._each_node():
            try:
                answer = node.collections[ALIAS].documents.search(
                    {
                        "q": "*",
                        "facet_by": "doc_id",
                        "max_facet_values": max(documents, 1),
                        "per_page": 0,
                    }
                )
            except ts_errors.ObjectNotFound:
                held.append({})
            except Exception:  # refused, timed out, lagging: down, not wrong
                continue
            else:
                held.append(dict(_facet(answer, "doc_id")))
        if not held:
            raise EngineUnavailable("no Typesense node answered")
        return held

    def rebuild(self, records: Iterable[ParagraphRecord]) -> None:
        name = f"{ALIAS}_{time.time_ns()}"
        self.client.collections.create({"name": name, "fields": FIELDS})
        try:
            for batch in _batches(records):
                self._import(name, batch, "create")
        except Exception:
            self.client.collections[name].delete()
            raise
        previous = self._aliased()
        self.client.aliases.upsert(ALIAS, {"collection_name": name})
        if previous is not None:
            self.client.collections[previous].delete()

    def replace(self, documents: dict[str, list[ParagraphRecord]]) -> None:
        """Make the collection hold exactly these paragraphs of these documents."""
        ids = sorted(documents)
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            self.client.collections[ALIAS].documents.delete(
                {"filter_by": f"doc_id:=[{_quoted(chunk)}]"}
            )
        records = [r for doc_id in ids for r in documents[doc_id]]
        for batch in _batches(records):
            self._import(ALIAS, batch, "upsert")

    def _aliased(self) -> str | None:
        try:
            return str(self.client.aliases[ALIAS].retrieve()["collection_name"])
        except ts_errors.ObjectNotFound:
            return None

    def _import(self, collection: str, batch: list[dict[str, Any]], action: str) -> None:
        answers = self.client.collections[collection].documents.import_(batch, {"action": action})
        failed = [a for a in answers if not a.get("success")]
        if failed:
            raise EngineUnavailable(f"Typesense refused {len(failed)} paragraphs: {failed[0]}")


def _serves(node: typesense.Client) -> int | None:
    """Paragraphs one node serves under the alias (-1: none yet), None if it does not answer."""
    try:
        return int(node.collections[ALIAS].retrieve()["num_documents"])
    except ts_errors.ObjectNotFound:
        return -1
    except Exception:  # refused, timed out: the node is down, not behind
        return None


def _batches(records: Iterable[ParagraphRecord]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for rec in records:
        batch.append(_document(rec))
        if len(batch) == IMPORT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# -- the query language, as far as Typesense can say it ------------------------------------

TOKEN = re.compile(r'-?"[^"]*"?|\S+')
FIELD = re.compile(r"(?i)^(year|section|doc|party):(.+)$")
YEARS = re.compile(r"^(\d{4})(?:\.\.(\d{4}))?$")


@dataclass
class Translated:
    q: str
    prefix: bool = False
    filters: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    typed: str = "*"  # the words as typed (folded, unstemmed): tried when `q` finds nothing
    query_by: tuple[str, ...] = tuple(name for name, _ in TIERS)

    def as_typed(self) -> Translated | None:
        """The same query over the words as written: Typesense's typo tolerance works on
        words, and a misspelt word's stem ("coopration": "cooprat") is far from the right
        one's ("cooper"). None when there is nothing else to try."""
        if self.typed in ("*", self.q) or self.query_by == (PLAIN,):
            return None
        return replace(self, q=self.typed, query_by=(PLAIN,))


def translate(text: str) -> Translated:
    """Our query language as Typesense's `q` (words, "phrases", -exclusions), a prefix flag
    and filters for `year:`/`section:`/`doc:`; what has no equivalent is noticed."""
    words: list[str] = []
    typed: list[str] = []
    out = Translated("*")
    lost: list[str] = []
    tokens = TOKEN.findall(text)
    for i, token in enumerate(tokens):
        if token in ("OR", "AND", "NOT"):
            if token == "OR":
                lost.append("OR")
            continue
        if "(" in token or ")" in token:
            lost.append("parentheses")
            token = token.replace("(", "").replace(")", "")
            if not token:
                continue
        if i and tokens[i - 1] == "NOT" and not token.startswith("-"):
            token = "-" + token
        found = FIELD.match(token.lstrip("-"))
        if found and not token.startswith('"'):
            if not _field_filter(found.group(1).lower(), found.group(2), out):
                lost.append(f"{found.group(1)}:")
            continue
        if token.endswith("*") and not token.startswith('"'):
            token = _folded(token.rstrip("*"))
            out.prefix = True
            if i != len(tokens) - 1:
                lost.append("a prefix before the last word")
            if token.strip("-"):
                words.append(token)
                typed.append(token)
            continue
        words += _as_terms(token)
        typed.append(_folded(token))
    if lost:
        out.notices.append(NOT_EXPRESSIBLE.format(what=", ".join(dict.fromkeys(lost))))
    positive = [w for w in words if not w.startswith("-")]
    out.q = " ".join(words) if positive else "*"
    out.typed = " ".join(typed) if positive else "*"
    return out


def _folded(token: str) -> str:
    """A token as written, lowercased and folded as the index folds words; a leading `-`
    (an exclusion) kept, which fold_word would drop with the other hyphens."""
    sign = "-" if token.startswith("-") else ""
    return sign + fold_word(token[len(sign) :].lower())


def _as_terms(token: str) -> list[str]:
    """A word, -word or "phrase" in the terms the collection holds (none for stop words)."""
    if token.startswith(("-", '"')) and token.lstrip("-").startswith('"'):
        sign = "-" if token.startswith("-") else ""
        found = terms(token.lstrip("-").strip('"'))
        return [f'{sign}"{" ".join(found)}"'] if found else []
    if token.startswith("-"):
        return ["-" + t for t in terms(token[1:])]
    return terms(token)


def _field_filter(name: str, value: str, out: Translated) -> bool:
    value = value.strip('"')
    if name == "year":
        found = YEARS.match(value)
        if found is None:
            return False
        low, high = found.group(1), found.group(2) or found.group(1)
        out.filters.append(f"year:[{low}..{high}]")
    elif name == "section":
        out.filters.append(f"section:[{_quoted([value])}]")
    elif name == "doc":
        out.filters.append(f"doc_id:=[{_quoted([value])}]")
    else:
        return False
    return True


# -- searching ------------------------------------------------------------------------------


class TypesenseSearcher:
    """The search service's engine on a Typesense cluster (see `backends.Searcher`).

    Highlighting uses the local index's analysis (`stems_for`, `phrases_for`), so excerpts
    are marked exactly as the embedded engine marks them.
    """

    def __init__(
        self, settings: EngineSettings, local: IndexSearcher, max_query_length: int
    ) -> None:
        self.client = client(settings)
        self.local = local
        self.max_query_length = max_query_length

    def stems_for(self, text: str) -> frozenset[str]:
        return self.local.stems_for(text)

    def phrases_for(self, text: str) -> tuple[frozenset[tuple[str, ...]], frozenset[str]]:
        return self.local.phrases_for(text)

    def recheck(self) -> None:
        self.local.recheck()  # the cluster itself is asked afresh at every search

    def remembered(self, key: object, compute: Callable[[], T]) -> T:
        # The cluster may change under any node at any time: nothing is kept.
        return compute()

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
        if len(text) > self.max_query_length:
            raise QueryRefused(f"the query is longer than {self.max_query_length} characters")
        query = translate(text)
        chosen = {
            "year": f"year:=[{_quoted(sorted(set(years)))}]" if years else "",
            "section": f"section:[{_quoted(sorted(set(sections)))}]" if sections else "",
            "party": f"parties:=[{_quoted(sorted(set(parties)))}]" if parties else "",
        }
        found = self._outcome(text, query, chosen, page, per_page, sort, group)
        typed = query.as_typed()
        if found.total == 0 and typed is not None:
            return self._outcome(text, typed, chosen, page, per_page, sort, group)
        return found

    def _outcome(
        self,
        text: str,
        query: Translated,
        chosen: dict[str, str],
        page: int,
        per_page: int,
        sort: str,
        group: bool,
    ) -> Outcome:
        base = {**self._params(query, sort, group), **self._filter(query, chosen)}
        searches, skip = _pages(base, page, per_page)
        # Each chosen facet is counted without its own filter (disjunctive facets).
        facet_searches = {
            name: {
                **self._params(query, sort, group=False),
                **self._filter(query, {**chosen, name: ""}),
                "facet_by": FACETS[name],
                "per_page": 0,
            }
            for name, chosen_filter in chosen.items()
            if chosen_filter
        }
        answers = self._multi(searches + list(facet_searches.values()))
        main = answers[: len(searches)]
        facets = dict(zip(facet_searches, answers[len(searches) :], strict=True))
        counts = {name: _facet(facets.get(name, main[0]), f) for name, f in FACETS.items()}
        rows = [row for answer in main for row in _rows(answer, group)][skip : skip + per_page]
        if group and rows:
            self._count_in_documents(query, chosen, rows)
        stems = self.stems_for(text) if text.strip() else frozenset()
        hits = [self._hit(row, stems, sort) for row in rows]
        return Outcome(
            total=int(main[0].get("found", 0)),
            hits=hits,
            facets=Facets(
                year=[(int(v), c) for v, c in counts["year"]],
                section=counts["section"],
                party=counts["party"],
            ),
            notices=query.notices,
            grouped=group,
        )

    def _count_in_documents(
        self, query: Translated, chosen: dict[str, str], rows: list[dict[str, Any]]
    ) -> None:
        """Each group's hits beyond its first (`more`): Typesense 0.24 does not count a
        group's hits, so one more search counts them per document of the page."""
        ids = [row["document"]["doc_id"] for row in rows]
        only = {**chosen, "doc": f"doc_id:=[{_quoted(ids)}]"}
        search = {
            **self._params(query, "relevance", group=False),
            **self._filter(query, only),
            "facet_by": "doc_id",
            "max_facet_values": len(ids),
            "per_page": 0,
        }
        counts = dict(_facet(self._multi([search])[0], "doc_id"))
        for row, doc_id in zip(rows, ids, strict=True):
            row["more"] = max(counts.get(doc_id, 1) - 1, 0)

    def _params(self, query: Translated, sort: str, group: bool) -> dict[str, Any]:
        params: dict[str, Any] = {
            "collection": ALIAS,
            "q": query.q,
            # Paragraphs are found by their own words (as the embedded engine finds them): a
            # word of the title alone would match every paragraph of the document.
            "query_by": ",".join(query.query_by),
            "query_by_weights": ",".join(str(rank) for rank in range(1, len(query.query_by) + 1)),
            "text_match_type": "max_weight",
            # Fewer paragraphs with all the words than a page: fill it with those holding
            # most of them, as the embedded engine's soft AND does.
            "drop_tokens_threshold": DROP_TOKENS_THRESHOLD,
            "prefix": "true" if query.prefix else "false",
            "sort_by": SORT_BY[sort] if query.q != "*" or sort != "relevance" else "order:asc",
            "facet_by": ",".join(FACETS.values()),
            "max_facet_values": FACET_VALUES,
            "highlight_fields": "none",
            "exclude_fields": ",".join([*(name for name, _ in TIERS), PLAIN]),
        }
        if group:
            params.update(group_by="doc_id", group_limit=1)
        return params

    @staticmethod
    def _filter(query: Translated, chosen: dict[str, str]) -> dict[str, str]:
        parts = [*query.filters, *(f for f in chosen.values() if f)]
        return {"filter_by": " && ".join(parts)} if parts else {}

    @staticmethod
    def _hit(row: dict[str, Any], stems: frozenset[str], sort: str) -> Hit:
        doc = row["document"]
        fields: dict[str, object] = {
            "doc_id": doc["doc_id"],
            "pid": doc["pid"],
            "paragraph": doc.get("paragraph"),
            "text": doc.get("text"),
            "section": doc.get("section"),
            "section_label": doc.get("section_label"),
            "year": doc.get("year"),
            "date": doc.get("date"),
            "doc_title": doc.get("doc_title"),
            "parties": PARTY_SEPARATOR.join(doc.get("parties") or []),
            "notes": doc.get("notes") or [],
            "heading": doc.get("heading") or "",
        }
        score = float(row["text_match"]) if sort == "relevance" and "text_match" in row else None
        hit = Hit(fields, score, excerpt(str(fields["text"] or ""), stems), row.get("more", 0))
        if stems and not hit.excerpt.marks:
            match_elsewhere(hit, stems)
        return hit

    def _multi(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answer = self._call(lambda: self.client.multi_search.perform({"searches": searches}, {}))
        results = answer["results"]
        for result in results:
            if "error" in result:
                raise EngineUnavailable(f"Typesense refused the search: {result['error']}")
        return results

    @staticmethod
    def _call(request: Callable[[], Any]) -> Any:
        try:
            return request()
        except ts_errors.ObjectNotFound:
            raise IndexMissing(
                f"no collection {ALIAS!r} on the Typesense cluster: run `searchapp index` first"
            ) from None
        except Exception as exc:
            # The client's own errors and its HTTP library's (refused, timed out, no node
            # left) differ by version: whatever the cause, no answer from the cluster.
            raise EngineUnavailable(f"the Typesense cluster did not answer: {exc}") from None


def _pages(base: dict[str, Any], page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """The searches that fetch one engine page, and how many of their first rows to skip:
    a page beyond Typesense's largest is fetched as several of PAGE_MAX."""
    if per_page <= PAGE_MAX:
        return [{**base, "page": page, "per_page": per_page}], 0
    offset = (page - 1) * per_page
    first, last = offset // PAGE_MAX, (offset + per_page - 1) // PAGE_MAX
    searches = [{**base, "page": n + 1, "per_page": PAGE_MAX} for n in range(first, last + 1)]
    return searches, offset - first * PAGE_MAX


def _rows(answer: dict[str, Any], group: bool) -> list[dict[str, Any]]:
    if not group:
        return list(answer.get("hits", []))
    return [dict(grouped["hits"][0]) for grouped in answer.get("grouped_hits", [])]


def _facet(answer: dict[str, Any], name: str) -> list[tuple[str, int]]:
    for facet in answer.get("facet_counts", []):
        if facet["field_name"] == name:
            return [(c["value"], int(c["count"])) for c in facet["counts"]]
    return []
