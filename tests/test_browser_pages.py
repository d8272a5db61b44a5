"""Document and permalink pages in headless Chromium: match navigation, anchors, phone width."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

DOC = "2002-12-02-joint-declaration"


def test_next_and_previous_match_walk_the_marks(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/documents/{DOC}?q=security")
    marks = page.locator("#doc-text mark").count()
    assert marks > 5
    page.locator("#match-next").click()
    page.locator("#match-next").click()
    assert (
        page.evaluate(
            "Array.from(document.querySelectorAll('#doc-text mark')).indexOf("
            "document.querySelector('mark.current'))"
        )
        == 1
    )
    assert page.locator("#match-status").inner_text().startswith(f"Match 2 of {marks}")
    page.locator("#match-prev").click()
    page.locator("#match-prev").click()
    assert page.locator("#match-status").inner_text().startswith(f"Match {marks} of {marks}")


def test_permalink_leads_to_its_place_in_the_document(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/documents/{DOC}/12")
    page.locator("a", has_text="See it in the whole document").click()
    page.wait_for_url(re.compile(rf"/documents/{DOC}#p12$"))
    assert page.evaluate("document.querySelector(':target').id") == "p12"


def test_phone_width_has_no_horizontal_scroll(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        for path in (
            "/search?q=cooperation&year=2002",
            f"/documents/{DOC}",
            f"/documents/{DOC}/12",
        ):
            tab.goto(f"{live_server}{path}")
            overflow = tab.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, path
    finally:
        context.close()
