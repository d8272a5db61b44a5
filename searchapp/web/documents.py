"""Documents and paragraph permalinks: the index of documents, a document, a paragraph."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from searchapp import citations
from searchapp.citations import CSL_MEDIA_TYPE
from searchapp.search import ParagraphLookup, SearchService, paragraph_url
from searchapp.web import reading
from searchapp.web.document_list import document_list
from searchapp.web.service import accepts_csl, require_index, wants_json

bp = Blueprint("documents", __name__, url_prefix="/documents")

MAX_PID = 2**31 - 1


@bp.get("")
def index() -> str:
    shown = document_list(require_index().documents(), request.args)
    return render_template("documents.html", listing=shown.listing, sort=shown.sort, shown=shown)


@bp.get("/<doc_id>")
def document(doc_id: str) -> Response | str | tuple[str, int]:
    service = require_index()
    doc = service.document(doc_id)
    if doc is None:
        return _missing(doc_id, None)
    if not doc.live:
        return render_template("gone.html", doc=doc, pid=None, nearest=None), 410
    q = request.args.get("q", "")
    page = reading.document_page(service, doc, q)
    return render_template("document.html", page=page, q=q)


@bp.get(f"/<doc_id>/<int(max={MAX_PID}):pid>")
def paragraph(doc_id: str, pid: int) -> Response | str | tuple[Any, int]:
    service = require_index()
    found = service.lookup(doc_id, pid)
    if found.status == "moved":
        assert found.target_pid is not None
        return _vary_accept(redirect(paragraph_url(doc_id, found.target_pid), code=301))
    if found.status == "gone":
        return _vary_accept(_gone(service, found, pid))
    if found.status == "missing":
        return _vary_accept(_missing(doc_id, pid))
    if accepts_csl():
        return _vary_accept(
            Response(json.dumps(csl_for(found), ensure_ascii=False), content_type=CSL_MEDIA_TYPE)
        )
    if wants_json():
        return _vary_accept(jsonify(service.paragraph_json(found)))
    view = reading.permalink_page(service, found, csl_for(found))
    return _vary_accept(make_response(render_template("paragraph.html", view=view)))


def csl_for(found: ParagraphLookup) -> dict[str, Any]:
    """The CSL-JSON item of a found paragraph, with its absolute permalink."""
    assert found.document is not None and found.paragraph is not None
    para = found.paragraph
    url = url_for("documents.paragraph", doc_id=para.doc_id, pid=para.pid, _external=True)
    return citations.csl_item(found.document, para, url, str(para.printed or para.number))


def _vary_accept(response: Response) -> Response:
    response.vary.add("Accept")
    return response


def _gone(service: SearchService, found: ParagraphLookup, pid: int) -> Response:
    assert found.document is not None
    doc = found.document
    nearest = service.registry.paragraph(doc.doc_id, found.target_pid) if found.target_pid else None
    if wants_json():
        body = reading.gone_json(doc, pid, nearest)
        return make_response(jsonify(body), 410)
    html = render_template("gone.html", doc=doc, pid=pid, nearest=nearest)
    return make_response(html, 410)


def _missing(doc_id: str, pid: int | None) -> Response:
    doc = require_index().document(doc_id)
    message = reading.missing_message(doc, doc_id, pid)
    if wants_json():
        return make_response(jsonify({"error": message}), 404)
    return make_response(render_template("not_found.html", doc=doc, message=message), 404)
