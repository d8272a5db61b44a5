"""searchapp itself, driven through its public Python interfaces (indexer and search service)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.peers import TOP, Outcome


def ours_missing() -> str | None:
    """Why our engine cannot be benchmarked, or None when it can."""
    try:
        from searchapp.indexer import update_index  # noqa: F401
        from searchapp.search import SearchRequest, SearchService  # noqa: F401
    except ImportError as exc:
        return f"searchapp engine not importable ({exc})"
    return None


def build_ours(documents: Path, index: Path) -> int:
    """A full rebuild through `update_index`; returns the number of paragraphs indexed."""
    from searchapp.indexer import update_index

    summary = update_index(documents, index, rebuild=True)
    failed = getattr(summary, "failed", None)
    if failed:
        raise RuntimeError(f"{len(failed)} files failed to index, e.g. {list(failed)[:3]}")
    return int(summary.paragraphs)


def update_ours(documents: Path, index: Path) -> Any:
    """An incremental update (what adding a file to the folder triggers)."""
    from searchapp.indexer import update_index

    return update_index(documents, index)


def _facet(result: dict[str, Any], name: str) -> dict[Any, int]:
    return {f["value"]: f["count"] for f in result.get("facets", {}).get(name, [])}


class OursEngine:
    name = "ours"

    def __init__(self, index: Path) -> None:
        from searchapp.search import SearchRequest, SearchService

        self.request = SearchRequest
        self.service = SearchService(index)

    def query(self, query: str) -> dict[str, Any]:
        request = self.request(q=query, years=[], sections=[], page=1, per_page=TOP)
        return self.service.search(request)

    def search(self, query: str) -> Outcome:
        result = self.query(query)
        excerpts = [hit["excerpt"] for hit in result["hits"]]
        return Outcome(
            int(result["total"]), excerpts, _facet(result, "year"), _facet(result, "section")
        )

    def close(self) -> None:
        closer = getattr(self.service, "close", None)
        if callable(closer):
            closer()
