"""What the admin pages share in one process, kept in `app.extensions[EXTENSION]`."""

from __future__ import annotations

from flask import current_app

from searchapp.config import Settings
from searchapp.web.admin.blueprint import EXTENSION
from searchapp.web.admin.reindex import Reindexing
from searchapp.web.admin.store import AdminStore


class AdminState(Reindexing):
    """What the admin pages share in one process: the password, the settings, one writer
    (and, from Reindexing, the reindex this process runs or ran); `store` is what they share
    with the other worker processes (failed logins, sessions)."""

    def __init__(self, password: str, settings: Settings) -> None:
        super().__init__(settings)
        self.password = password
        self.store = AdminStore(settings.index)


def admin_state() -> AdminState:
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
