"""What the document, permalink and document-index pages show, shaped from the registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from searchapp.registry import DocumentRow, ParagraphRow
from searchapp.search import ParagraphLookup, SearchService, document_url, paragraph_url

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


def _shown(service: SearchService, rows: list[ParagraphRow], q: str) -> list[ShownParagraph]:
    out, label = [], ""
    for row in rows:
        heading = row.section_label if row.section_label and row.section_label != label else None
        label = row.section_label
        html = service.highlight(row.text, q)
        out.append(ShownParagraph(row, html, heading, paragraph_url(row.doc_id, row.pid)))
    return out


def document_page(service: SearchService, doc: DocumentRow, q: str) -> DocumentPage:
    shown = _shown(service, service.paragraphs(doc.doc_id), q)
    return DocumentPage(doc, shown, sum(p.html.count("<mark>") for p in shown))


# -- a paragraph permalink ------------------------------------------------------------------


@dataclass
class PermalinkPage:
    doc: DocumentRow
    paragraph: ParagraphRow
    before: list[ShownParagraph]
    after: list[ShownParagraph]
    citation_prefix: str  # the citation without the URL (the template adds the absolute URL)
    in_document: str


def citation_prefix(doc: DocumentRow, para: ParagraphRow) -> str:
    date = doc.metadata.date or "undated"
    # The number the document prints, where it numbers its paragraphs; else reading order.
    return f"{_title(doc)}, {date}, ¶ {para.printed or para.number}."


def permalink_page(service: SearchService, found: ParagraphLookup) -> PermalinkPage:
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
        citation_prefix=citation_prefix(doc, para),
        in_document=f"{document_url(doc.doc_id)}#p{para.pid}",
    )


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
