"""The one SearchService of the app, and small helpers every view needs."""

from __future__ import annotations

from flask import Flask, current_app, request

from searchapp.citations import CSL_MEDIA_TYPE
from searchapp.engine import IndexMissing
from searchapp.search import SearchService

EXTENSION = "searchapp.service"


def get_service(app: Flask | None = None) -> SearchService:
    return (app or current_app).extensions[EXTENSION]  # type: ignore[no-any-return]


def require_index() -> SearchService:
    """The service, or IndexMissing (a polite 503) when nothing was indexed yet."""
    service = get_service()
    if not service.registry.exists():
        raise IndexMissing(f"no index in {service.index}")
    return service


def wants_json() -> bool:
    """True when the client asked for JSON rather than a page (Accept header)."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def accepts_csl() -> bool:
    """True when the client asked for CSL-JSON (reference managers, citeproc clients)."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json", CSL_MEDIA_TYPE])
    return best == CSL_MEDIA_TYPE


def is_fragment_request() -> bool:
    """An htmx request that wants only the changing part (not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
