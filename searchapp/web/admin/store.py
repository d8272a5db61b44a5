"""What every worker process must agree on about admin logins, kept in one small SQLite file
beside the index (`index/admin.sqlite`): failed logins per client, with a lockout, and the
server-side sessions (a logout ends a session everywhere, whatever cookie is replayed).

A refused client is answered at once (429 with Retry-After): nothing sleeps in a request, so
guessing clients never hold a worker.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILENAME = "admin.sqlite"
MAX_FAILURES = 5  # failed logins of one client within WINDOW before it is locked out
WINDOW = 15 * 60.0  # seconds
LOCKOUT = 15 * 60.0  # seconds a locked-out client waits
SESSION_LIFETIME = 12 * 3600.0  # seconds a login lasts

SCHEMA = """
CREATE TABLE IF NOT EXISTS failures (
    client TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    first REAL NOT NULL,
    locked_until REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY,
    expires REAL NOT NULL
);
"""


class AdminStore:
    def __init__(
        self,
        index: Path,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW,
        lockout: float = LOCKOUT,
    ) -> None:
        self.path = index / FILENAME
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        index.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.executescript(SCHEMA)  # runs in its own transaction
        finally:
            db.close()

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        # A connection per call: requests run in many threads and processes. BEGIN IMMEDIATE
        # takes the write lock first, so two workers never both count from the same value.
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    # -- failed logins ---------------------------------------------------------------------

    def locked_for(self, client: str, now: float | None = None) -> float:
        """Seconds until `client` may try again (0: it may now)."""
        now = time.time() if now is None else now
        with self._transaction(write=False) as db:
            row = db.execute(
                "SELECT locked_until FROM failures WHERE client = ?", (client,)
            ).fetchone()
        return max(0.0, row[0] - now) if row else 0.0

    def record_failure(self, client: str, now: float | None = None) -> float:
        """Count a failed login; the seconds `client` is now locked out for (0: not locked)."""
        now = time.time() if now is None else now
        with self._transaction() as db:
            row = db.execute(
                "SELECT count, first FROM failures WHERE client = ?", (client,)
            ).fetchone()
            count, first = (row[0] + 1, row[1]) if row and now - row[1] < self.window else (1, now)
            locked_until = now + self.lockout if count >= self.max_failures else 0.0
            if locked_until:
                count, first = 0, now  # after the lockout, a fresh allowance
            db.execute(
                "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)",
                (client, count, first, locked_until),
            )
            stale = (now - self.window, now)
            db.execute("DELETE FROM failures WHERE first < ? AND locked_until < ?", stale)
        return locked_until - now if locked_until else 0.0

    def clear_failures(self, client: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM failures WHERE client = ?", (client,))

    # -- sessions --------------------------------------------------------------------------

    def new_session(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        sid = secrets.token_urlsafe(32)
        with self._transaction() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            db.execute("INSERT INTO sessions VALUES (?, ?)", (sid, now + SESSION_LIFETIME))
        return sid

    def session_valid(self, sid: object, now: float | None = None) -> bool:
        if not isinstance(sid, str) or not sid:
            return False
        now = time.time() if now is None else now
        with self._transaction(write=False) as db:
            row = db.execute("SELECT expires FROM sessions WHERE sid = ?", (sid,)).fetchone()
        return bool(row) and row[0] > now

    def end_session(self, sid: object) -> None:
        if isinstance(sid, str):
            with self._transaction() as db:
                db.execute("DELETE FROM sessions WHERE sid = ?", (sid,))
