"""Live search, history and the document page in Chromium, against `searchapp serve` in its
own process: one history entry per query typed (not per pause), Back shows the query of the
results shown, documents counted as documents, the match bar and "next match", focus."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import DOC_2002
from tests.helpers_serve import ServedApp

expect = pytest.importorskip(
    "playwright.sync_api", reason="browser tests skipped: the playwright package is not installed"
).expect

pytestmark = pytest.mark.browser


def history_length(page: Any) -> int:
    return int(page.evaluate("history.length"))


def type_with_pauses(page: Any, text: str) -> None:
    """Type `text` a piece at a time, waiting after each piece until its results are shown."""
    box = page.locator("#q")
    typed = box.input_value()
    for piece in text.split("|"):
        typed += piece
        box.press_sequentially(piece, delay=10)
        expect(page.locator("#results-heading")).to_be_visible()
        page.wait_for_function(
            "q => new URLSearchParams(location.search).get('q') === q", arg=typed
        )


def test_typing_with_pauses_adds_one_history_entry(page: Any, served: ServedApp) -> None:
    page.goto(f"{served.url}/search?q=taiwan")
    before = history_length(page)
    page.locator("#q").fill("")
    type_with_pauses(page, "m|is|sil|e")
    assert history_length(page) == before + 1
    page.locator("#q").press("Enter")  # commits the query typed: no second entry
    page.wait_for_timeout(300)
    assert history_length(page) == before + 1
    page.go_back()
    page.wait_for_url(re.compile(r"q=taiwan$"))
    page.locator(".hit mark", has_text="Taiwan").first.wait_for()
    assert page.locator("#q").input_value() == "taiwan"


def test_back_shows_the_query_of_the_results_shown(page: Any, served: ServedApp) -> None:
    page.goto(f"{served.url}/")
    type_with_pauses(page, "tai|wan")
    page.locator("#q").press("Enter")
    page.locator("#q").fill("")
    # The emptied box is a pause of its own (on a loaded machine it always is): wait for it,
    # so that the test does not depend on whether typing begins within the 300 ms delay.
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === ''")
    type_with_pauses(page, "miss|ile")
    page.locator(".hit mark", has_text="missile").first.wait_for()
    page.go_back()
    page.wait_for_url(re.compile(r"q=taiwan$"))
    page.locator(".hit mark", has_text="Taiwan").first.wait_for()
    assert page.locator("#q").input_value() == "taiwan"
    page.go_forward()
    page.wait_for_url(re.compile(r"q=missile$"))
    assert page.locator("#q").input_value() == "missile"


def test_grouped_view_counts_documents(page: Any, served: ServedApp) -> None:
    page.goto(f"{served.url}/search?q=cooperation")
    expect(page.locator("#results-heading")).to_contain_text("47 paragraphs")
    page.locator("#group-toggle").click()
    page.wait_for_url(re.compile(r"group=1"))
    expect(page.locator("#results-heading")).to_contain_text("2 documents")
    expect(page.locator("#search-status")).to_contain_text("2 documents found")


def test_search_box_takes_focus_only_on_the_home_page(page: Any, served: ServedApp) -> None:
    page.goto(f"{served.url}/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.goto(f"{served.url}/search?q=taiwan")
    assert page.evaluate("document.activeElement.id") != "q"


def _paragraph_with_marks(page: Any, at_least: int) -> str:
    """The id of a paragraph far enough down the page that has a match."""
    return str(
        page.evaluate(
            """n => Array.from(document.querySelectorAll('#doc-text .para'))
                  .filter(p => p.querySelector('mark'))[n].id""",
            at_least,
        )
    )


def test_landing_below_the_match_bar_and_next_match_from_there(
    page: Any, served: ServedApp
) -> None:
    url = f"{served.url}/documents/{DOC_2002}?q=security"
    page.goto(url)
    target = _paragraph_with_marks(page, 6)
    page.goto(f"{url}#{target}")
    page.wait_for_timeout(200)
    bar = "document.querySelector('.match-nav').getBoundingClientRect().bottom"
    bar_bottom = page.evaluate(bar)
    top = page.evaluate(f"document.getElementById('{target}').getBoundingClientRect().top")
    assert top >= bar_bottom, "the match bar hides the first line of the paragraph landed on"
    page.locator("#match-next").click()
    current = page.evaluate("document.querySelector('mark.current').closest('.para').id")
    assert current == target, "next match went elsewhere than the first match from here"
    marks = page.locator("#doc-text mark")
    index = page.evaluate(
        "Array.from(document.querySelectorAll('#doc-text mark'))"
        ".indexOf(document.querySelector('mark.current'))"
    )
    page.locator("#match-next").click()
    expect(page.locator("#match-status")).to_contain_text(f"Match {index + 2} of {marks.count()}")
