"""Taking results away: `/search.csv`, `/search.jsonl`, `/search.atom` and citations.

The exports take exactly the parameters of `/search`; `page` and `per_page` are ignored
(every hit is exported, streamed, up to the cap in search.EXPORT_CAP). Citations of a
paragraph are at its permalink with `.bib` or `.ris` appended; CSL-JSON is served at the
permalink itself by content negotiation (web/documents.py).
"""

from __future__ import annotations

import re
from dataclasses import replace

from flask import Blueprint, Response, redirect, request

from searchapp import citations, exports, feeds
from searchapp.search import EXPORT_CAP, BadRequest, paragraph_url
from searchapp.web.documents import MAX_PID, csl_for
from searchapp.web.service import require_index
from searchapp.web.state import SearchState

bp = Blueprint("exports", __name__)

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8; header=present",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
CITATION_TYPES = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
}
FORMATS = (*MEDIA_TYPES, "atom")


@bp.get("/search.<fmt>")
def search_export(fmt: str) -> Response:
    if fmt == "atom":
        return _atom()
    if fmt not in MEDIA_TYPES:
        raise BadRequest(f"unknown export format {fmt[:20]!r}: use {', '.join(FORMATS)}")
    state = SearchState.from_args(request.args)
    stream = require_index().all_hits(state.request(), cap=_limit())
    chunks = exports.WRITERS[fmt](stream, request.url_root)
    response = Response(chunks, mimetype=None, content_type=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(state.q)}.{fmt}"'
    return response


def _limit() -> int:
    text = request.args.get("limit", "").strip()
    if not text:
        return EXPORT_CAP
    if not text.isdigit() or not 1 <= int(text) <= EXPORT_CAP:
        raise BadRequest(f"limit must be a whole number from 1 to {EXPORT_CAP:,} (the export cap)")
    return int(text)


def _filename(q: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", q.lower()).strip("-")[:60]
    return f"search-{slug}" if slug else "search"


def _atom() -> Response:
    service = require_index()
    state = SearchState.from_args(request.args)
    # A feed follows what is new: the newest documents' hits, whatever the page's sort.
    req = replace(state.request(), sort="newest", group=False)
    hits = list(service.all_hits(req, cap=feeds.FEED_HITS_SCANNED))
    added = service.registry.added(sorted({h["doc_id"] for h in hits}))
    documents = feeds.group_by_document(hits, added)
    page = state.changed()
    title = f"Declarations search: {state.q}" if state.q else "Declarations search: all paragraphs"
    body = feeds.atom(
        documents,
        title=title,
        feed_url=request.url_root.rstrip("/") + page.export_url("atom"),
        page_url=request.url_root.rstrip("/") + page.url(),
        base_url=request.url_root,
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@bp.get(f"/documents/<doc_id>/<int(max={MAX_PID}):pid>.<fmt>")
def citation(doc_id: str, pid: int, fmt: str) -> Response:
    if fmt not in CITATION_TYPES:
        raise BadRequest(f"unknown citation format {fmt[:20]!r}: use bib or ris")
    found = require_index().lookup(doc_id, pid)
    if found.status == "moved":
        assert found.target_pid is not None
        return redirect(f"{paragraph_url(doc_id, found.target_pid)}.{fmt}", code=301)
    if found.status != "ok":
        status, message = (
            (410, "This paragraph was removed.")
            if found.status == "gone"
            else (
                404,
                f"There is no paragraph {pid} in a document {doc_id!r}.",
            )
        )
        return Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    item = csl_for(found)
    text = citations.bibtex(item) if fmt == "bib" else citations.ris(item)
    response = Response(text, content_type=CITATION_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{doc_id}-{pid}.{fmt}"'
    return response
