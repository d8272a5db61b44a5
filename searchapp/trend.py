"""How a query's hits spread over the years: one bucket per year on a true time axis.

Every year from the first to the last year of the paragraphs that pass the filters is a
bucket, so a year without hits is a gap, not a year left out (1975 never stands next to
2002). `per_1000` is hits per 1,000 of that year's paragraphs, so that a year with more
texts does not look like a year with more interest.
"""

from __future__ import annotations

from typing import Any


def buckets(hits: list[dict[str, Any]], paragraphs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Buckets from two year facets: the query's hits and every paragraph passing the filters
    (facet items {"value": year or "unknown", "count": n}); unknown years are left out."""
    hit_counts = _by_year(hits)
    para_counts = _by_year(paragraphs)
    years = para_counts.keys() | hit_counts.keys()
    if not years:
        return []
    out = []
    for year in range(min(years), max(years) + 1):
        found, total = hit_counts.get(year, 0), para_counts.get(year, 0)
        per_1000 = round(1000 * found / total, 1) if total else 0.0
        out.append({"year": year, "hits": found, "paragraphs": total, "per_1000": per_1000})
    return out


def unknown_year_hits(hits: list[dict[str, Any]]) -> int:
    return sum(f["count"] for f in hits if f["value"] == "unknown")


def _by_year(facet: list[dict[str, Any]]) -> dict[int, int]:
    return {int(f["value"]): int(f["count"]) for f in facet if f["value"] != "unknown"}
