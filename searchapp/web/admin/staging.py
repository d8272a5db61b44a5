"""Adding texts, in two steps. Upload (or paste) saves the files under
`<index>/staging/<token>/`, with safe names only, and the preview shows what was extracted;
"Add" then copies them into `<documents>/added/` (`adding.place`), records the corrected
metadata in metadata.csv (`adding.record_metadata`) and brings the index up to date. "Cancel"
deletes the staging folder; staging folders older than a day are swept at the next upload.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Response, flash, redirect, render_template, request, session, url_for
from werkzeug.datastructures import FileStorage

from searchapp.adding import (
    Placed,
    RejectedFile,
    check_date,
    place,
    record_metadata,
    safe_filename,
)
from searchapp.corpus import load_document, supported_suffixes
from searchapp.corpus.catalog import parse_catalog_date
from searchapp.corpus.model import Document, Metadata, UnreadableFile
from searchapp.engine import IndexBusy
from searchapp.indexer import IndexSummary
from searchapp.search import document_url
from searchapp.web.admin.blueprint import BUSY_MESSAGE, AdminError, bp, log, run_update_index
from searchapp.web.admin.state import admin_state
from searchapp.web.service import get_service

STAGING = "staging"  # below the index folder
MANIFEST = "manifest.json"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")  # secrets.token_urlsafe(16)
PREVIEW_PARAGRAPHS = 5
STAGING_MAX_AGE = 24 * 3600
FIELD_MAX = 300
FIELDS = ("title", "date", "kind", "parties")
PASTE_SUFFIXES = (".txt", ".md")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
EXPIRED = "This preview has expired or was cancelled. Upload the files again."


@dataclass
class Staged:
    index: int
    display: str  # the name the file was sent with (shown, never used as a path)
    file: str  # the safe name it is staged (and will be placed) under
    size: int
    path: Path
    document: Document | None = None
    error: str | None = None

    def values(self) -> dict[str, str]:
        meta = self.document.metadata if self.document else Metadata()
        return {
            "title": meta.title or "",
            "date": meta.date or "",
            "kind": meta.kind or "",
            "parties": "; ".join(meta.parties),
        }


def allowed_types() -> str:
    return ", ".join(sorted(supported_suffixes()))


# -- upload and paste ------------------------------------------------------------------------


@bp.post("/upload")
def upload() -> Response:
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        raise AdminError(
            400, f"Choose at least one file to upload (allowed types: {allowed_types()})."
        )
    entries = _read_uploads(files)
    if not any(data for _, _, data in entries):
        raise AdminError(
            400,
            "The uploaded file is empty."
            if len(entries) == 1
            else "All the uploaded files are empty.",
        )
    return redirect(url_for("admin.preview", token=_stage(entries)), code=303)


def _read_uploads(files: list[FileStorage]) -> list[tuple[str, str, bytes]]:
    """(name shown, safe name, content) of each file; refused all together if any has a type
    that is not supported."""
    entries, refused = [], []
    for upload_file in files:
        display = _display_name(upload_file.filename or "")
        try:
            safe = safe_filename(upload_file.filename or "")
        except RejectedFile:
            refused.append(display)
            continue
        entries.append((display, safe, upload_file.read()))
    if refused:
        names = ", ".join(refused)
        raise AdminError(
            400,
            f"Not a supported type: {names}. Allowed types: {allowed_types()}. "
            "Nothing was uploaded.",
        )
    return entries


@bp.post("/paste")
def paste() -> Response:
    text = request.form.get("text", "")
    if not text.strip():
        raise AdminError(400, "Paste the text of a declaration into the text box.")
    name = _display_name(request.form.get("name", "")) or "pasted text"
    filename = name if name.lower().endswith(PASTE_SUFFIXES) else f"{name}.txt"
    try:
        safe = safe_filename(filename)
    except RejectedFile as exc:  # cannot happen with the suffixes above; kept for safety
        raise AdminError(400, str(exc)) from None
    return redirect(url_for("admin.preview", token=_stage([(name, safe, text.encode())])), code=303)


# -- preview, add, cancel --------------------------------------------------------------------


@bp.get("/staging/<token>")
def preview(token: str) -> str:
    items = _load_staged(token)
    return render_template(
        "admin/preview.html",
        token=token,
        items=items,
        values={i.index: i.values() for i in items},
        errors={},
        included={i.index for i in items if i.document},
        shown=PREVIEW_PARAGRAPHS,
    )


@bp.post("/staging/<token>/add")
def add(token: str) -> Response | tuple[str, int] | str:
    items = _load_staged(token)
    values, errors, chosen = _read_choices(items)
    if errors or not chosen:
        return _preview_again(token, items, values, errors), 400
    placed, summary = _place_and_index(chosen)
    results = _results(placed, summary)
    _discard(token)
    return render_template("admin/added.html", results=results, summary=summary.line())


def _read_choices(
    items: list[Staged],
) -> tuple[dict[int, dict[str, str]], dict[int, str], list[tuple[Staged, Metadata]]]:
    """The submitted values of every item, the date errors, and the items ticked with their
    corrected metadata."""
    values, errors, chosen = {}, {}, []
    for item in items:
        submitted = {
            key: _clean_field(request.form.get(f"{key}-{item.index}", "")) for key in FIELDS
        }
        values[item.index] = submitted
        if item.document is None or not request.form.get(f"include-{item.index}"):
            continue
        try:
            date = _checked_date(submitted["date"])
        except (RejectedFile, ValueError):
            errors[item.index] = (
                f"The date {submitted['date'][:30]!r} is not a date: write YYYY, YYYY-MM or "
                "YYYY-MM-DD (e.g. 2002-12-02), or leave it empty."
            )
            continue
        chosen.append((item, _metadata(submitted, date)))
    return values, errors, chosen


def _checked_date(value: str) -> str | None:
    date = check_date(value)
    if date:
        parse_catalog_date(date)
    return date


def _metadata(submitted: dict[str, str], date: str | None) -> Metadata:
    parties = [p.strip() for p in submitted["parties"].split(";") if p.strip()]
    return Metadata(
        title=submitted["title"] or None,
        date=date,
        kind=submitted["kind"] or None,
        parties=parties,
    )


def _preview_again(
    token: str, items: list[Staged], values: dict[int, dict[str, str]], errors: dict[int, str]
) -> str:
    """The preview with the submitted values, the date errors and what to correct."""
    message = (
        "Correct the dates marked below."
        if errors
        else "Nothing to add: tick at least one readable document."
    )
    return render_template(
        "admin/preview.html",
        token=token,
        items=items,
        values=values,
        errors=errors,
        included={i.index for i in items if request.form.get(f"include-{i.index}")},
        shown=PREVIEW_PARAGRAPHS,
        message=message,
    )


def _place_and_index(
    chosen: list[tuple[Staged, Metadata]],
) -> tuple[list[tuple[Staged, Placed]], IndexSummary]:
    """Copy the chosen files into the documents folder, record their metadata and update the
    index, holding the writer lock (409 when a reindex or another add holds it)."""
    state = admin_state()
    if not state.writing.acquire(blocking=False):
        raise AdminError(409, BUSY_MESSAGE + " Your preview is kept.")
    try:
        documents = state.settings.documents
        placed = []
        for item, given in chosen:
            spot = place(documents, item.file, item.path.read_bytes())
            record_metadata(documents, spot.relpath, given)
            placed.append((item, spot))
        try:
            summary = run_update_index(documents, state.settings.index)
            get_service().engine.recheck()  # the next search finds what was just added
        except IndexBusy as exc:
            raise AdminError(
                409,
                f"The files were saved in the documents folder but not indexed yet: {exc}. "
                "Press Add again (nothing is duplicated) or reindex later.",
            ) from None
    finally:
        state.writing.release()
    return placed, summary


def _results(placed: list[tuple[Staged, Placed]], summary: IndexSummary) -> list[dict[str, object]]:
    failed = dict(summary.failed)
    registry = get_service().registry
    results = []
    for item, spot in placed:
        doc = registry.document_for_path(spot.relpath)
        results.append(
            {
                "display": item.display,
                "relpath": spot.relpath,
                "created": spot.created,
                "error": failed.get(spot.relpath),
                "doc_id": doc.doc_id if doc and spot.relpath not in failed else None,
                "url": document_url(doc.doc_id) if doc else None,
                "title": doc.metadata.title if doc else None,
            }
        )
    return results


@bp.post("/staging/<token>/cancel")
def cancel(token: str) -> Response:
    _staging_folder(token)  # 404 for an unknown token
    _discard(token)
    flash("Cancelled: nothing was added.")
    return redirect(url_for("admin.home"), code=303)


# -- names and fields ------------------------------------------------------------------------


def _display_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return " ".join(CONTROL.sub(" ", base).split())[:120]


def _clean_field(value: str) -> str:
    return " ".join(CONTROL.sub(" ", value).split())[:FIELD_MAX]


# -- the staging folders ---------------------------------------------------------------------


def _staging_root() -> Path:
    return admin_state().settings.index / STAGING


def _stage(entries: list[tuple[str, str, bytes]]) -> str:
    staging = _staging_root()
    _sweep(staging)
    token = secrets.token_urlsafe(16)
    folder = staging / token
    folder.mkdir(parents=True)
    items = []
    for n, (display, safe, data) in enumerate(entries):
        sub = folder / str(n)
        sub.mkdir()
        (sub / safe).write_bytes(data)
        items.append({"display": display, "file": safe, "size": len(data)})
    (folder / MANIFEST).write_text(json.dumps({"items": items}), encoding="utf-8")
    session["staging"] = [*session.get("staging", []), token][-20:]
    return token


def _staging_folder(token: str) -> Path:
    if not TOKEN.match(token) or token not in session.get("staging", []):
        raise AdminError(404, EXPIRED)
    folder = _staging_root() / token
    if not (folder / MANIFEST).is_file():
        raise AdminError(404, EXPIRED)
    return folder


def _load_staged(token: str) -> list[Staged]:
    folder = _staging_folder(token)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    items = []
    for n, entry in enumerate(manifest["items"]):
        root = folder / str(n)
        item = Staged(n, entry["display"], entry["file"], entry["size"], root / entry["file"])
        _read_staged(item, root)
        items.append(item)
    return items


def _read_staged(item: Staged, root: Path) -> None:
    """Set the item's document, or the error why it cannot be read."""
    try:
        # The indexer's budgets (size, time, paragraph length): a hostile upload costs the
        # worker no more than it costs `searchapp index`.
        item.document = load_document(item.path, root, limits=admin_state().settings.read_limits)
    except UnreadableFile as exc:
        item.error = str(exc)
    except Exception:  # a reader's own bug must not take the page down
        log.exception("admin: cannot read staged file %s", item.path)
        item.error = "could not be read (unexpected problem in the reader; see the log)"


def _discard(token: str) -> None:
    if TOKEN.match(token):
        shutil.rmtree(_staging_root() / token, ignore_errors=True)
    session["staging"] = [t for t in session.get("staging", []) if t != token]


def _sweep(staging: Path) -> None:
    """Remove staging folders nobody added or cancelled within a day."""
    if not staging.is_dir():
        return
    cutoff = time.time() - STAGING_MAX_AGE
    for folder in staging.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
