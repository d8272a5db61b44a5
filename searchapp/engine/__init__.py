"""The search engine: the only package that knows about Whoosh.

Everything above it talks to `IndexWriter`, `IndexSearcher` and the plain values they take
and return, so the engine could be replaced without touching the rest.
"""

from searchapp.engine import patches as _patches  # noqa: F401  (applied on import)
from searchapp.engine.build import IndexWriter
from searchapp.engine.highlight import Excerpt, mark_spans
from searchapp.engine.query import QueryRefused
from searchapp.engine.schema import UNKNOWN_YEAR, ParagraphRecord
from searchapp.engine.search import SORTS, Hit, IndexSearcher, Outcome
from searchapp.engine.store import IndexBusy, IndexMissing, current_generation, writer_lock

__all__ = [
    "SORTS",
    "UNKNOWN_YEAR",
    "Excerpt",
    "Hit",
    "IndexBusy",
    "IndexMissing",
    "IndexSearcher",
    "IndexWriter",
    "Outcome",
    "ParagraphRecord",
    "QueryRefused",
    "current_generation",
    "mark_spans",
    "writer_lock",
]
