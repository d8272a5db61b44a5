"""What the admin pages share in one process, kept in `app.extensions[EXTENSION]`."""

from __future__ import annotations

import threading

from flask import current_app

from searchapp.config import Settings
from searchapp.web.admin.blueprint import EXTENSION
from searchapp.web.admin.reindex import Reindexing

LOGIN_DELAY = 1.0  # seconds a failed login waits (serialised: about one guess a second)


class AdminState(Reindexing):
    """What the admin pages share in one process: the password, the settings, one writer
    (and, from Reindexing, the reindex this process runs or ran)."""

    def __init__(self, password: str, settings: Settings) -> None:
        super().__init__(settings)
        self.password = password
        self.failed_logins = threading.Lock()
        self.login_delay = LOGIN_DELAY


def admin_state() -> AdminState:
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
