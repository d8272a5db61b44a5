"""The budget of reading one file: a deadline and the limits, for every reader to check.

`load_document` opens a budget around the whole reading of a file; readers and the steps
after them call `check()` in their loops (per page, per element, per line), so a file whose
work grows past the budget is stopped and refused by name, whatever its format. A context
variable rather than a parameter: each thread (a web worker's preview, the indexer) reads
under its own budget, and the reader interface stays `(bytes, path) -> RawText`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from searchapp.config import ReadLimits
from searchapp.corpus.model import UnreadableFile


class OverBudget(UnreadableFile):
    """A file that costs more to read than the limits allow."""


class Budget:
    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self._deadline = time.monotonic() + limits.read_seconds

    def check(self, step: str) -> None:
        """Refuse the file when its reading has used up the time budget."""
        if time.monotonic() > self._deadline:
            raise OverBudget(
                f"over the time budget: reading took more than {self.limits.read_seconds:g} s "
                f"({step}); raise SEARCHAPP_READ_SECONDS to index it"
            )


_CURRENT: ContextVar[Budget | None] = ContextVar("searchapp_read_budget", default=None)


@contextmanager
def reading(limits: ReadLimits) -> Iterator[Budget]:
    budget = Budget(limits)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def current() -> Budget:
    """The budget of the file being read; a reader called directly (outside `reading`) gets a
    fresh default one. Readers take it once, at their start, and check it in their loops."""
    return _CURRENT.get() or Budget(ReadLimits())
