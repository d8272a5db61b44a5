"""The JSON API: `/api/search` answers the SPEC's JSON (errors as {"error": ...})."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from searchapp.web.service import get_service
from searchapp.web.state import SearchState

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> dict[str, Any]:
    return get_service().search(SearchState.from_args(request.args).request())
