"""Who may use the admin pages: the password login (failed logins counted per client, with a
lockout) and logout, the session (a fingerprint of the password and a server-side session id),
the CSRF token every POST carries, and the session key shared by worker processes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for

from searchapp.web.admin.blueprint import AdminError, bp, log
from searchapp.web.admin.state import AdminState, admin_state

SECRET_FILE = "admin-secret"  # below the index folder: one session key for every worker

CSRF_MESSAGE = (
    "This form has expired or did not come from this site (its security token is missing or "
    "wrong). Go back, reload the page and submit it again."
)


def shared_secret(index: Path) -> str:
    """A random key kept in `index/admin-secret` (mode 0600), created by the first process;
    a random key for this process alone if the folder cannot be written."""
    path = index / SECRET_FILE
    try:
        index.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _create_secret(index, path)
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except OSError:
        log.warning("admin: cannot keep a session key in %s", path, exc_info=True)
    log.warning("admin: using a session key for this process only (set SECRET_KEY)")
    return secrets.token_hex(32)


def _create_secret(index: Path, path: Path) -> None:
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


def fingerprint(state: AdminState) -> str:
    """Stored in the session at login: changing the password logs every session out."""
    secret = current_app.secret_key or b""
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    return hmac.new(key, state.password.encode(), hashlib.sha256).hexdigest()[:32]


def logged_in() -> bool:
    state = admin_state()
    mark = session.get("admin")
    if not (isinstance(mark, str) and hmac.compare_digest(mark, fingerprint(state))):
        return False
    return state.store.session_valid(session.get("sid"))


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not expected:
        raise AdminError(400, CSRF_MESSAGE)
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode()):
        raise AdminError(400, CSRF_MESSAGE)


def local_path(value: str | None) -> str:
    """`value` if it is a path of the admin pages, else the admin home (no open redirects, and
    nothing a Location header cannot carry: control characters, CR/LF above all)."""
    value = (value or "").rstrip("?")
    home = url_for("admin.home")
    if not (value == "/admin" or value.startswith(("/admin/", "/admin?"))):
        return home
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return home
    try:
        parts = urlsplit(value)
    except ValueError:
        return home
    return home if parts.scheme or parts.netloc else value


def client_id() -> str:
    """Whom failed logins are counted against: the client's address (the proxy's client when
    SEARCHAPP_PROXY_FIX says which proxies to trust)."""
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    state = admin_state()
    next_path = local_path(request.values.get("next"))
    if request.method == "GET":
        if logged_in():
            return redirect(next_path, code=303)
        return render_template("admin/login.html", next=next_path, error=None)
    client = client_id()
    wait = state.store.locked_for(client)
    if wait:
        return _locked_out(next_path, wait)
    password = request.form.get("password", "")
    if hmac.compare_digest(password.encode("utf-8", "replace"), state.password.encode()):
        state.store.clear_failures(client)
        session.clear()
        session["admin"] = fingerprint(state)
        session["sid"] = state.store.new_session()
        session["csrf"] = secrets.token_urlsafe(32)
        return redirect(next_path, code=303)
    log.warning("admin: failed login from %s", client)
    wait = state.store.record_failure(client)
    if wait:
        return _locked_out(next_path, wait)
    error = "Wrong password. Try again."
    return render_template("admin/login.html", next=next_path, error=error), 403


def _locked_out(next_path: str, wait: float) -> tuple[str, int, dict[str, str]]:
    minutes = max(1, math.ceil(wait / 60))
    error = (
        "Too many failed logins from your address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )
    html = render_template("admin/login.html", next=next_path, error=error)
    return html, 429, {"Retry-After": str(math.ceil(wait))}


@bp.post("/logout")
def logout() -> Response:
    # The session id is forgotten on the server: a copy of the cookie no longer logs in.
    admin_state().store.end_session(session.get("sid"))
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("admin.login"), code=303)
