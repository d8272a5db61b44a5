"""Who may use the admin pages: the password login and logout, the session's fingerprint of the
password, the CSRF token every POST carries, and the session key shared by worker processes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
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
    mark = session.get("admin")
    return isinstance(mark, str) and hmac.compare_digest(mark, fingerprint(admin_state()))


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
    """`value` if it is a path of the admin pages, else the admin home (no open redirects)."""
    value = (value or "").rstrip("?")
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/admin") or "\\" in value:
        return url_for("admin.home")
    return value


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    state = admin_state()
    next_path = local_path(request.values.get("next"))
    if request.method == "GET":
        if logged_in():
            return redirect(next_path, code=303)
        return render_template("admin/login.html", next=next_path, error=None)
    password = request.form.get("password", "")
    if hmac.compare_digest(password.encode("utf-8", "replace"), state.password.encode()):
        session.clear()
        session["admin"] = fingerprint(state)
        session["csrf"] = secrets.token_urlsafe(32)
        return redirect(next_path, code=303)
    return _refuse_login(state, next_path)


def _refuse_login(state: AdminState, next_path: str) -> tuple[str, int]:
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
