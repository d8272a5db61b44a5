"""The JSON API: `/api/search` and `/api/trend` answer the SPEC's JSON (errors as
{"error": ...}).

`/api/openapi.json` describes every route here (web/openapi.py); `/api` renders it for people.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from searchapp.web.openapi import openapi_document
from searchapp.web.service import get_service
from searchapp.web.state import SearchState

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> dict[str, Any]:
    return get_service().search(SearchState.from_args(request.args).request())


@bp.get("/trend")
def trend() -> dict[str, Any]:
    return get_service().trend(SearchState.from_args(request.args).request())


def _document() -> dict[str, Any]:
    settings = current_app.config["SEARCHAPP_SETTINGS"]
    return openapi_document(settings.per_page_max, settings.max_query_length)


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return _document()


@bp.get("")
def reference() -> str:
    return render_template("api.html", spec=_document())
