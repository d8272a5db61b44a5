"""Reindex: `update_index(rebuild=True)` in a background thread while the site keeps answering
from the previous index generation; the page polls a status fragment (htmx, every second).

The status is also kept in the index folder (`JobFile`), so that every worker process answers
the polling with the same progress, whichever process runs the rebuild.

The rebuild runs in this process, with no child process (a killed worker leaves nothing
behind), and stops when the process exits: a gunicorn worker told to stop (SIGTERM) cancels the
rebuild at its next file, which removes the half-built generation and releases the writer lock.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from searchapp.config import Settings
from searchapp.engine import IndexBusy
from searchapp.engine.store import writer_lock
from searchapp.web.admin.blueprint import (
    BUSY_MESSAGE,
    EXTENSION,
    AdminError,
    bp,
    log,
    run_update_index,
)

JOB_FILE = "admin-reindex.json"  # below the index folder: reindex status for every worker
JOB_WRITE_EVERY = 0.25  # seconds between status writes while a reindex runs
STOP_WAIT = 10.0  # seconds a stopping process waits for its reindex to cancel


class ReindexStopped(Exception):
    """The process is exiting: the reindex gives up (and its writer discards what it wrote)."""


_running: list[tuple[threading.Thread, threading.Event]] = []


def _stop_running() -> None:
    """At exit (a worker's graceful shutdown): stop every reindex of this process and wait a
    little for it to clean up, instead of dying in the middle of its writes."""
    for _, stop in _running:
        stop.set()
    for thread, _ in _running:
        thread.join(timeout=STOP_WAIT)


atexit.register(_stop_running)


@dataclass
class ReindexJob:
    pid: int = field(default_factory=os.getpid)
    started: float = field(default_factory=time.time)
    done: int = 0
    total: int = 0
    name: str = ""
    finished: float | None = None
    summary: str | None = None
    failed: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def running(self) -> bool:
        return self.finished is None

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def progress(self, done: int, total: int, name: str) -> None:
        self.done, self.total, self.name = done, total, name


class JobFile:
    """The last reindex's status in the index folder, so that every worker process (gunicorn
    -w N) answers the polling with the same progress, whichever process runs the rebuild."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0.0

    def write(self, job: ReindexJob, force: bool = False) -> None:
        now = time.monotonic()
        first_or_last = job.done in (1, job.total)
        if not (force or first_or_last) and now - self.written < JOB_WRITE_EVERY:
            return
        self.written = now
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(asdict(job)), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            log.warning("admin: cannot write %s", self.path, exc_info=True)

    def read(self) -> ReindexJob | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            data["failed"] = [tuple(pair) for pair in data.get("failed", [])]
            job = ReindexJob(**data)
        except (OSError, ValueError, TypeError):
            return None
        if job.running and not _alive(job.pid):
            job.finished = job.started
            job.error = "interrupted: the process running it stopped before it finished"
        return job


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Reindexing:
    """AdminState's reindex part: the settings, the one writer per process (a lock held by a
    running reindex or add), this process's reindex and the status every process records."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.writing = threading.Lock()  # held by a running reindex or add
        self.job: ReindexJob | None = None  # the reindex this process runs or ran
        self.job_file = JobFile(settings.index / JOB_FILE)

    def current_job(self) -> ReindexJob | None:
        """This process's running reindex, else the last one any process recorded."""
        local = self.job
        if local is not None and local.running:
            return local
        recorded = self.job_file.read()
        if recorded is None or (local is not None and recorded.started <= local.started):
            return local  # this process's own job (or a later one) knows best
        return recorded


def _reindexing() -> Reindexing:
    """The app's AdminState, seen as the reindex part this module uses."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


@bp.post("/reindex")
def reindex() -> Response | tuple[str, int] | str:
    state = _reindexing()
    if not state.writing.acquire(blocking=False):
        return _reindex_answer(state, BUSY_MESSAGE, 409)
    try:
        with writer_lock(state.settings.index):  # another process (the command line)?
            pass
    except IndexBusy as exc:
        state.writing.release()
        return _reindex_answer(state, f"Cannot reindex now: {exc}.", 409)
    _start(state)
    return _reindex_answer(state, "Reindex started.", 202)


def _start(state: Reindexing) -> None:
    """Record a new job and run it in a thread; the thread releases the writer lock."""
    job = ReindexJob()
    state.job = job
    state.job_file.write(job, force=True)
    stop = threading.Event()
    thread = threading.Thread(
        target=_run_reindex, args=(state, job, stop), name="searchapp-reindex", daemon=True
    )
    try:
        _running.append((thread, stop))
        thread.start()
    except BaseException:
        _running.remove((thread, stop))
        state.writing.release()
        raise


def _reindex_answer(state: Reindexing, message: str, status: int) -> Response | tuple[str, int]:
    error = status >= 400
    if getattr(request, "htmx", None):
        html = render_template(
            "admin/_reindex_panel.html", job=state.current_job(), message=message, error=error
        )
        return html, status
    if error:
        raise AdminError(status, message)
    flash(message)
    return redirect(url_for("admin.home") + "#reindex", code=303)


def _run_reindex(state: Reindexing, job: ReindexJob, stop: threading.Event) -> None:
    try:

        def progress(done: int, total: int, name: str) -> None:
            if stop.is_set():
                raise ReindexStopped
            job.progress(done, total, name)
            state.job_file.write(job)

        summary = run_update_index(
            state.settings.documents, state.settings.index, rebuild=True, progress=progress
        )
        job.summary = summary.line()
        job.failed = list(summary.failed)
    except IndexBusy as exc:
        job.error = str(exc)
    except ReindexStopped:
        job.error = "stopped: the server shut down; the index was left as it was"
    except Exception:
        log.exception("admin: reindex failed")
        job.error = "unexpected error; the index was left as it was (see the server log)"
    finally:
        # The lock first: whoever sees the job finished may add at once (no 409 in between).
        state.writing.release()
        job.finished = time.time()
        state.job_file.write(job, force=True)
        _running[:] = [(t, e) for t, e in _running if t is not threading.current_thread()]


@bp.get("/reindex/status")
def reindex_status() -> str:
    return render_template("admin/_reindex_status.html", job=_reindexing().current_job())
