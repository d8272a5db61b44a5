"""The admin pages with the Flask test client: off by default, login, CSRF, adding texts
(upload and paste, preview, corrections, limits, unsafe names, unreadable files), reindex with
progress, and searches that keep answering while the index is rebuilt."""

from __future__ import annotations

import io
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from searchapp import create_app
from searchapp.config import Settings, load_settings
from searchapp.indexer import update_index
from searchapp.web import admin
from searchapp.web.admin import blueprint
from searchapp.web.admin.store import MAX_FAILURES
from tests.conftest import copy_seeds

PASSWORD = "correct horse battery staple"
HTMX = {"HX-Request": "true"}

NEW_TEXT = (
    "Joint Statement of the Republic of Examplia and the Kingdom of Samplestan\n\n"
    "Ulaanbaatar, 3 March 2021\n\n"
    "1. The two sides agreed to deepen their cooperation on quokkaberry cultivation and "
    "the protection of mountain pastures.\n\n"
    "2. They reaffirmed their commitment to free trade and to the multilateral trading "
    "system.\n\n"
    "3. The sides will hold consultations on regional security every year.\n\n"
    "4. They welcomed the growth of tourism between the two countries.\n\n"
    "5. Both sides support the central role of the United Nations.\n\n"
    "6. They agreed that the next meeting will be held in Samplestan.\n"
)


# -- fixtures and helpers --------------------------------------------------------------------


def make_app(tmp_path: Path, password: str | None = PASSWORD, **changes: Any) -> Flask:
    documents = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    summary = update_index(documents, index)
    assert not summary.failed
    settings = replace(load_settings(documents, index), admin_password=password, **changes)
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def admin_app(tmp_path: Path) -> Flask:
    return make_app(tmp_path)


@pytest.fixture
def anon(admin_app: Flask) -> FlaskClient:
    """A client of the admin-enabled app, not logged in."""
    return admin_app.test_client()


def csrf_of(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        token = session.get("csrf")
    assert token, "no CSRF token in the session yet"
    return str(token)


def log_in(client: FlaskClient, password: str = PASSWORD) -> Any:
    page = client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post("/admin/login", data={"csrf_token": token.group(1), "password": password})


@pytest.fixture
def client(admin_app: Flask) -> FlaskClient:
    """A logged-in admin."""
    c = admin_app.test_client()
    assert log_in(c).status_code == 303
    return c


def settings_of(app: Flask) -> Settings:
    return app.config["SEARCHAPP_SETTINGS"]  # type: ignore[no-any-return]


def upload(client: FlaskClient, *files: tuple[bytes, str], csrf: str | None = None) -> Any:
    data: dict[str, Any] = {"csrf_token": csrf if csrf is not None else csrf_of(client)}
    data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/admin/upload", data=data, content_type="multipart/form-data")


def token_of(location: str) -> str:
    match = re.fullmatch(r"/admin/staging/([A-Za-z0-9_-]{22})", location)
    assert match, location
    return match.group(1)


def form_values(html: str) -> dict[str, str]:
    """The text inputs and checked checkboxes of the add form, as a browser would send them."""
    form = html[html.index('id="add-form"') : html.index("</form>", html.index('id="add-form"'))]
    values = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue
        values[name.group(1)] = _unescape(value.group(1)) if value else ""
    return values


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def files_below(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# -- off by default, login, logout, CSRF -----------------------------------------------------


def test_admin_is_off_without_a_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEARCHAPP_ADMIN_PASSWORD", raising=False)
    app = make_app(tmp_path, password=None)
    client = app.test_client()
    for path in ("/admin", "/admin/login", "/admin/reindex/status", "/admin/staging/x"):
        assert client.get(path).status_code == 404, path
    assert client.post("/admin/reindex").status_code == 404
    assert client.post("/admin/upload").status_code == 404
    home = client.get("/")
    assert home.status_code == 200
    assert "/admin" not in home.text
    assert "Set-Cookie" not in home.headers


def test_admin_link_in_the_header_only_when_on(anon: FlaskClient) -> None:
    home = anon.get("/")
    assert re.search(r'<a href="/admin">Admin</a>', home.text)


def test_password_from_the_instance_config(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / admin.INSTANCE_CONFIG).write_text(
        'SEARCHAPP_ADMIN_PASSWORD = "from-file"\nSECRET_KEY = "k" * 40\n'
    )
    app = Flask("instance_test", instance_path=str(instance))
    settings = load_settings(tmp_path / "documents", tmp_path / "index")
    assert admin.init_admin(app, replace(settings, admin_password=None))
    assert app.extensions[admin.EXTENSION].password == "from-file"
    assert app.secret_key == "k" * 40
    assert "admin.home" in app.view_functions
    (instance / admin.INSTANCE_CONFIG).unlink()
    bare = Flask("instance_test2", instance_path=str(instance))
    assert not admin.init_admin(bare, replace(settings, admin_password=None))
    assert "admin.home" not in bare.view_functions


def test_pages_need_a_login(anon: FlaskClient, admin_app: Flask) -> None:
    for path in ("/admin", "/admin/reindex/status", "/admin/staging/AAAAAAAAAAAAAAAAAAAAAA"):
        response = anon.get(path)
        assert response.status_code == 303, path
        assert response.location.startswith("/admin/login?next=")
    # htmx polling after the session ended: told to go to the login page
    response = anon.get("/admin/reindex/status", headers=HTMX)
    assert response.headers["HX-Redirect"].startswith("/admin/login")
    # POSTs too: nothing runs, nothing is written
    before = files_below(settings_of(admin_app).documents)
    response = anon.post(
        "/admin/upload",
        data={"files": [(io.BytesIO(NEW_TEXT.encode()), "a.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert anon.post("/admin/reindex").status_code == 303
    assert admin_app.extensions[admin.EXTENSION].job is None
    assert files_below(settings_of(admin_app).documents) == before


def test_login_sets_a_safe_cookie_and_redirects(anon: FlaskClient) -> None:
    response = log_in(anon)
    assert response.status_code == 303
    assert response.location == "/admin"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    page = anon.get("/admin")
    assert page.status_code == 200
    assert "Add texts" in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_wrong_password_is_refused(anon: FlaskClient) -> None:
    response = log_in(anon, "wrong")
    assert response.status_code == 403
    assert "Wrong password" in response.text
    assert anon.get("/admin").status_code == 303
    empty = log_in(anon, "")
    assert empty.status_code == 403


def failed_logins(client: FlaskClient, times: int) -> list[Any]:
    return [log_in(client, "nope") for _ in range(times)]


def test_failed_logins_lock_the_client_out_without_waiting(anon: FlaskClient) -> None:
    tries = failed_logins(anon, MAX_FAILURES)
    assert [r.status_code for r in tries] == [403] * (MAX_FAILURES - 1) + [429]
    locked = tries[-1]
    assert int(locked.headers["Retry-After"]) > 60
    assert "Too many failed logins" in locked.text
    # Locked out: even the right password is refused until the lockout ends.
    right = log_in(anon)
    assert right.status_code == 429
    assert anon.get("/admin").status_code == 303


def test_lockout_is_per_client(admin_app: Flask) -> None:
    guesser = admin_app.test_client()
    failed_logins(guesser, MAX_FAILURES)
    other = admin_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert log_in(other).status_code == 303


def test_failures_are_counted_across_workers(admin_app: Flask) -> None:
    """Two app instances over the same index, as two gunicorn workers: one count."""
    second = create_app(settings_of(admin_app))
    one, two = admin_app.test_client(), second.test_client()
    half = MAX_FAILURES // 2
    assert all(r.status_code == 403 for r in failed_logins(one, half))
    rest = failed_logins(two, MAX_FAILURES - half)
    assert rest[-1].status_code == 429
    assert log_in(one).status_code == 429


def test_a_success_clears_the_count(anon: FlaskClient) -> None:
    failed_logins(anon, MAX_FAILURES - 1)
    assert log_in(anon).status_code == 303
    anon.post("/admin/logout", data={"csrf_token": csrf_of(anon)})
    assert all(r.status_code == 403 for r in failed_logins(anon, MAX_FAILURES - 1))


def test_cookie_is_secure_when_configured(tmp_path: Path) -> None:
    app = make_app(tmp_path, secure_cookies=True)
    client = app.test_client()
    cookie = log_in(client).headers["Set-Cookie"]
    assert "Secure" in cookie


def test_a_logged_out_cookie_no_longer_logs_in(client: FlaskClient, admin_app: Flask) -> None:
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.post("/admin/logout", data={"csrf_token": csrf_of(client)})
    replay = admin_app.test_client()
    replay.set_cookie("session", cookie.value)
    assert replay.get("/admin").status_code == 303


@pytest.mark.parametrize(
    "target",
    ["/admin\r\nSet-Cookie: x=1", "/admin/%0d%0aX: 1\r\n", "/admin\n", "//evil.example", "/adminx"],
)
def test_next_with_control_characters_is_refused(anon: FlaskClient, target: str) -> None:
    page = anon.get("/admin/login", query_string={"next": target})
    assert page.status_code == 200
    data = {"csrf_token": csrf_of(anon), "password": PASSWORD, "next": target}
    response = anon.post("/admin/login", data=data)
    assert response.status_code == 303
    assert response.location in ("/admin", "/admin/%0d%0aX: 1")
    assert "\n" not in response.location and "\r" not in response.location


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/admin", "/search?q=x", "/admin\\x"]
)
def test_login_redirects_only_to_admin_pages(anon: FlaskClient, target: str) -> None:
    anon.get("/admin/login")
    data = {"csrf_token": csrf_of(anon), "password": PASSWORD, "next": target}
    response = anon.post("/admin/login", data=data)
    assert response.status_code == 303
    assert response.location == "/admin"


def test_login_returns_to_the_page_asked_for(anon: FlaskClient) -> None:
    first = anon.get("/admin/reindex/status")
    assert first.location == "/admin/login?next=/admin/reindex/status"
    anon.get(first.location)
    data = {"csrf_token": csrf_of(anon), "password": PASSWORD, "next": "/admin/reindex/status"}
    assert anon.post("/admin/login", data=data).location == "/admin/reindex/status"


def test_logout(client: FlaskClient) -> None:
    response = client.post("/admin/logout", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303
    assert client.get("/admin").status_code == 303


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_csrf_missing_or_wrong_is_refused(client: FlaskClient, token: str | None) -> None:
    data = {} if token is None else {"csrf_token": token}
    for path in ("/admin/reindex", "/admin/logout", "/admin/paste"):
        response = client.post(path, data={**data, "text": "x"})
        assert response.status_code == 400, path
        assert "security token" in response.text
        assert "Traceback" not in response.text
    response = upload(client, (NEW_TEXT.encode(), "a.txt"), csrf=token or "")
    assert response.status_code == 400
    assert client.get("/admin").status_code == 200  # still logged in: logout was refused


def test_login_form_needs_its_csrf_token(anon: FlaskClient) -> None:
    response = anon.post("/admin/login", data={"password": PASSWORD})
    assert response.status_code == 400
    assert anon.get("/admin").status_code == 303


def test_pages_have_no_inline_scripts_or_styles(client: FlaskClient) -> None:
    response = upload(client, (NEW_TEXT.encode(), "a.txt"))
    for page in (client.get("/admin"), client.get(response.location), client.get("/admin/login")):
        html = page.text
        assert "<script>" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"\son[a-z]+=", html)
        assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
        # every form control has a label
        for control in re.findall(r'<(?:input|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{control}"' in html, control


# -- adding texts ----------------------------------------------------------------------------


def test_upload_preview_correct_add_then_page_and_search(
    client: FlaskClient, admin_app: Flask
) -> None:
    response = upload(client, (NEW_TEXT.encode(), "examplia-statement.txt"))
    assert response.status_code == 303
    token = token_of(response.location)
    staging = settings_of(admin_app).index / "staging" / token
    assert (staging / "0" / "examplia-statement.txt").is_file()
    assert not (settings_of(admin_app).documents / "added").exists()  # not yet

    preview = client.get(response.location)
    assert preview.status_code == 200
    html = preview.text
    assert "Joint Statement of the Republic of Examplia and the Kingdom of Samplestan" in html
    assert 'value="2021-03-03"' in html
    assert "quokkaberry cultivation" in html  # first paragraphs ...
    assert "Both sides support the central role" in html  # ... up to the fifth
    assert "next meeting will be held" not in html  # the sixth is not shown
    assert "1 more" in html
    assert "Ulaanbaatar" in html  # place
    assert "Trade and economy" in html  # sections

    values = form_values(html)
    assert values["include-0"] == "1"
    values["date-0"] = "2021-03-04"  # the correction
    values["parties-0"] = "Examplia; Samplestan"
    added = client.post(f"/admin/staging/{token}/add", data=values)
    assert added.status_code == 200, added.text
    doc_id = re.search(r'<code class="doc-id">([^<]+)</code>', added.text)
    assert doc_id, added.text
    doc_id = doc_id.group(1)
    assert doc_id.startswith("2021-03-04")
    assert f'href="/documents/{doc_id}"' in added.text
    assert not staging.exists()

    documents = settings_of(admin_app).documents
    assert (documents / "added" / "examplia-statement.txt").read_bytes() == NEW_TEXT.encode()
    catalog = (documents / "metadata.csv").read_text()
    assert "added/examplia-statement.txt" in catalog and "2021-03-04" in catalog
    assert "Examplia;Samplestan" in catalog

    page = client.get(f"/documents/{doc_id}")
    assert page.status_code == 200
    assert "2021-03-04" in page.text
    assert "Examplia, Samplestan" in page.text
    found = client.get("/api/search?q=quokkaberry").get_json()
    assert found["total"] == 1
    assert found["hits"][0]["doc_id"] == doc_id
    assert found["hits"][0]["date"] == "2021-03-04"
    # the preview is gone
    assert client.get(f"/admin/staging/{token}").status_code == 404


def test_paste_a_text(client: FlaskClient, admin_app: Flask) -> None:
    response = client.post(
        "/admin/paste",
        data={"csrf_token": csrf_of(client), "name": "Examplia pasted", "text": NEW_TEXT},
    )
    assert response.status_code == 303
    preview = client.get(response.location)
    assert "Will be saved as <code>added/examplia-pasted.txt</code>" in preview.text
    values = form_values(preview.text)
    values["title-0"] = "Pasted statement <b>bold</b>"
    added = client.post(f"{response.location}/add", data=values)
    assert added.status_code == 200
    assert "Pasted statement &lt;b&gt;bold&lt;/b&gt;" in added.text
    assert (settings_of(admin_app).documents / "added" / "examplia-pasted.txt").is_file()
    assert client.get("/api/search?q=quokkaberry").get_json()["total"] == 1


def test_paste_needs_text(client: FlaskClient) -> None:
    response = client.post("/admin/paste", data={"csrf_token": csrf_of(client), "text": "  "})
    assert response.status_code == 400
    assert "Paste the text" in response.text


def test_pasted_text_above_flasks_form_limit_is_accepted(client: FlaskClient) -> None:
    big = NEW_TEXT + "\n\n".join(
        f"{n}. Paragraph number {n} about cooperation." for n in range(7, 20000)
    )
    assert len(big) > 500_000
    response = client.post(
        "/admin/paste", data={"csrf_token": csrf_of(client), "name": "long", "text": big}
    )
    assert response.status_code == 303


def test_bad_date_is_sent_back_with_the_values(client: FlaskClient, admin_app: Flask) -> None:
    response = upload(client, (NEW_TEXT.encode(), "a.txt"))
    values = form_values(client.get(response.location).text)
    values["date-0"] = "2021-02-30"
    values["title-0"] = "My corrected title"
    refused = client.post(f"{response.location}/add", data=values)
    assert refused.status_code == 400
    assert "is not a date" in refused.text
    assert 'value="My corrected title"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert not (settings_of(admin_app).documents / "added").exists()


def test_nothing_ticked_is_refused(client: FlaskClient) -> None:
    response = upload(client, (NEW_TEXT.encode(), "a.txt"))
    values = form_values(client.get(response.location).text)
    del values["include-0"]
    refused = client.post(f"{response.location}/add", data=values)
    assert refused.status_code == 400
    assert "Nothing to add" in refused.text


def test_cancel_deletes_the_staging_folder(client: FlaskClient, admin_app: Flask) -> None:
    response = upload(client, (NEW_TEXT.encode(), "a.txt"))
    token = token_of(response.location)
    staging = settings_of(admin_app).index / "staging" / token
    assert staging.is_dir()
    cancelled = client.post(f"/admin/staging/{token}/cancel", data={"csrf_token": csrf_of(client)})
    assert cancelled.status_code == 303
    assert not staging.exists()
    assert "nothing was added" in client.get("/admin").text
    assert not (settings_of(admin_app).documents / "added").exists()


def test_unknown_or_foreign_staging_tokens_are_404(client: FlaskClient, admin_app: Flask) -> None:
    other = admin_app.test_client()
    log_in(other)
    response = upload(other, (NEW_TEXT.encode(), "a.txt"))
    foreign = token_of(response.location)
    for token in (foreign, "AAAAAAAAAAAAAAAAAAAAAA", "..", "..%2F..%2Fdocuments"):
        assert client.get(f"/admin/staging/{token}").status_code == 404, token
        posted = client.post(f"/admin/staging/{token}/add", data={"csrf_token": csrf_of(client)})
        assert posted.status_code == 404, token
    assert "expired or was cancelled" in client.get(f"/admin/staging/{foreign}").text


def test_too_large_upload_is_413_with_a_message(tmp_path: Path) -> None:
    app = make_app(tmp_path, max_upload_bytes=4000)
    client = app.test_client()
    log_in(client)
    response = upload(client, (b"word " * 2000, "big.txt"))
    assert response.status_code == 413
    assert "too large" in response.text
    assert "3.9 kB" in response.text or "4 kB" in response.text
    assert "Traceback" not in response.text
    assert not (settings_of(app).index / "staging").exists()


def test_wrong_type_is_400_listing_the_allowed(client: FlaskClient, admin_app: Flask) -> None:
    response = upload(client, (NEW_TEXT.encode(), "good.txt"), (b"MZ\x90\x00", "tool.exe"))
    assert response.status_code == 400
    assert "tool.exe" in response.text
    for suffix in (".txt", ".md", ".pdf", ".html"):
        assert suffix in response.text
    assert not (settings_of(admin_app).index / "staging").exists()
    no_suffix = upload(client, (NEW_TEXT.encode(), "README"))
    assert no_suffix.status_code == 400


def test_empty_upload_is_400(client: FlaskClient) -> None:
    nothing = client.post(
        "/admin/upload", data={"csrf_token": csrf_of(client)}, content_type="multipart/form-data"
    )
    assert nothing.status_code == 400
    assert "Choose at least one file" in nothing.text
    # a browser's empty file field sends a part with no file name
    blank = upload(client, (b"", ""))
    assert blank.status_code == 400
    empty = upload(client, (b"", "empty.txt"))
    assert empty.status_code == 400
    assert "empty" in empty.text


def test_unsafe_names_stay_inside_the_documents_folder(
    client: FlaskClient, admin_app: Flask, tmp_path: Path
) -> None:
    outside_before = files_below(tmp_path.parent) - {
        f"{tmp_path.name}/{p}" for p in files_below(tmp_path)
    }
    names = [
        "../../etc/passwd.txt",
        "..\\..\\x.txt",
        "/etc/cron.d/evil.txt",
        "C:\\Windows\\evil.md",
        "nul\x00byte.txt",
        "....//....//dots.txt",
        ".hidden.txt",
    ]
    files = [
        (NEW_TEXT.replace("quokkaberry", f"quokka{n}").encode(), name)
        for n, name in enumerate(names)
    ]
    response = upload(client, *files)
    assert response.status_code == 303
    token = token_of(response.location)
    index = settings_of(admin_app).index
    staged = files_below(index / "staging" / token)
    assert all(re.fullmatch(r"manifest\.json|\d/[a-z0-9-]+\.(txt|md)", f) for f in staged), staged
    values = form_values(client.get(response.location).text)
    added = client.post(f"/admin/staging/{token}/add", data=values)
    assert added.status_code == 200
    assert added.text.count('class="doc-id"') == len(names)

    documents = settings_of(admin_app).documents
    new = files_below(documents) - {p.name for p in (documents.iterdir())} - {"metadata.csv"}
    assert len(new) == len(names)
    for rel in new:
        assert re.fullmatch(r"added/[a-z0-9][a-z0-9-]*\.(txt|md)", rel), rel
    assert "added/passwd.txt" in new
    assert "added/x.txt" in new
    assert not Path("/etc/passwd.txt").exists()
    outside_after = files_below(tmp_path.parent) - {
        f"{tmp_path.name}/{p}" for p in files_below(tmp_path)
    }
    assert outside_after == outside_before
    for rel in files_below(tmp_path):
        assert rel.startswith(("documents/", "index/")), rel
    assert not (index / "staging" / token).exists()


def test_unreadable_file_is_shown_and_the_others_still_added(
    client: FlaskClient, admin_app: Flask
) -> None:
    binary = bytes(range(256)) * 20
    response = upload(client, (binary, "scan.txt"), (NEW_TEXT.encode(), "good.txt"))
    assert response.status_code == 303
    preview = client.get(response.location)
    assert preview.status_code == 200
    assert "Cannot be read" in preview.text
    assert "binary file" in preview.text
    values = form_values(preview.text)
    assert "include-0" not in values and "title-0" not in values
    added = client.post(f"{response.location}/add", data=values)
    assert added.status_code == 200
    assert added.text.count('class="doc-id"') == 1
    added_files = files_below(settings_of(admin_app).documents / "added")
    assert added_files == {"good.txt"}


def test_same_file_twice_is_not_duplicated(client: FlaskClient, admin_app: Flask) -> None:
    for _ in range(2):
        response = upload(client, (NEW_TEXT.encode(), "same.txt"))
        values = form_values(client.get(response.location).text)
        assert client.post(f"{response.location}/add", data=values).status_code == 200
    assert files_below(settings_of(admin_app).documents / "added") == {"same.txt"}
    assert client.get("/api/search?q=quokkaberry").get_json()["total"] == 1


# -- reindex ---------------------------------------------------------------------------------


class Gate:
    """Wraps update_index so that a rebuild waits at its first file until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, delay: float = 0.0) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.delay = delay
        real = blueprint.update_index

        def gated(documents: Path, index: Path, rebuild: bool = False, progress: Any = None) -> Any:
            def slow(done: int, total: int, name: str) -> None:
                if progress:
                    progress(done, total, name)
                self.entered.set()
                self.release.wait(30)
                time.sleep(self.delay)

            return real(documents, index, rebuild=rebuild, progress=slow)

        monkeypatch.setattr(blueprint, "update_index", gated)


def test_reindex_shows_progress_then_the_summary_and_refuses_a_second(
    client: FlaskClient, admin_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(monkeypatch)
    idle = client.get("/admin/reindex/status")
    assert "No reindex has run" in idle.text
    started = client.post("/admin/reindex", data={"csrf_token": csrf_of(client)}, headers=HTMX)
    assert started.status_code == 202
    assert 'id="reindex-panel"' in started.text
    assert gate.entered.wait(10)

    status = client.get("/admin/reindex/status", headers=HTMX)
    assert status.status_code == 200
    assert 'hx-get="/admin/reindex/status"' in status.text
    assert 'hx-trigger="every 1s"' in status.text
    assert re.search(r"Reindexing: 1 of 2 files", status.text)
    assert "<progress" in status.text

    second = client.post("/admin/reindex", data={"csrf_token": csrf_of(client)}, headers=HTMX)
    assert second.status_code == 409
    assert "already running" in second.text
    assert 'hx-trigger="every 1s"' in second.text  # the running job's status keeps polling
    plain = client.post("/admin/reindex", data={"csrf_token": csrf_of(client)})
    assert plain.status_code == 409
    assert "already running" in plain.text

    # adding while the rebuild runs is refused too, and the preview is kept
    response = upload(client, (NEW_TEXT.encode(), "a.txt"))
    values = form_values(client.get(response.location).text)
    busy = client.post(f"{response.location}/add", data=values)
    assert busy.status_code == 409
    assert client.get(response.location).status_code == 200

    gate.release.set()
    state = admin_app.extensions[admin.EXTENSION]
    wait_until(lambda: state.job is not None and not state.job.running)
    done = client.get("/admin/reindex/status", headers=HTMX)
    assert "hx-trigger" not in done.text  # polling stops
    assert "Reindex finished" in done.text
    assert re.search(r"rebuilt: 0 added, 2 changed, 0 removed, 0 unchanged, 0 failed", done.text)
    assert "rebuilt:" in client.get("/admin").text
    # and now both can run again
    assert client.post(f"{response.location}/add", data=values).status_code == 200


def test_reindex_without_htmx_redirects_to_the_page(client: FlaskClient, admin_app: Flask) -> None:
    response = client.post("/admin/reindex", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303
    assert response.location == "/admin#reindex"
    state = admin_app.extensions[admin.EXTENSION]
    wait_until(lambda: state.job is not None and not state.job.running)
    assert "Reindex finished" in client.get("/admin").text


def test_reindex_refused_while_another_process_holds_the_index(
    client: FlaskClient, admin_app: Flask
) -> None:
    import fcntl
    import os

    from searchapp.engine.store import LOCK

    fd = os.open(settings_of(admin_app).index / LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        response = client.post("/admin/reindex", data={"csrf_token": csrf_of(client)}, headers=HTMX)
        assert response.status_code == 409
        assert "another indexer" in response.text
    finally:
        os.close(fd)
    assert admin_app.extensions[admin.EXTENSION].writing.acquire(blocking=False)


def test_reindex_reports_unreadable_files(client: FlaskClient, admin_app: Flask) -> None:
    (settings_of(admin_app).documents / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    client.post("/admin/reindex", data={"csrf_token": csrf_of(client)})
    state = admin_app.extensions[admin.EXTENSION]
    wait_until(lambda: state.job is not None and not state.job.running)
    status = client.get("/admin/reindex/status").text
    assert "1 failed" in status
    assert "broken.txt" in status and "binary file" in status


@pytest.fixture
def bigger_app(tmp_path: Path) -> Iterator[Flask]:
    """The seeds many times over (each copy its own document), so a rebuild takes a while."""
    documents = copy_seeds(tmp_path / "documents")
    for n in range(5):
        folder = documents / f"copy{n:02d}"
        folder.mkdir()
        for seed in sorted(documents.glob("*.txt")):
            shutil.copy(seed, folder / seed.name)
    index = tmp_path / "index"
    update_index(documents, index)
    settings = replace(load_settings(documents, index), admin_password=PASSWORD)
    app = create_app(settings)
    yield app


def test_searches_keep_answering_during_a_reindex(
    bigger_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = bigger_app.test_client()
    log_in(client)
    searcher = bigger_app.test_client()
    before = searcher.get("/api/search?q=taiwan").get_json()["total"]
    assert before > 0
    gate = Gate(monkeypatch, delay=0.03)
    gate.release.set()
    response = client.post("/admin/reindex", data={"csrf_token": csrf_of(client)}, headers=HTMX)
    assert response.status_code == 202
    state = bigger_app.extensions[admin.EXTENSION]
    statuses, totals, during = [], [], 0
    while state.job is not None and state.job.running:
        for url in ("/api/search?q=taiwan", "/search?q=taiwan", "/documents"):
            r = searcher.get(url)
            statuses.append(r.status_code)
            if url.startswith("/api/"):
                totals.append(r.get_json()["total"])
        during += 1
    assert state.job is not None and state.job.error is None, state.job.error
    assert during >= 3, "the rebuild ended before searches could overlap it"
    assert all(s == 200 for s in statuses), statuses
    assert min(totals) > 0
    assert searcher.get("/api/search?q=taiwan").get_json()["total"] == before


# -- several worker processes (gunicorn -w N) --------------------------------------------------


def test_workers_share_the_session_key_and_the_reindex_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_app(tmp_path)
    second = create_app(settings_of(first))  # another worker over the same folders
    assert first.secret_key == second.secret_key
    key_file = settings_of(first).index / admin.SECRET_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600

    one, two = first.test_client(), second.test_client()
    log_in(one)
    cookie = one.get_cookie("session")
    assert cookie is not None
    two.set_cookie("session", cookie.value)  # the next request lands on the other worker
    assert two.get("/admin").status_code == 200

    gate = Gate(monkeypatch)
    assert one.post("/admin/reindex", data={"csrf_token": csrf_of(one)}).status_code == 303
    assert gate.entered.wait(10)
    polled = two.get("/admin/reindex/status", headers=HTMX)
    assert "Reindexing: 1 of 2 files" in polled.text
    assert 'hx-trigger="every 1s"' in polled.text
    refused = two.post("/admin/reindex", data={"csrf_token": csrf_of(two)}, headers=HTMX)
    assert refused.status_code == 409
    assert "another indexer" in refused.text
    gate.release.set()
    state = first.extensions[admin.EXTENSION]
    wait_until(lambda: state.job is not None and not state.job.running)
    assert "Reindex finished" in two.get("/admin/reindex/status").text


def test_a_reindex_whose_process_died_is_shown_as_interrupted(
    client: FlaskClient, admin_app: Flask
) -> None:
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = admin.ReindexJob(pid=dead.pid, done=3, total=10)
    admin_app.extensions[admin.EXTENSION].job_file.write(job, force=True)
    status = client.get("/admin/reindex/status", headers=HTMX)
    assert "hx-trigger" not in status.text
    assert "interrupted" in status.text
