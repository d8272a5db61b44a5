"""The search UI in headless Chromium: live results, facets, history, keyboard, no XSS."""

from __future__ import annotations

import re
from typing import Any

import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="browser tests skipped: the playwright package is not installed"
).expect

pytestmark = pytest.mark.browser

TYPING_DELAY_MS = 20


def set_marker(page: Any) -> None:
    """A value that survives only as long as the page is not reloaded."""
    page.evaluate("window.__searchMarker = 'still here'")


def marker(page: Any) -> Any:
    return page.evaluate("window.__searchMarker")


def heading(page: Any) -> str:
    return str(page.locator("#results-heading").inner_text())


def test_typing_updates_results_without_a_page_load(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    assert page.evaluate("document.activeElement.id") == "q"  # autofocus
    set_marker(page)
    page.locator("#q").press_sequentially("taiwan", delay=TYPING_DELAY_MS)
    page.wait_for_url(re.compile(r"/search\?q=taiwan$"))
    page.locator(".hit mark", has_text="Taiwan").first.wait_for()
    assert heading(page).startswith("1 paragraph")
    assert marker(page) == "still here"
    assert page.title().startswith("taiwan")
    assert page.locator("#search-status").inner_text().startswith("1 paragraph found")


def test_facet_click_filters_updates_counts_chips_and_url(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/search?q=cooperation")
    set_marker(page)
    assert heading(page).startswith("47 paragraphs")
    page.locator("#facet-year-2002").click()
    page.wait_for_url(re.compile(r"year=2002"))
    page.locator(".chip", has_text="2002").wait_for()
    assert heading(page).startswith("29 paragraphs")
    assert page.locator("#facet-year-2002").get_attribute("aria-current") == "true"
    page.locator("#facet-section-trade-and-economy").click()
    page.wait_for_url(re.compile(r"section=Trade"))
    expect(page.locator(".chip")).to_have_count(2)
    assert heading(page).startswith("4 paragraphs")
    page.locator(".chip", has_text="2002").click()
    page.wait_for_url(lambda url: "year=" not in url)
    expect(page.locator(".chip")).to_have_count(1)
    assert heading(page).startswith("8 paragraphs")
    assert marker(page) == "still here"


def test_new_query_keeps_the_filters(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/search?q=cooperation&year=2012")
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially("energy", delay=TYPING_DELAY_MS)
    page.wait_for_url(re.compile(r"q=energy.*year=2012"))
    assert page.locator(".chip", has_text="2012").count() == 1


def test_permalink_then_back_restores_the_results(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/")
    page.locator("#q").press_sequentially("border", delay=TYPING_DELAY_MS)
    page.wait_for_url(re.compile(r"q=border"))
    page.locator(".hit").first.wait_for()
    first = page.locator(".hit-title a").first
    target = first.get_attribute("href")
    first.click()
    page.wait_for_url(re.compile(re.escape(target) + "$"))
    assert page.locator("h1").inner_text().startswith("¶")
    assert f"Available at: {live_server}{target}. ¶ " in page.locator(".citation").inner_text()
    page.go_back()
    page.wait_for_url(re.compile(r"/search\?q=border$"))
    page.locator(".hit").first.wait_for()
    assert page.locator("header.site-header").count() == 1  # a whole page, not a fragment
    assert page.locator("#q").input_value() == "border"


def test_back_and_forward_between_searches(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/search?q=taiwan")
    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("missile", delay=TYPING_DELAY_MS)
    page.wait_for_url(re.compile(r"q=missile"))
    page.locator(".hit mark", has_text="missile").first.wait_for()
    page.go_back()
    page.wait_for_url(re.compile(r"q=taiwan$"))
    page.locator(".hit mark", has_text="Taiwan").first.wait_for()
    page.go_forward()
    page.wait_for_url(re.compile(r"q=missile$"))
    page.locator(".hit mark", has_text="missile").first.wait_for()


def test_keyboard_only(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/documents")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("taiwan")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=taiwan"))
    page.locator(".hit").first.wait_for()
    page.locator("#q").blur()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.hit')"):
            break
    else:
        pytest.fail("Tab never reached a result")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/documents/[^/]+/\d+$"))


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_xss_payloads_never_run(page: Any, live_server: str, payload: str) -> None:
    page.goto(f"{live_server}/")
    page.locator("#q").fill(payload)
    page.wait_for_url(re.compile(r"/search\?q="))
    page.locator("#results-heading").wait_for()
    page.wait_for_timeout(100)
    assert payload in page.title()
    page.goto(f"{live_server}/search?q={payload}")
    page.goto(f"{live_server}/documents/2002-12-02-joint-declaration?q={payload}")
    page.goto(f"{live_server}/search?q=border&year={payload}")
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert page.dialogs == []
