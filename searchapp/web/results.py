"""The search JSON shaped for the results template: facet bars, chips, pages."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from searchapp.web.state import SearchState

# The trend chart's drawing units. The SVG scales to the width of its box, so its height and
# its labels grow with the number of years: a chart of 80 years stays legible on a phone.
TREND_SLOT = 12  # one year; a bar fills most of its slot
TREND_MODES = {"hits": "Paragraphs", "per1000": "Per 1,000 paragraphs of the year"}


@dataclass(frozen=True)
class FacetItem:
    value: str
    label: str
    count: int
    selected: bool
    url: str
    id: str  # a stable element id, so that focus stays on it when the results are swapped


@dataclass(frozen=True)
class TrendBar:
    year: int
    hits: int
    paragraphs: int
    per_1000: float
    x: int
    y: int
    height: int
    selected: bool
    url: str  # filters the results to this year

    @property
    def label(self) -> str:
        share = f"{self.per_1000:g} per 1,000"
        return f"{self.year}: {self.hits} of {self.paragraphs} paragraphs ({share})"


@dataclass(frozen=True)
class TrendChart:
    """The search's hits per year, on a true time axis (a year without texts is a gap)."""

    bars: list[TrendBar]
    ticks: list[tuple[int, int, str]]  # (x, year, text-anchor) of the labelled years
    mode: str  # "hits" or "per1000"
    mode_links: list[tuple[str, str, bool]]  # (label, url, current)
    unknown_year_hits: int
    width: int
    height: int
    bar_width: int
    baseline: int  # the y of the bars' foot
    font_size: int


@dataclass(frozen=True)
class Chip:
    label: str
    url: str


@dataclass(frozen=True)
class Results:
    data: dict[str, Any]
    state: SearchState
    years: list[FacetItem]
    trend: TrendChart | None
    sections: list[FacetItem]
    chips: list[Chip]
    parties: list[FacetItem]
    pages: int

    @property
    def unit(self) -> str:
        """What `total` counts: documents when grouped by document, else paragraphs."""
        return "document" if self.data.get("grouped") else "paragraph"

    @property
    def units(self) -> str:
        return f"{self.unit}s"

    @property
    def first(self) -> int:
        return (self.data["page"] - 1) * self.data["per_page"] + 1

    @property
    def last(self) -> int:
        return self.first + len(self.data["hits"]) - 1


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _year_label(value: object) -> str:
    return "Year unknown" if value == "unknown" else str(value)


def year_items(data: dict[str, Any], state: SearchState) -> list[FacetItem]:
    return [
        FacetItem(
            value=str(f["value"]),
            label=_year_label(f["value"]),
            count=f["count"],
            selected=str(f["value"]) in state.years,
            url=state.toggle_year(f["value"]),
            id=f"facet-year-{slug(str(f['value']))}",
        )
        for f in data["facets"]["year"]
    ]


def trend_chart(trend: dict[str, Any], state: SearchState) -> TrendChart | None:
    """The chart of /api/trend's buckets, bars scaled to the largest of the chosen measure."""
    buckets = trend["buckets"]
    if not any(b["hits"] for b in buckets):
        return None
    mode = state.chart if state.chart in TREND_MODES else "hits"
    value = (lambda b: b["per_1000"]) if mode == "per1000" else (lambda b: b["hits"])
    top = max(value(b) for b in buckets) or 1
    width = len(buckets) * TREND_SLOT
    tallest = max(90, width // 5)
    font_size = max(10, width // 32)
    bars = []
    for n, b in enumerate(buckets):
        height = round(tallest * value(b) / top)
        if b["hits"]:
            height = max(2, height)  # a year with hits always shows
        bars.append(
            TrendBar(
                year=b["year"],
                hits=b["hits"],
                paragraphs=b["paragraphs"],
                per_1000=b["per_1000"],
                x=n * TREND_SLOT,
                y=tallest - height,
                height=height,
                selected=str(b["year"]) in state.years,
                url=state.toggle_year(b["year"]),
            )
        )
    return TrendChart(
        bars=bars,
        ticks=_ticks([b["year"] for b in buckets]),
        mode=mode,
        mode_links=[(label, state.charted(m), m == mode) for m, label in TREND_MODES.items()],
        unknown_year_hits=trend.get("unknown_year_hits", 0),
        width=width,
        height=tallest + font_size + 6,
        bar_width=TREND_SLOT - 2,
        baseline=tallest,
        font_size=font_size,
    )


def _ticks(years: list[int]) -> list[tuple[int, int, str]]:
    """The first and last year, and every decade (every fifth or every other year of a
    shorter span) between, where its label does not crowd the first or last."""
    n = len(years)
    step = 2 if n <= 12 else 5 if n <= 40 else 10
    marks = {0, n - 1} | {i for i, y in enumerate(years) if y % step == 0 and 3 <= i <= n - 4}
    anchors = {0: "start", n - 1: "end"}
    return [
        (
            i * TREND_SLOT + (0 if i == 0 else TREND_SLOT if i == n - 1 else TREND_SLOT // 2),
            years[i],
            anchors.get(i, "middle"),
        )
        for i in sorted(marks)
    ]


def section_items(data: dict[str, Any], state: SearchState) -> list[FacetItem]:
    return [
        FacetItem(
            value=f["value"],
            label=f["value"],
            count=f["count"],
            selected=f["value"] in state.sections,
            url=state.toggle_section(f["value"]),
            id=f"facet-section-{slug(f['value'])}",
        )
        for f in data["facets"]["section"]
    ]


PARTY_FACET_SIZE = 30  # the commonest parties of the hits (and every chosen one)


def party_items(data: dict[str, Any], state: SearchState) -> list[FacetItem]:
    facet = data["facets"].get("party", [])
    shown = facet[:PARTY_FACET_SIZE] + [
        f for f in facet[PARTY_FACET_SIZE:] if f["value"] in state.parties
    ]
    return [
        FacetItem(
            value=f["value"],
            label=f["value"],
            count=f["count"],
            selected=f["value"] in state.parties,
            url=state.toggle_party(f["value"]),
            id=f"facet-party-{slug(f['value'])}",
        )
        for f in shown
    ]


def chips(state: SearchState) -> list[Chip]:
    out = [Chip(_year_label(y), state.toggle_year(y)) for y in state.years]
    out += [Chip(s, state.toggle_section(s)) for s in state.sections]
    out += [Chip(p, state.toggle_party(p)) for p in state.parties]
    return out


def build(data: dict[str, Any], state: SearchState, trend: dict[str, Any]) -> Results:
    years = year_items(data, state)
    return Results(
        data=data,
        state=state,
        years=years,
        trend=trend_chart(trend, state),
        sections=section_items(data, state),
        chips=chips(state),
        parties=party_items(data, state),
        pages=max(1, math.ceil(data["total"] / data["per_page"])),
    )
