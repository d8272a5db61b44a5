"""The search JSON shaped for the results template: facet bars, chips, pages."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from searchapp.web.state import SearchState

BAR_HEIGHT = 48  # px, the tallest bar of the year chart
CHART_WIDTH = 256  # px that the bars share, each between SLOT_MIN and SLOT_MAX wide
SLOT_MIN, SLOT_MAX = 6, 28


@dataclass(frozen=True)
class FacetItem:
    value: str
    label: str
    count: int
    selected: bool
    url: str
    id: str  # a stable element id, so that focus stays on it when the results are swapped


@dataclass(frozen=True)
class YearBar:
    item: FacetItem
    x: int
    y: int
    width: int
    height: int
    slot: int


@dataclass(frozen=True)
class Chip:
    label: str
    url: str


@dataclass(frozen=True)
class Results:
    data: dict[str, Any]
    state: SearchState
    years: list[FacetItem]
    bars: list[YearBar]
    sections: list[FacetItem]
    chips: list[Chip]
    parties: list[FacetItem]
    pages: int

    @property
    def chart_width(self) -> int:
        return sum(bar.slot for bar in self.bars)

    @property
    def chart_height(self) -> int:
        return BAR_HEIGHT

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


def year_bars(items: list[FacetItem]) -> list[YearBar]:
    """One bar per year, as wide as the chart allows; the tallest is BAR_HEIGHT."""
    top = max((i.count for i in items), default=0) or 1
    slot = min(SLOT_MAX, max(SLOT_MIN, CHART_WIDTH // max(len(items), 1)))
    width = max(4, slot * 3 // 4)
    bars = []
    for n, item in enumerate(items):
        height = max(2, round(BAR_HEIGHT * item.count / top))
        bars.append(YearBar(item, n * slot, BAR_HEIGHT - height, width, height, slot))
    return bars


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


def build(data: dict[str, Any], state: SearchState) -> Results:
    years = year_items(data, state)
    return Results(
        data=data,
        state=state,
        years=years,
        bars=year_bars(years),
        sections=section_items(data, state),
        chips=chips(state),
        parties=party_items(data, state),
        pages=max(1, math.ceil(data["total"] / data["per_page"])),
    )
