"""The search service: what the command line, the JSON API and the pages all call.

It validates a request, asks the engine, and shapes the answer as the SPEC's JSON. It also
answers "what is at this link" for documents and paragraph permalinks, from the registry.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchapp import reuse, trend
from searchapp.config import load_engine_settings
from searchapp.engine import SORTS, UNKNOWN_YEAR, mark_spans
from searchapp.engine.backends import open_searcher
from searchapp.engine.highlight import keep_phrases
from searchapp.engine.schema import stored_parties
from searchapp.engine.search import Outcome
from searchapp.sanitize import excerpt_html, marked_html

if TYPE_CHECKING:
    from searchapp.registry import DocumentRow, ParagraphRow, Registry

# Deep paging reaches every paragraph (10 million at one per page): a page costs the engine
# the ranking of the hits, however deep it is, never more.
MAX_PAGE = 10_000_000
# Exports stream every hit and stop at EXPORT_CAP (README).
EXPORT_CAP = 100_000
MAX_FILTER_VALUES = 50  # distinct values of one repeated filter (year=, section=)
CHUNK = 1000  # hits per engine call when many are read (exports, the command line's --limit)


class BadRequest(ValueError):
    """The caller's input cannot be used; the message says why (HTTP 400, exit status 2)."""


def document_url(doc_id: str) -> str:
    return f"/documents/{doc_id}"


def paragraph_url(doc_id: str, pid: int) -> str:
    return f"/documents/{doc_id}/{pid}"


@dataclass
class SearchRequest:
    q: str = ""
    years: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    page: int | str = 1
    per_page: int | str = 10
    sort: str = "relevance"
    group: bool = False


def _positive_int(value: int | str, name: str, upper: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a whole number, not {str(value)[:40]!r}") from None
    if upper is None and number < 1:
        raise BadRequest(f"{name} must be a positive whole number")
    if upper is not None and not 1 <= number <= upper:
        raise BadRequest(f"{name} must be between 1 and {upper}")
    return number


def _capped(values: list[str], name: str) -> list[str]:
    """The distinct non-empty values of a repeated filter; too many are refused, so that no
    request can make a page (its facet links, its chips) grow with the square of its URL."""
    distinct = list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
    if len(distinct) > MAX_FILTER_VALUES:
        raise BadRequest(
            f"at most {MAX_FILTER_VALUES} {name} values can be chosen at once, not {len(distinct)}"
        )
    return distinct


def _year(value: str) -> int:
    text = str(value).strip().lower()
    if text == "unknown":
        return UNKNOWN_YEAR
    if text.isdigit() and len(text) == 4:
        return int(text)
    raise BadRequest(f"year must be a four-digit year or 'unknown', not {str(value)[:40]!r}")


def year_value(year: int) -> int | str:
    return "unknown" if year == UNKNOWN_YEAR else year


@dataclass
class HitStream:
    """The hits of a search from the `start`-th on (0: the first), fetched CHUNK at a time so
    that memory stays flat, at most `cap` of them.

    After iteration, `total` is the number of hits of the search, `truncated` says whether the
    cap stopped the stream before the last one, and `head` is the JSON of the first engine
    call (facets, suggestion, notices: the same for every page).
    """

    service: SearchService
    req: SearchRequest
    cap: int
    start: int = 0
    total: int = 0
    truncated: bool = False
    head: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        sent = 0
        skip = self.start % CHUNK
        for page in itertools.count(self.start // CHUNK + 1):
            data = self.service._page(self.req, page, CHUNK)
            self.head = self.head or data
            self.total = data["total"]
            for hit in data["hits"][skip:]:
                if sent == self.cap:
                    self.truncated = True
                    return
                sent += 1
                yield hit
            skip = 0
            if not data["hits"] or page * CHUNK >= self.total:
                return


@dataclass
class ParagraphLookup:
    """What a permalink points at: a paragraph, or why there is none."""

    status: str  # "ok", "gone" (410), "moved" (301), "missing" (404)
    document: DocumentRow | None = None
    paragraph: ParagraphRow | None = None
    target_pid: int | None = None  # for "moved": where it went; for "gone": the nearest


class SearchService:
    def __init__(
        self,
        index: Path,
        max_query_length: int = 500,
        max_expansion: int = 2000,
        per_page_max: int = 100,
    ) -> None:
        self.index = index
        self.engine = open_searcher(index, load_engine_settings(), max_query_length, max_expansion)
        self.per_page_max = per_page_max

    @cached_property
    def registry(self) -> Registry:
        """Opened on first use: a search from the command line never needs it, nor the
        ingestion modules that its rows are made of."""
        from searchapp.registry import Registry

        return Registry(self.index, readonly=True)

    def search(self, req: SearchRequest) -> dict[str, Any]:
        """One page of hits; `per_page` is capped (`per_page_max`, 100 by default)."""
        page = _positive_int(req.page, "page", MAX_PAGE)
        per_page = _positive_int(req.per_page, "per_page", self.per_page_max)
        return self._page(req, page, per_page)

    def trend(
        self, req: SearchRequest, hit_years: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """How the hits of `req` spread over the years (SPEC `/api/trend`); `hit_years` is the
        year facet of the same search when the caller already has it (the results page).

        Both year facets ignore the request's own year filter (facets are disjunctive), so
        the whole time axis shows, whatever year is chosen.
        """
        if hit_years is None:
            hit_years = self._page(req, 1, 1)["facets"]["year"]
        # Paragraphs per year depend on the filters and the index only: kept per snapshot.
        browse = replace(req, q="", sort="relevance", group=False)
        key = ("paragraphs per year", tuple(browse.sections), tuple(browse.parties))
        paragraph_years = self.engine.remembered(
            key, lambda: self._page(browse, 1, 1)["facets"]["year"]
        )
        return {
            "query": req.q,
            "buckets": trend.buckets(hit_years, paragraph_years),
            "unknown_year_hits": trend.unknown_year_hits(hit_years),
        }

    def all_hits(self, req: SearchRequest, cap: int = EXPORT_CAP) -> HitStream:
        """Every hit of `req` in its order (page and per_page ignored), up to `cap`.

        The request is checked now, so a bad one fails before anything is streamed.
        """
        self._page(req, 1, 1)
        return HitStream(self, req, cap)

    def search_many(self, req: SearchRequest, limit: int | str) -> dict[str, Any]:
        """Page `req.page` of `limit` hits, whatever `limit` is (the command line's --limit),
        read as a stream of hits (HitStream), as the JSON of one page."""
        started = time.perf_counter()
        limit = _positive_int(limit, "--limit")
        page = _positive_int(req.page, "--page")
        stream = HitStream(self, req, cap=limit, start=(page - 1) * limit)
        hits = list(stream)
        data = stream.head
        data.update(
            hits=hits,
            page=page,
            per_page=limit,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        return data

    def _page(self, req: SearchRequest, page: int, per_page: int) -> dict[str, Any]:
        started = time.perf_counter()
        if req.sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
        years = [_year(y) for y in _capped(req.years, "year")]
        sections = _capped(req.sections, "section")
        parties = _capped(req.parties, "party")
        outcome = self.engine.search(
            req.q, years, sections, page, per_page, req.sort, req.group, parties=parties
        )
        return self._json(req, outcome, page, per_page, started)

    def _json(
        self, req: SearchRequest, outcome: Outcome, page: int, per_page: int, started: float
    ) -> dict[str, Any]:
        hits = []
        for hit in outcome.hits:
            f = hit.fields
            doc_id, pid = str(f["doc_id"]), int(f["pid"])  # type: ignore[call-overload]
            # Every field but the ids may be missing from a paragraph (an undated or untitled
            # document): the engine gives None for those, the JSON a usable value.
            entry = {
                "doc_id": doc_id,
                "doc_title": f["doc_title"] or doc_id,
                "date": f["date"] or None,
                "year": f["year"] or None,
                "paragraph": f["paragraph"],
                "printed": self.registry.printed(doc_id, pid) or None,
                "pid": pid,
                "section": f["section"] or "",
                "section_label": f["section_label"] or "",
                "parties": stored_parties(f),
                "text": f["text"] or "",
                "excerpt": excerpt_html(hit.excerpt),
                "score": round(hit.score, 4) if hit.score is not None else None,
                "url": paragraph_url(doc_id, pid),
            }
            if f.get("notes"):
                # Editorial footnotes (edited collections): beyond the SPEC's keys, so only
                # where there are some.
                entry["notes"] = list(f["notes"])  # type: ignore[call-overload]
            if hit.matched_in:
                entry["matched_in"] = hit.matched_in
            if hit.note_excerpt is not None:
                entry["note_excerpt"] = excerpt_html(hit.note_excerpt)
            if outcome.grouped:
                entry["more_in_document"] = hit.more_in_document
            hits.append(entry)
        return {
            "query": req.q,
            "total": outcome.total,
            "page": page,
            "per_page": per_page,
            "sort": req.sort,
            "hits": hits,
            "facets": {
                "year": [
                    {"value": year_value(y), "count": c} for y, c in sorted(outcome.facets.year)
                ],
                "section": [
                    {"value": s, "count": c}
                    for s, c in sorted(outcome.facets.section, key=lambda x: (-x[1], x[0]))
                ],
                "party": [
                    {"value": p, "count": c}
                    for p, c in sorted(outcome.facets.party, key=lambda x: (-x[1], x[0]))
                ],
            },
            "suggestion": outcome.suggestion,
            "suggestion_used": outcome.suggestion_used,
            "notices": outcome.notices,
            "grouped": outcome.grouped,
            "took_ms": round((time.perf_counter() - started) * 1000, 2),
        }

    # -- documents and permalinks ----------------------------------------------------------

    def document(self, doc_id: str) -> DocumentRow | None:
        return self.registry.document(doc_id) if self.registry.exists() else None

    def paragraphs(self, doc_id: str) -> list[ParagraphRow]:
        return self.registry.paragraphs(doc_id)

    def documents(self) -> list[DocumentRow]:
        return self.registry.documents() if self.registry.exists() else []

    def lookup(self, doc_id: str, pid: int) -> ParagraphLookup:
        doc = self.document(doc_id)
        if doc is None:
            return ParagraphLookup("missing")
        if not doc.live:
            return ParagraphLookup("gone", doc)
        para = self.registry.paragraph(doc_id, pid)
        if para is not None:
            return ParagraphLookup("ok", doc, para)
        retired = self.registry.retired(doc_id, pid)
        if retired is None:
            return ParagraphLookup("missing", doc)
        if retired.merged_into is not None:
            return ParagraphLookup(
                "moved", doc, target_pid=self._final(doc_id, retired.merged_into)
            )
        return ParagraphLookup("gone", doc, target_pid=retired.nearest)

    def _final(self, doc_id: str, pid: int) -> int:
        """Follow merges to the paragraph that holds the text now."""
        seen = {pid}
        while (r := self.registry.retired(doc_id, pid)) is not None and r.merged_into:
            if r.merged_into in seen:
                break
            pid = r.merged_into
            seen.add(pid)
        return pid

    def highlight(self, text: str, query: str) -> str:
        """A paragraph's text as sanitized HTML with the query's words marked."""
        return self.highlighter(query)(text)

    def highlighter(self, query: str) -> Callable[[str], str]:
        """Marks the query's words in any number of paragraphs: the query is parsed once,
        here, however many paragraphs a page shows."""
        stems = self.engine.stems_for(query) if query.strip() else frozenset()
        # Only a query with a phrase needs its phrases (a phrase's words alone are no match).
        phrases = self.engine.phrases_for(query) if '"' in query else None

        def html(text: str) -> str:
            spans = mark_spans(text, stems)
            if phrases is not None:
                spans = keep_phrases(text, spans, *phrases)
            return marked_html(text, spans)

        return html

    def paragraph_json(self, found: ParagraphLookup) -> dict[str, Any]:
        assert found.document is not None and found.paragraph is not None
        meta, p = found.document.metadata, found.paragraph
        notes = {"notes": list(p.notes)} if p.notes else {}
        return {
            "doc_id": p.doc_id,
            "pid": p.pid,
            "paragraph": p.number,
            "printed": p.printed or None,
            "text": p.text,
            "section": p.section,
            "section_label": p.section_label,
            "year": meta.year,
            "date": meta.date,
            "doc_title": meta.title or p.doc_id,
            "url": paragraph_url(p.doc_id, p.pid),
            **notes,
            "reuse": [reuse_json(e) for e in self.elsewhere(p.doc_id, p.pid)],
        }

    def elsewhere(self, doc_id: str, pid: int) -> list[reuse.Elsewhere]:
        """The same formulation in other documents, oldest first (see reuse.py)."""
        return reuse.elsewhere(self.registry, doc_id, pid)


def reuse_json(e: reuse.Elsewhere) -> dict[str, Any]:
    meta = e.document.metadata
    return {
        "doc_id": e.document.doc_id,
        "pid": e.paragraph.pid,
        "date": meta.date,
        "doc_title": meta.title or e.document.doc_id,
        "similarity": e.similarity,
        "url": paragraph_url(e.document.doc_id, e.paragraph.pid),
    }
