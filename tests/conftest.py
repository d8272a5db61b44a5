"""Shared fixtures: a copy of the seed documents, an index built from them, the web app, a
test client, a live server for the browser, and a headless Chromium (or a clear skip)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from searchapp import create_app
from searchapp.config import Settings, load_settings
from searchapp.indexer import update_index
from tests.helpers_serve import ServedApp, serve_process

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "documents"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DOC_2002 = "2002-12-02-joint-declaration"
DOC_2012 = "2012-06-06-joint-statement"


def copy_seeds(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, target / seed.name)
    return target


@pytest.fixture(scope="session")
def documents_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_seeds(tmp_path_factory.mktemp("web") / "documents")


@pytest.fixture(scope="session")
def index_dir(documents_dir: Path) -> Path:
    index = documents_dir.parent / "index"
    summary = update_index(documents_dir, index)
    assert not summary.failed, summary.failed
    return index


@pytest.fixture(scope="session")
def settings(documents_dir: Path, index_dir: Path) -> Settings:
    return load_settings(documents_dir, index_dir)


@pytest.fixture(scope="session")
def app(settings: Settings) -> Flask:
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """`searchapp serve` over a copy of the seeds, in its own process, as a user starts it."""
    root = tmp_path_factory.mktemp("served")
    with serve_process(copy_seeds(root / "documents"), root / "index") as served_app:
        yield served_app


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, in a thread; yields its base URL."""
    yield from serve(app)


def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 and a free port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"browser tests skipped: {CHROMIUM} not found"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests skipped: the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (its own context: no shared history or storage); fails on any dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(5000)
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.dialogs = dialogs
    try:
        yield tab
    finally:
        context.close()
