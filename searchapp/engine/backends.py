"""The engine interface the search service and the indexer use, and the backend factory.

The embedded engine (`IndexSearcher`, `IndexWriter`: Whoosh + NumPy, one folder) is the
default and answers alone. With `SEARCHAPP_ENGINE=typesense` the same registry and local
index are kept (ids, pids, permalinks, highlighting) and every commit is also written to a
Typesense collection (`typesense_backend.TypesenseIndex`), which answers the searches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from searchapp.engine.search import IndexSearcher, Outcome

if TYPE_CHECKING:
    from searchapp.config import EngineSettings
    from searchapp.engine.typesense_backend import TypesenseIndex

T = TypeVar("T")


class Searcher(Protocol):
    """What the search service asks of an engine."""

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
    ) -> Outcome: ...

    def remembered(self, key: object, compute: Callable[[], T]) -> T: ...

    def stems_for(self, text: str) -> frozenset[str]: ...

    def phrases_for(self, text: str) -> tuple[frozenset[tuple[str, ...]], frozenset[str]]: ...

    def recheck(self) -> None: ...


def open_searcher(
    index: Path,
    settings: EngineSettings,
    max_query_length: int = 500,
    max_expansion: int = 2000,
) -> Searcher:
    local = IndexSearcher(index, max_query_length, max_expansion)
    if settings.name != "typesense":
        return local
    from searchapp.engine.typesense_backend import TypesenseSearcher

    return TypesenseSearcher(settings, local, max_query_length)


def replica(settings: EngineSettings) -> TypesenseIndex | None:
    """Where the indexer also writes its commits: None for the embedded engine alone."""
    if settings.name != "typesense":
        return None
    from searchapp.engine.typesense_backend import TypesenseIndex

    return TypesenseIndex(settings)
