"""An admin reindex under gunicorn leaves nothing behind: a worker killed in the middle of it
leaves no orphan process and no held lock; a gunicorn SIGTERM during it leaves no process, no
lock and the port free for the restart. Real gunicorn, real HTTP, real signals."""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from helpers_index import BIN, cli_env, generate_corpus, run_cli

from searchapp.engine.store import GEN_PREFIX, LOCK, holders
from searchapp.web.admin.reindex import JOB_FILE

PASSWORD = "chaos-admin-password"
GUNICORN = BIN / "gunicorn"

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn (the prod extra) is absent")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Admin:
    """A logged-in admin session over HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return str(response.read().decode())

    def post(self, path: str, **form: str) -> int:
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return int(response.status)

    def token(self, path: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.get(path))
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def log_in(self) -> None:
        self.post("/admin/login", csrf_token=self.token("/admin/login"), password=PASSWORD)

    def reindex(self) -> None:
        self.post("/admin/reindex", csrf_token=self.token("/admin"))


def _wait(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/", timeout=2):
            return True
    except OSError:
        return False


def _running_reindex(index: Path) -> bool:
    try:
        job = json.loads((index / JOB_FILE).read_text())
    except (OSError, ValueError):
        return False
    return job["finished"] is None and job["done"] >= 1


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_killed_or_stopped_admin_reindex_leaves_nothing_behind(tmp_path: Path) -> None:
    docs, index = tmp_path / "documents", tmp_path / "index"
    generate_corpus(docs, 120, 15)
    built = run_cli("index", "--documents", str(docs), "--index", str(index), timeout=300)
    assert built.returncode == 0, built.stderr
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = cli_env(
        SEARCHAPP_DOCUMENTS=str(docs), SEARCHAPP_INDEX=str(index), SEARCHAPP_ADMIN_PASSWORD=PASSWORD
    )
    command = [str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "30"]
    server = subprocess.Popen(
        [*command, "searchapp:create_app()"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: _answers(base), 60, "gunicorn to answer")
        admin = Admin(base)
        admin.log_in()

        # 1. The worker is killed in the middle of a reindex.
        admin.reindex()
        _wait(lambda: _running_reindex(index), 60, "the reindex to start")
        (worker,) = _children(server.pid)
        worker_children = _children(worker)
        assert worker_children == [], f"the reindex runs child processes: {worker_children}"
        subprocess.run(["kill", "-KILL", str(worker)], check=True)
        _wait(lambda: not _alive(worker), 10, "the worker to die")
        assert holders(index / LOCK) == [], "a process still holds the writer lock"
        between = run_cli("index", "--documents", str(docs), "--index", str(index), timeout=300)
        assert between.returncode == 0, between.stderr  # not "another indexer is updating"

        # 2. gunicorn is stopped (SIGTERM) in the middle of another reindex.
        _wait(lambda: _answers(base), 60, "the new worker to answer")
        admin.reindex()
        _wait(lambda: _running_reindex(index), 60, "the second reindex to start")
        (worker,) = _children(server.pid)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        assert not _alive(worker), "the worker outlived gunicorn"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert holders(index / LOCK) == [], "a process still holds the writer lock"
    job = json.loads((index / JOB_FILE).read_text())
    assert job["finished"] is not None and "stopped" in (job["error"] or ""), job
    with socket.socket() as s:  # the port is free for the restart
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
    after = run_cli("index", "--documents", str(docs), "--index", str(index), timeout=300)
    assert after.returncode == 0, after.stderr
    assert "120 unchanged" in after.stdout
    check = run_cli("index", "--check", "--documents", str(docs), "--index", str(index))
    assert check.returncode == 0, check.stdout + check.stderr
    generations = [p for p in index.glob(f"{GEN_PREFIX}*") if p.is_dir()]
    assert len(generations) <= 2, f"half-built generations left: {generations}"
    shutil.rmtree(tmp_path / "documents")
