"""The search page: `/` and `/search` (the whole page, or only the results for htmx)."""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request

from searchapp.web import results
from searchapp.web.service import get_service, is_fragment_request
from searchapp.web.state import SearchState

bp = Blueprint("search", __name__)


def _search_response(state: SearchState) -> Response:
    service = get_service()
    data = service.search(state.request())
    # The chart reuses the search's year facet; only the paragraphs per year cost a lookup.
    years = data["facets"]["year"]
    trend = service.trend(state.request(), hit_years=years) if data["total"] else {"buckets": []}
    view = results.build(data, state, trend)
    fragment = is_fragment_request()
    template = "_results.html" if fragment else "search.html"
    response = make_response(render_template(template, results=view, fragment=fragment))
    response.vary.add("HX-Request")
    return response


@bp.get("/")
def home() -> Response:
    return _search_response(SearchState())


@bp.get("/search")
def search() -> Response:
    return _search_response(SearchState.from_args(request.args))
