"""Paragraph numbers as the document prints them ("13. The sides agreed …").

A citation must say "¶ 13" where the reader of the published text sees "13.", whatever the
paragraph's place in reading order. The number stays in the text (it is the document's own
wording); this finds it. A leading number counts as printed only in a run of numbered
paragraphs that go up (a few may be skipped, as where matter was omitted): a number alone
— a cable's serial number ("1286. PRIORITY SECRET"), a stray "2030." — is not one.
"""

from __future__ import annotations

import re

_LEADING = re.compile(r"^(\d{1,3})[.)]\s+\S")
MAX_GAP = 10  # a printed number may skip this many (omitted or unnumbered paragraphs)
MIN_RUN = 2  # numbered paragraphs in a row that make their numbers printed ones


def printed_numbers(texts: list[str]) -> list[str]:
    """For each paragraph, its printed number ("13") or "" when it has none."""
    out = [""] * len(texts)
    run: list[tuple[int, int]] = []  # (position, number) of the current run
    for i, text in enumerate(texts):
        match = _LEADING.match(text)
        if not match:
            continue
        number = int(match.group(1))
        if run and not run[-1][1] < number <= run[-1][1] + MAX_GAP:
            _keep(run, out)
            run = []
        run.append((i, number))
    _keep(run, out)
    return out


def _keep(run: list[tuple[int, int]], out: list[str]) -> None:
    if len(run) >= MIN_RUN:
        for i, number in run:
            out[i] = str(number)
