"""What every part of the admin pages shares: the blueprint they register on, the key of their
state in `app.extensions`, the logger, the refusal they raise, and the way they call the indexer.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint

from searchapp.indexer import IndexSummary, update_index

PACKAGE = __name__.rpartition(".")[0]  # searchapp.web.admin

bp = Blueprint("admin", PACKAGE, url_prefix="/admin")
log = logging.getLogger(PACKAGE)

EXTENSION = "searchapp.admin"
BUSY_MESSAGE = "A reindex (or an add) is already running; try again when it has finished."


class AdminError(Exception):
    """A refusal with a status and a message for the admin."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def run_update_index(documents: Path, index: Path, **options: Any) -> IndexSummary:
    """The indexer, as the add and the reindex both run it: one name (this module's
    `update_index`) to replace where a test must hold a run in the middle."""
    return update_index(documents, index, **options)
