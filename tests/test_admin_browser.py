"""The admin pages in headless Chromium: log in, upload, preview, add, follow the link; and the
reindex progress polled by htmx."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from searchapp import create_app
from searchapp.config import load_settings
from searchapp.indexer import update_index
from tests.conftest import copy_seeds, serve

pytestmark = pytest.mark.browser

PASSWORD = "browser-secret"
LIMIT = 200_000
TEXT = (
    "Joint Communiqué of the Republic of Examplia and the Kingdom of Samplestan\n\n"
    "Ulaanbaatar, 5 May 2022\n\n"
    "1. The two sides agreed to deepen their cooperation on quokkaberry cultivation.\n\n"
    "2. They reaffirmed their commitment to free trade.\n"
)


@pytest.fixture
def admin_server(tmp_path: Path) -> Iterator[str]:
    documents = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    update_index(documents, index)
    settings = load_settings(documents, index)
    app = create_app(replace(settings, admin_password=PASSWORD, max_upload_bytes=LIMIT))
    yield from serve(app)


def log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/admin")
    assert "/admin/login" in page.url
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin")


def test_log_in_upload_preview_add_and_open_the_document(
    page: Any, admin_server: str, tmp_path: Path
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, admin_server)
    upload = tmp_path / "examplia-communique.txt"
    upload.write_text(TEXT, encoding="utf-8")
    page.get_by_label("Files to upload").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(re.compile(r"/admin/staging/"))

    assert page.get_by_label("Title").input_value().startswith("Joint Communiqué of the Republic")
    assert page.get_by_label("Date").input_value() == "2022-05-05"
    assert page.locator(".preview-paras li").count() == 2
    assert "quokkaberry cultivation" in page.locator(".preview-paras").inner_text()

    page.get_by_label("Date").fill("2022-05-06")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/staging/.+/add$"))
    link = page.locator(".added-list a").first
    doc_id = page.locator(".doc-id").first.inner_text()
    assert doc_id.startswith("2022-05-06")
    link.click()
    page.wait_for_url(f"{admin_server}/documents/{doc_id}")
    assert "2022-05-06" in page.locator(".doc-meta-list").inner_text()
    assert "quokkaberry" in page.locator("#doc-text").inner_text()
    assert not page.dialogs
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_reindex_progress_is_polled_until_the_summary(page: Any, admin_server: str) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, admin_server)
    page.get_by_role("button", name="Reindex everything").click()
    summary = page.locator("#reindex-status .summary")
    summary.wait_for(timeout=15000)
    assert re.match(r"rebuilt: .* 2 documents", summary.inner_text())
    assert page.url == f"{admin_server}/admin"  # htmx swapped the panel in place
    page.get_by_role("button", name="Reindex everything").focus()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_too_large_upload_shows_a_readable_page(
    page: Any, admin_server: str, tmp_path: Path
) -> None:
    log_in(page, admin_server)
    big = tmp_path / "big.txt"
    big.write_text("word " * LIMIT, encoding="utf-8")
    page.get_by_label("Files to upload").set_input_files(str(big))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and preview").click()
    assert page.locator("h1").inner_text() == "Upload too large"
    assert "at most 195 kB" in page.locator("main").inner_text()


def test_logout_from_the_admin_bar(page: Any, admin_server: str) -> None:
    log_in(page, admin_server)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/admin/login"))
    page.goto(f"{admin_server}/admin")
    assert "/admin/login" in page.url
