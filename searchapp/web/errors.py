"""Errors as pages (or JSON for the API), and the security headers of every response.

The caller's fault is a 4xx with a clear message; a missing index is a polite 503; anything
unexpected is logged and answered with a plain 500 that gives nothing away.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from searchapp.engine import IndexMissing, QueryRefused
from searchapp.search import BadRequest
from searchapp.web.service import is_fragment_request, wants_json

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

INDEX_MISSING = (
    "The search index has not been built yet. Run `searchapp index` (or `searchapp serve`, "
    "which builds it first) and reload this page."
)
UNEXPECTED = "Something went wrong on our side. The error has been logged; please try again."

TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    410: "Gone",
    500: "Server error",
    503: "Index not ready",
}


def _json_wanted() -> bool:
    return request.path.startswith("/api/") or wants_json()


def error_response(status: int, message: str) -> Response:
    if _json_wanted():
        return make_response(jsonify({"error": message}), status)
    fragment = is_fragment_request()
    template = "_error.html" if fragment else "error.html"
    title = TITLES.get(status, "Error")
    html = render_template(template, status=status, title=title, message=message)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


@bp.app_errorhandler(BadRequest)
@bp.app_errorhandler(QueryRefused)
def bad_request(exc: Exception) -> Response:
    return error_response(400, str(exc))


@bp.app_errorhandler(IndexMissing)
def index_missing(exc: IndexMissing) -> Response:
    log.warning("index missing: %s", exc)
    return error_response(503, INDEX_MISSING)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status >= 500:
        return error_response(status, UNEXPECTED)
    return error_response(status, exc.description or TITLES.get(status, "Error"))


@bp.app_errorhandler(Exception)
def unexpected(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, UNEXPECTED)


@bp.after_app_request
def security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
