"""The admin pages: add texts (upload or paste, preview, correct, add) and reindex.

They exist only when an admin password is set: `SEARCHAPP_ADMIN_PASSWORD` in the environment
(read into Settings.admin_password) or in the instance config file `instance/searchapp.cfg`
(`SEARCHAPP_ADMIN_PASSWORD = "..."`, optionally `SECRET_KEY = "..."`). Without one, nothing
under /admin is registered, so every /admin URL is a 404 and the header has no Admin link.

With one, every page needs a login (a signed session cookie, HttpOnly and SameSite=Lax) and
every POST carries the session's CSRF token in a hidden field (or an X-CSRF-Token header).

Adding is two steps. Upload (or paste) saves the files under `<index>/staging/<token>/`, with
safe names only, and shows what was extracted; "Add" then copies them into
`<documents>/added/` (`adding.place`), records the corrected metadata in metadata.csv
(`adding.record_metadata`) and brings the index up to date. "Cancel" deletes the staging
folder; staging folders older than a day are swept at the next upload.

Reindex runs `update_index(rebuild=True)` in a background thread; the page polls a status
fragment (htmx, every second). One writer at a time per process (a lock shared by reindex and
add, 409 when taken) and across processes (the index's writer lock, IndexBusy → 409). The site
keeps answering from the previous index generation while a rebuild runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Config,
    Flask,
    Response,
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from searchapp.adding import RejectedFile, check_date, place, record_metadata, safe_filename
from searchapp.config import Settings
from searchapp.corpus import load_document, supported_suffixes
from searchapp.corpus.metadata import parse_catalog_date
from searchapp.corpus.model import Document, Metadata, UnreadableFile
from searchapp.engine import IndexBusy
from searchapp.engine.store import writer_lock
from searchapp.indexer import update_index
from searchapp.search import document_url
from searchapp.web.service import get_service

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger(__name__)

EXTENSION = "searchapp.admin"
INSTANCE_CONFIG = "searchapp.cfg"
STAGING = "staging"  # below the index folder
MANIFEST = "manifest.json"
SECRET_FILE = "admin-secret"  # below the index folder: one session key for every worker
JOB_FILE = "admin-reindex.json"  # below the index folder: reindex status for every worker
JOB_WRITE_EVERY = 0.25  # seconds between status writes while a reindex runs
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")  # secrets.token_urlsafe(16)
PREVIEW_PARAGRAPHS = 5
STAGING_MAX_AGE = 24 * 3600
LOGIN_DELAY = 1.0  # seconds a failed login waits (serialised: about one guess a second)
FIELD_MAX = 300
PASTE_SUFFIXES = (".txt", ".md")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

CSRF_MESSAGE = (
    "This form has expired or did not come from this site (its security token is missing or "
    "wrong). Go back, reload the page and submit it again."
)
BUSY_MESSAGE = "A reindex (or an add) is already running; try again when it has finished."


class AdminError(Exception):
    """A refusal with a status and a message for the admin."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ReindexJob:
    pid: int = field(default_factory=os.getpid)
    started: float = field(default_factory=time.time)
    done: int = 0
    total: int = 0
    name: str = ""
    finished: float | None = None
    summary: str | None = None
    failed: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def running(self) -> bool:
        return self.finished is None

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def progress(self, done: int, total: int, name: str) -> None:
        self.done, self.total, self.name = done, total, name


class JobFile:
    """The last reindex's status in the index folder, so that every worker process (gunicorn
    -w N) answers the polling with the same progress, whichever process runs the rebuild."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0.0

    def write(self, job: ReindexJob, force: bool = False) -> None:
        now = time.monotonic()
        first_or_last = job.done in (1, job.total)
        if not (force or first_or_last) and now - self.written < JOB_WRITE_EVERY:
            return
        self.written = now
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(asdict(job)), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            log.warning("admin: cannot write %s", self.path, exc_info=True)

    def read(self) -> ReindexJob | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            data["failed"] = [tuple(pair) for pair in data.get("failed", [])]
            job = ReindexJob(**data)
        except (OSError, ValueError, TypeError):
            return None
        if job.running and not _alive(job.pid):
            job.finished = job.started
            job.error = "interrupted: the process running it stopped before it finished"
        return job


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class AdminState:
    """What the admin pages share in one process: the password, the settings, one writer."""

    def __init__(self, password: str, settings: Settings) -> None:
        self.password = password
        self.settings = settings
        self.writing = threading.Lock()  # held by a running reindex or add
        self.failed_logins = threading.Lock()
        self.login_delay = LOGIN_DELAY
        self.job: ReindexJob | None = None  # the reindex this process runs or ran
        self.job_file = JobFile(settings.index / JOB_FILE)

    def current_job(self) -> ReindexJob | None:
        """This process's running reindex, else the last one any process recorded."""
        local = self.job
        if local is not None and local.running:
            return local
        recorded = self.job_file.read()
        if recorded is None or (local is not None and recorded.started <= local.started):
            return local  # this process's own job (or a later one) knows best
        return recorded

    @property
    def staging(self) -> Path:
        return self.settings.index / STAGING


# -- setting up ----------------------------------------------------------------------------


def init_admin(app: Flask, settings: Settings | None = None) -> bool:
    """Register the admin pages if an admin password is set; True when they are on.

    Call after `register_blueprints` (the Admin link is appended to the header's links).
    """
    settings = settings or app.config["SEARCHAPP_SETTINGS"]
    instance = _instance_config(app)
    password = settings.admin_password or instance.get("SEARCHAPP_ADMIN_PASSWORD")
    if not password:
        return False
    if not app.secret_key:
        # Sessions need a key shared by every worker process: the instance config's, else
        # one made at random once and kept in the index folder.
        app.secret_key = instance.get("SECRET_KEY") or _shared_secret(settings.index)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.extensions[EXTENSION] = AdminState(str(password), settings)
    app.register_blueprint(bp)
    nav = app.extensions.get("searchapp.nav")
    if nav is not None:
        from searchapp.web import NavLink

        nav.append(NavLink("admin.home", "Admin"))
    return True


def _instance_config(app: Flask) -> Config:
    config = Config(app.instance_path)
    path = Path(app.instance_path) / INSTANCE_CONFIG
    if path.is_file():
        config.from_pyfile(str(path))
    return config


def _shared_secret(index: Path) -> str:
    """A random key kept in `index/admin-secret` (mode 0600), created by the first process;
    a random key for this process alone if the folder cannot be written."""
    path = index / SECRET_FILE
    try:
        index.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            tmp = index / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)  # atomic, and never replaces another process's key
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except OSError:
        log.warning("admin: cannot keep a session key in %s", path, exc_info=True)
    log.warning("admin: using a session key for this process only (set SECRET_KEY)")
    return secrets.token_hex(32)


def _state() -> AdminState:
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


# -- login, CSRF, errors ---------------------------------------------------------------------


def _fingerprint(state: AdminState) -> str:
    """Stored in the session at login: changing the password logs every session out."""
    secret = current_app.secret_key or b""
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    return hmac.new(key, state.password.encode(), hashlib.sha256).hexdigest()[:32]


def _logged_in() -> bool:
    mark = session.get("admin")
    return isinstance(mark, str) and hmac.compare_digest(mark, _fingerprint(_state()))


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _check_csrf() -> None:
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not expected:
        raise AdminError(400, CSRF_MESSAGE)
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode()):
        raise AdminError(400, CSRF_MESSAGE)


@bp.before_request
def guard() -> Response | None:
    state = _state()
    # Pasted texts arrive as a form field: allow them the upload limit, not Flask's 500 kB.
    request.max_form_memory_size = state.settings.max_upload_bytes
    if request.endpoint != "admin.login" and not _logged_in():
        target = url_for("admin.login", next=_local_path(request.full_path))
        if getattr(request, "htmx", None):
            response = make_response("", 200)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target, code=303)
    if request.method == "POST":
        _check_csrf()
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def admin_context() -> dict[str, Any]:
    return {"csrf_token": csrf_token}


@bp.errorhandler(AdminError)
def admin_error(exc: AdminError) -> Response:
    return _error_response(exc.status, exc.message)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge) -> Response:
    limit = _human_size(_state().settings.max_upload_bytes)
    return _error_response(
        413,
        f"The upload is too large: at most {limit} can be sent at once. "
        "Upload fewer or smaller files (or split a long text).",
    )


def _error_response(status: int, message: str) -> Response:
    if getattr(request, "htmx", None):
        html = render_template("admin/_message.html", message=message, error=True)
    else:
        html = render_template("admin/error.html", status=status, message=message)
    return make_response(html, status)


def _local_path(value: str | None) -> str:
    """`value` if it is a path of the admin pages, else the admin home (no open redirects)."""
    value = (value or "").rstrip("?")
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/admin") or "\\" in value:
        return url_for("admin.home")
    return value


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB" if n % (1024 * 1024) == 0 else f"{n / 1048576:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} kB"
    return f"{n} bytes"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    state = _state()
    next_path = _local_path(request.values.get("next"))
    if request.method == "GET":
        if _logged_in():
            return redirect(next_path, code=303)
        return render_template("admin/login.html", next=next_path, error=None)
    password = request.form.get("password", "")
    if hmac.compare_digest(password.encode("utf-8", "replace"), state.password.encode()):
        session.clear()
        session["admin"] = _fingerprint(state)
        session["csrf"] = secrets.token_urlsafe(32)
        return redirect(next_path, code=303)
    with state.failed_logins:  # one failed guess at a time, each one slow
        time.sleep(state.login_delay)
    log.warning("admin: failed login from %s", request.remote_addr)
    error = "Wrong password. Try again."
    return render_template("admin/login.html", next=next_path, error=error), 403


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("admin.login"), code=303)


# -- the admin home ------------------------------------------------------------------------


@bp.get("")
def home() -> str:
    state = _state()
    return render_template(
        "admin/home.html",
        job=state.current_job(),
        allowed=_allowed(),
        limit=_human_size(state.settings.max_upload_bytes),
        messages=get_flashed_messages(),
    )


def _allowed() -> str:
    return ", ".join(sorted(supported_suffixes()))


# -- staging: upload, paste, preview, add, cancel --------------------------------------------


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


@bp.post("/upload")
def upload() -> Response:
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        raise AdminError(400, f"Choose at least one file to upload (allowed types: {_allowed()}).")
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
            f"Not a supported type: {names}. Allowed types: {_allowed()}. Nothing was uploaded.",
        )
    if not any(data for _, _, data in entries):
        raise AdminError(
            400,
            "The uploaded file is empty."
            if len(entries) == 1
            else "All the uploaded files are empty.",
        )
    return redirect(url_for("admin.preview", token=_stage(entries)), code=303)


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
    state = _state()
    items = _load_staged(token)
    values, errors, chosen = {}, {}, []
    for item in items:
        submitted = {
            key: _clean_field(request.form.get(f"{key}-{item.index}", ""))
            for key in ("title", "date", "kind", "parties")
        }
        values[item.index] = submitted
        if item.document is None or not request.form.get(f"include-{item.index}"):
            continue
        try:
            date = check_date(submitted["date"])
            if date:
                parse_catalog_date(date)
        except (RejectedFile, ValueError):
            errors[item.index] = (
                f"The date {submitted['date'][:30]!r} is not a date: write YYYY, YYYY-MM or "
                "YYYY-MM-DD (e.g. 2002-12-02), or leave it empty."
            )
            continue
        parties = [p.strip() for p in submitted["parties"].split(";") if p.strip()]
        given = Metadata(
            title=submitted["title"] or None,
            date=date,
            kind=submitted["kind"] or None,
            parties=parties,
        )
        chosen.append((item, given))
    included = {i.index for i in items if request.form.get(f"include-{i.index}")}
    if errors or not chosen:
        message = (
            "Correct the dates marked below."
            if errors
            else "Nothing to add: tick at least one readable document."
        )
        html = render_template(
            "admin/preview.html",
            token=token,
            items=items,
            values=values,
            errors=errors,
            included=included,
            shown=PREVIEW_PARAGRAPHS,
            message=message,
        )
        return html, 400
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
            summary = update_index(documents, state.settings.index)
        except IndexBusy as exc:
            raise AdminError(
                409,
                f"The files were saved in the documents folder but not indexed yet: {exc}. "
                "Press Add again (nothing is duplicated) or reindex later.",
            ) from None
    finally:
        state.writing.release()
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
    _discard(token)
    return render_template("admin/added.html", results=results, summary=summary.line())


@bp.post("/staging/<token>/cancel")
def cancel(token: str) -> Response:
    _staging_folder(token)  # 404 for an unknown token
    _discard(token)
    flash("Cancelled: nothing was added.")
    return redirect(url_for("admin.home"), code=303)


def _display_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return " ".join(CONTROL.sub(" ", base).split())[:120]


def _clean_field(value: str) -> str:
    return " ".join(CONTROL.sub(" ", value).split())[:FIELD_MAX]


def _stage(entries: list[tuple[str, str, bytes]]) -> str:
    state = _state()
    _sweep(state.staging)
    token = secrets.token_urlsafe(16)
    folder = state.staging / token
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
        raise AdminError(404, "This preview has expired or was cancelled. Upload the files again.")
    folder = _state().staging / token
    if not (folder / MANIFEST).is_file():
        raise AdminError(404, "This preview has expired or was cancelled. Upload the files again.")
    return folder


def _load_staged(token: str) -> list[Staged]:
    folder = _staging_folder(token)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    items = []
    for n, entry in enumerate(manifest["items"]):
        root = folder / str(n)
        item = Staged(n, entry["display"], entry["file"], entry["size"], root / entry["file"])
        try:
            item.document = load_document(item.path, root)
        except UnreadableFile as exc:
            item.error = str(exc)
        except Exception:  # a reader's own bug must not take the page down
            log.exception("admin: cannot read staged file %s", item.path)
            item.error = "could not be read (unexpected problem in the reader; see the log)"
        items.append(item)
    return items


def _discard(token: str) -> None:
    if TOKEN.match(token):
        shutil.rmtree(_state().staging / token, ignore_errors=True)
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


# -- reindex -------------------------------------------------------------------------------


@bp.post("/reindex")
def reindex() -> Response | tuple[str, int] | str:
    state = _state()
    if not state.writing.acquire(blocking=False):
        return _reindex_answer(state, BUSY_MESSAGE, 409)
    try:
        with writer_lock(state.settings.index):  # another process (the command line)?
            pass
    except IndexBusy as exc:
        state.writing.release()
        return _reindex_answer(state, f"Cannot reindex now: {exc}.", 409)
    job = ReindexJob()
    state.job = job
    state.job_file.write(job, force=True)
    thread = threading.Thread(
        target=_run_reindex, args=(state, job), name="searchapp-reindex", daemon=True
    )
    try:
        thread.start()
    except BaseException:
        state.writing.release()
        raise
    return _reindex_answer(state, "Reindex started.", 202)


def _reindex_answer(state: AdminState, message: str, status: int) -> Response | tuple[str, int]:
    error = status >= 400
    if getattr(request, "htmx", None):
        html = render_template(
            "admin/_reindex_panel.html", job=state.current_job(), message=message, error=error
        )
        return html, status
    if error:
        raise AdminError(status, message)
    flash(message)
    return redirect(url_for("admin.home") + "#reindex", code=303)


def _run_reindex(state: AdminState, job: ReindexJob) -> None:
    try:

        def progress(done: int, total: int, name: str) -> None:
            job.progress(done, total, name)
            state.job_file.write(job)

        summary = update_index(
            state.settings.documents, state.settings.index, rebuild=True, progress=progress
        )
        job.summary = summary.line()
        job.failed = list(summary.failed)
    except IndexBusy as exc:
        job.error = str(exc)
    except Exception:
        log.exception("admin: reindex failed")
        job.error = "unexpected error; the index was left as it was (see the server log)"
    finally:
        job.finished = time.time()
        state.job_file.write(job, force=True)
        state.writing.release()


@bp.get("/reindex/status")
def reindex_status() -> str:
    return render_template("admin/_reindex_status.html", job=_state().current_job())
