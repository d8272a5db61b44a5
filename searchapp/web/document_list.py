"""The index of documents one page at a time: at most PAGE_SIZE documents, a year at a time
if the reader picks one, with the year, sort and page in the URL (so a page can be shared and
Back works). A corpus of thousands of documents is no longer one endless page."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from searchapp.registry import DocumentRow
from searchapp.search import BadRequest
from searchapp.web.reading import UNKNOWN_YEAR_LABEL, Listing, YearGroup, listing

PAGE_SIZE = 50  # documents on one page
SORTS = ("date", "title")
PATH = "/documents"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class YearLink:
    label: str
    count: int
    url: str
    current: bool


@dataclass(frozen=True)
class DocumentListPage:
    listing: Listing  # this page's groups; totals over every document
    years: list[YearLink]
    all_years_url: str | None  # set when one year is shown
    year: str | None
    sort: str
    page: int
    pages: int
    shown: int  # documents on this page

    def url(self, page: int) -> str:
        return _url(self.year, self.sort, page)


def _url(year: str | None, sort: str, page: int = 1) -> str:
    params = [("year", year)] if year else []
    if sort != "date":
        params.append(("sort", sort))
    if page != 1:
        params.append(("page", str(page)))
    return f"{PATH}?{urlencode(params)}" if params else PATH


def _year_param(group: YearGroup) -> str:
    return UNKNOWN if group.label == UNKNOWN_YEAR_LABEL else group.label


def _page_number(text: str, pages: int) -> int:
    if not text.isdigit() or not 1 <= int(text) <= pages:
        raise BadRequest(f"page must be a whole number between 1 and {pages}")
    return int(text)


def document_list(docs: list[DocumentRow], args: MultiDict[str, str]) -> DocumentListPage:
    sort = args.get("sort", "date") or "date"
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
    year = (args.get("year") or "").strip() or None
    by_year = listing(docs, "date")
    years = [
        YearLink(g.label, len(g.documents), _url(_year_param(g), sort), _year_param(g) == year)
        for g in by_year.groups
    ]
    if year is not None and not any(y.current for y in years):
        raise BadRequest(f"no documents of the year {year[:20]!r}")
    chosen = [d for g in by_year.groups if _year_param(g) == year for d in g.documents]
    full = listing(chosen if year else docs, sort)
    ordered = [(g.label, d) for g in full.groups for d in g.documents]
    pages = max(1, math.ceil(len(ordered) / PAGE_SIZE))
    page = _page_number((args.get("page") or "1").strip(), pages)
    groups: list[YearGroup] = []
    for label, doc in ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        if not groups or groups[-1].label != label:
            groups.append(YearGroup(label))
        groups[-1].documents.append(doc)
    shown = Listing(groups, by_year.total_documents, by_year.total_paragraphs)
    return DocumentListPage(
        listing=shown,
        years=years,
        all_years_url=_url(None, sort) if year else None,
        year=year,
        sort=sort,
        page=page,
        pages=pages,
        shown=sum(len(g.documents) for g in groups),
    )
