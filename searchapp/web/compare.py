"""Comparing two documents: `/compare` (the page) and `/api/compare` (the SPEC's JSON)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from searchapp.compare import CannotCompare, Comparison, compare, summary
from searchapp.web.errors import error_response
from searchapp.web.service import require_index

bp = Blueprint("compare", __name__)


def _comparison() -> Comparison:
    return compare(require_index().registry, request.args.get("a"), request.args.get("b"))


@bp.get("/compare")
def page() -> str:
    found = _comparison()
    return render_template("compare.html", found=found, summary=summary(found.pairs))


@bp.get("/api/compare")
def api() -> dict[str, Any]:
    return _comparison().json()


@bp.errorhandler(CannotCompare)
def cannot_compare(exc: CannotCompare) -> Response:
    return error_response(exc.status, str(exc))
