"""The admin pages: add texts (upload or paste, preview, correct, add) and reindex.

They exist only when an admin password is set: `SEARCHAPP_ADMIN_PASSWORD` in the environment
(read into Settings.admin_password) or in the instance config file `instance/searchapp.cfg`
(`SEARCHAPP_ADMIN_PASSWORD = "..."`, optionally `SECRET_KEY = "..."`). Without one, nothing
under /admin is registered, so every /admin URL is a 404 and the header has no Admin link.

With one, every page needs a login (a signed session cookie, HttpOnly and SameSite=Lax, and
Secure with SEARCHAPP_SECURE_COOKIES=1 or SESSION_COOKIE_SECURE = True in the instance config;
its session id is checked on the server, so a logout ends it) and every POST carries the
session's CSRF token in a hidden field (or an X-CSRF-Token header). Failed logins are counted
per client in a store every worker shares (`store`), with a lockout answered 429.

Adding is two steps (upload or paste, then add): see `staging`. Reindex runs
`update_index(rebuild=True)` in a background thread: see `reindex`. One writer at a time per
process (a lock shared by reindex and add, 409 when taken) and across processes (the index's
writer lock, IndexBusy → 409). The site keeps answering from the previous index generation
while a rebuild runs.

The parts:
    blueprint  the blueprint every part registers on, EXTENSION, AdminError, the indexer call
    state      AdminState, what the pages share in one process
    auth       login, logout, the session fingerprint, CSRF, the shared session key
    store      failed logins per client and server-side sessions, shared by the workers
    staging    upload, paste, preview, add, cancel, the staging folders and their sweep
    reindex    ReindexJob, JobFile, the reindex part of the state, the background run, status
    (here)     init_admin, the request hooks, the error handlers and the admin home

Both the add and the reindex run the indexer through `blueprint.run_update_index`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Config,
    Flask,
    Response,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from searchapp.config import Settings
from searchapp.web.admin.auth import (
    SECRET_FILE,
    check_csrf,
    csrf_token,
    local_path,
    logged_in,
    shared_secret,
)
from searchapp.web.admin.blueprint import EXTENSION, AdminError, bp
from searchapp.web.admin.reindex import JobFile, ReindexJob
from searchapp.web.admin.staging import allowed_types
from searchapp.web.admin.state import AdminState, admin_state

__all__ = [
    "EXTENSION",
    "INSTANCE_CONFIG",
    "SECRET_FILE",
    "AdminError",
    "AdminState",
    "JobFile",
    "ReindexJob",
    "bp",
    "csrf_token",
    "init_admin",
]

INSTANCE_CONFIG = "searchapp.cfg"


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
        app.secret_key = instance.get("SECRET_KEY") or shared_secret(settings.index)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    secure = settings.secure_cookies or bool(instance.get("SESSION_COOKIE_SECURE"))
    app.config["SESSION_COOKIE_SECURE"] = secure
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


# -- request hooks and errors ----------------------------------------------------------------


@bp.before_request
def guard() -> Response | None:
    state = admin_state()
    # Pasted texts arrive as a form field: allow them the upload limit, not Flask's 500 kB.
    request.max_form_memory_size = state.settings.max_upload_bytes
    if request.endpoint != "admin.login" and not logged_in():
        target = url_for("admin.login", next=local_path(request.full_path))
        if getattr(request, "htmx", None):
            response = make_response("", 200)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target, code=303)
    if request.method == "POST":
        check_csrf()
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
    limit = _human_size(admin_state().settings.max_upload_bytes)
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


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB" if n % (1024 * 1024) == 0 else f"{n / 1048576:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} kB"
    return f"{n} bytes"


# -- the admin home ------------------------------------------------------------------------


@bp.get("")
def home() -> str:
    state = admin_state()
    return render_template(
        "admin/home.html",
        job=state.current_job(),
        allowed=allowed_types(),
        limit=_human_size(state.settings.max_upload_bytes),
        messages=get_flashed_messages(),
    )
