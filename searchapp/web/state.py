"""What a search page shows, as URL parameters: read from a request, written into links.

Every link on a results page (facets, chips, sort, pages, suggestion) is a plain URL built
here, so it works without JavaScript and can be shared.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from searchapp.search import BadRequest, SearchRequest

TRUE = {"1", "true", "on", "yes"}
FALSE = {"", "0", "false", "off", "no"}
SEARCH_PATH = "/search"


def _flag(value: str | None, name: str) -> bool:
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadRequest(f"{name} must be 1 or 0, not {text[:40]!r}")


def _values(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in args.getlist(name):
        if value.strip():
            seen[value.strip()] = None
    return tuple(seen)


CHARTS = ("hits", "per1000")


def _chart(value: str | None) -> str:
    chart = (value or "hits").strip().lower()
    if chart not in CHARTS:
        raise BadRequest(f"chart must be one of {', '.join(CHARTS)}, not {chart[:40]!r}")
    return chart


@dataclass(frozen=True)
class SearchState:
    q: str = ""
    years: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    sort: str = "relevance"
    group: bool = False
    page: str = "1"
    per_page: str = "10"
    chart: str = "hits"  # the trend chart: "hits" or "per1000" (per 1,000 paragraphs)

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> SearchState:
        return cls(
            q=args.get("q", ""),
            years=_values(args, "year"),
            sections=_values(args, "section"),
            parties=_values(args, "party"),
            sort=args.get("sort", "relevance") or "relevance",
            group=_flag(args.get("group"), "group"),
            page=args.get("page", "1") or "1",
            per_page=args.get("per_page", "10") or "10",
            chart=_chart(args.get("chart")),
        )

    def request(self) -> SearchRequest:
        return SearchRequest(
            q=self.q,
            years=list(self.years),
            sections=list(self.sections),
            parties=list(self.parties),
            page=self.page,
            per_page=self.per_page,
            sort=self.sort,
            group=self.group,
        )

    @property
    def has_filters(self) -> bool:
        return bool(self.years or self.sections or self.parties)

    # -- links ---------------------------------------------------------------------------

    def params(self) -> list[tuple[str, str]]:
        """The URL parameters that differ from the defaults (page last)."""
        out = [("q", self.q)]
        out += [("year", y) for y in self.years]
        out += [("section", s) for s in self.sections]
        out += [("party", p) for p in self.parties]
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.group:
            out.append(("group", "1"))
        if self.chart != "hits":
            out.append(("chart", self.chart))
        if self.per_page not in ("", "10"):
            out.append(("per_page", self.per_page))
        if self.page not in ("", "1"):
            out.append(("page", self.page))
        return out

    def url(self) -> str:
        return f"{SEARCH_PATH}?{urlencode(self.params())}"

    def export_url(self, fmt: str) -> str:
        """This search as a file (csv, jsonl, atom): every hit, so no page."""
        params = [(k, v) for k, v in self.params() if k not in ("page", "per_page")]
        return f"{SEARCH_PATH}.{fmt}?{urlencode(params)}"

    def changed(self, **changes: object) -> SearchState:
        """A new state; any change but the page itself goes back to page 1."""
        changes.setdefault("page", "1")
        return replace(self, **changes)  # type: ignore[arg-type]

    def toggle_year(self, year: object) -> str:
        return self.changed(years=_toggle(self.years, str(year))).url()

    def toggle_section(self, section: str) -> str:
        return self.changed(sections=_toggle(self.sections, section)).url()

    def toggle_party(self, party: str) -> str:
        return self.changed(parties=_toggle(self.parties, party)).url()

    def charted(self, chart: str) -> str:
        return self.changed(chart=chart, page=self.page).url()

    def sorted_by(self, sort: str) -> str:
        return self.changed(sort=sort).url()

    def grouped(self, group: bool) -> str:
        return self.changed(group=group).url()

    def at_page(self, page: int) -> str:
        return self.changed(page=str(page)).url()

    def with_query(self, q: str) -> str:
        return self.changed(q=q).url()

    def without_filters(self) -> str:
        return self.changed(years=(), sections=(), parties=()).url()

    def hidden_fields(self) -> list[tuple[str, str]]:
        """What a new query from the search box keeps: filters, sort and grouping."""
        return [(k, v) for k, v in self.params() if k not in ("q", "page")]


def _toggle(values: tuple[str, ...], value: str) -> tuple[str, ...]:
    if value in values:
        return tuple(v for v in values if v != value)
    return (*values, value)
