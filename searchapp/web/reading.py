"""What the document, permalink and document-index pages show, shaped from the registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from searchapp import citations, reuse
from searchapp.registry import DocumentRow, ParagraphRow
from searchapp.search import ParagraphLookup, SearchService, document_url, paragraph_url
from searchapp.wording import diff_html

CONTEXT = 2  # neighbours shown on each side of a permalinked paragraph
UNKNOWN_YEAR_LABEL = "Year unknown"


# -- the index of documents ----------------------------------------------------------------


@dataclass
class YearGroup:
    label: str
    documents: list[DocumentRow] = field(default_factory=list)

    @property
    def paragraphs(self) -> int:
        return sum(d.paragraphs for d in self.documents)


@dataclass
class Listing:
    groups: list[YearGroup]
    total_documents: int
    total_paragraphs: int


def _title(doc: DocumentRow) -> str:
    return doc.metadata.title or doc.doc_id


def listing(docs: list[DocumentRow], sort: str) -> Listing:
    """Documents by year, newest year first; within a year by date, or all by title."""
    total = Listing([], len(docs), sum(d.paragraphs for d in docs))
    if sort == "title":
        ordered = sorted(docs, key=lambda d: (_title(d).casefold(), d.doc_id))
        total.groups = [YearGroup("All documents, by title", ordered)] if docs else []
        return total
    by_year: dict[int | None, YearGroup] = {}
    for doc in sorted(docs, key=lambda d: (d.metadata.date or "", d.doc_id)):
        year = doc.metadata.year
        label = str(year) if year is not None else UNKNOWN_YEAR_LABEL
        by_year.setdefault(year, YearGroup(label)).documents.append(doc)
    years = sorted(by_year, key=lambda y: (y is None, -(y or 0)))
    total.groups = [by_year[y] for y in years]
    return total


# -- a document ------------------------------------------------------------------------------


@dataclass
class ShownParagraph:
    row: ParagraphRow
    html: str  # sanitized, with the query's words in <mark>
    heading: str | None  # the printed part this paragraph starts, if it starts one
    url: str


@dataclass
class DocumentPage:
    doc: DocumentRow
    paragraphs: list[ShownParagraph]
    matches: int
    # "Compare with…": the documents sharing the most formulations with it (doc, paragraphs).
    shared: list[tuple[DocumentRow, int]] = field(default_factory=list)


def _shown(service: SearchService, rows: list[ParagraphRow], q: str) -> list[ShownParagraph]:
    out, label = [], ""
    highlight = service.highlighter(q)  # the query parsed once, not once per paragraph
    for row in rows:
        heading = row.section_label if row.section_label and row.section_label != label else None
        label = row.section_label
        html = highlight(row.text)
        out.append(ShownParagraph(row, html, heading, paragraph_url(row.doc_id, row.pid)))
    return out


def document_page(service: SearchService, doc: DocumentRow, q: str) -> DocumentPage:
    shown = _shown(service, service.paragraphs(doc.doc_id), q)
    shared = [
        (other, n)
        for other_id, n in reuse.shared(service.registry, doc.doc_id)
        if (other := service.document(other_id)) is not None
    ]
    return DocumentPage(doc, shown, sum(p.html.count("<mark>") for p in shown), shared)


# -- a paragraph permalink ------------------------------------------------------------------


@dataclass
class PermalinkPage:
    doc: DocumentRow
    paragraph: ParagraphRow
    before: list[ShownParagraph]
    after: list[ShownParagraph]
    citation: str  # formatted, with the absolute permalink
    in_document: str
    reuse: list[ReusedIn] = field(default_factory=list)
    # Whether this paragraph is the oldest of its formulation (no dated match before it).
    first: bool = False


@dataclass
class ReusedIn:
    """One entry of "Same formulation elsewhere": the other paragraph, its link, and the
    word-level comparison from this paragraph to it."""

    doc: DocumentRow
    paragraph: ParagraphRow
    url: str
    similarity: float
    diff: str
    first: bool = False


def permalink_page(
    service: SearchService, found: ParagraphLookup, csl: dict[str, Any]
) -> PermalinkPage:
    assert found.document is not None and found.paragraph is not None
    doc, para = found.document, found.paragraph
    rows = service.paragraphs(doc.doc_id)
    at = next(i for i, r in enumerate(rows) if r.pid == para.pid)
    before = _shown(service, rows[max(0, at - CONTEXT) : at], "")
    after = _shown(service, rows[at + 1 : at + 1 + CONTEXT], "")
    return PermalinkPage(
        doc=doc,
        paragraph=para,
        before=before,
        after=after,
        citation=citations.formatted(csl),
        in_document=f"{document_url(doc.doc_id)}#p{para.pid}",
        **_reuse(service, doc, para),
    )


def _reuse(service: SearchService, doc: DocumentRow, para: ParagraphRow) -> dict[str, Any]:
    found = [
        ReusedIn(
            e.document,
            e.paragraph,
            paragraph_url(e.document.doc_id, e.paragraph.pid),
            e.similarity,
            diff_html(para.text, e.paragraph.text),
        )
        for e in service.elsewhere(doc.doc_id, para.pid)
    ]
    earliest = found[0].doc.metadata.date if found else None
    date = doc.metadata.date
    first = bool(found) and (earliest is None or (date is not None and date < earliest))
    if found and not first:
        found[0].first = True
    return {"reuse": found, "first": first}


# -- links that lead nowhere ----------------------------------------------------------------


def gone_json(doc: DocumentRow, pid: int, nearest: ParagraphRow | None) -> dict[str, Any]:
    what = "document was removed" if not doc.live else "paragraph was removed from the document"
    return {
        "error": f"This {what}.",
        "status": 410,
        "doc_id": doc.doc_id,
        "pid": pid,
        "document_url": document_url(doc.doc_id) if doc.live else None,
        "nearest_url": paragraph_url(doc.doc_id, nearest.pid) if nearest else None,
    }


def missing_message(doc: DocumentRow | None, doc_id: str, pid: int | None) -> str:
    if doc is None:
        return f"There is no document with the id “{doc_id}”."
    return f"The document “{_title(doc)}” has no paragraph with the id {pid}."
