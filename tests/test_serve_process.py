"""`searchapp serve` as a user starts it (the console script, in its own process) survives
clients that go away: a browser that cancels requests while the user types, and raw sockets
that close before, during or right after their request."""

from __future__ import annotations

import os
import re
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers_serve import SEARCHAPP, ServedApp, free_port, wait_until_answering

expect = pytest.importorskip(
    "playwright.sync_api", reason="browser tests skipped: the playwright package is not installed"
).expect


def assert_alive_and_answering(app: ServedApp) -> None:
    assert app.process.poll() is None, f"the server exited with {app.process.returncode}"
    with urllib.request.urlopen(f"{app.url}/search?q=taiwan", timeout=10) as response:
        assert response.status == 200
        assert b"Taiwan" in response.read()


def _connect(app: ServedApp) -> socket.socket:
    return socket.create_connection(("127.0.0.1", app.port), timeout=5)


def _reset_on_close(sock: socket.socket) -> None:
    # SO_LINGER 0: close() sends a RST, so the server's next write to it fails at once.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


BIG_PAGES = [
    "/search?q=&per_page=100",
    "/documents/2002-12-02-joint-declaration?q=cooperation",
    "/api/search?q=cooperation&per_page=100",
]


def test_clients_that_close_early_do_not_stop_the_server(served: ServedApp) -> None:
    for path in BIG_PAGES:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        # Pipelined requests, then gone: the server writes its answers to a closed socket
        # (the first write is refused with a reset, the next ones with EPIPE).
        with _connect(served) as sock:
            sock.sendall(request * 20)
        # Closed with a reset right after the request, before reading the answer.
        with _connect(served) as sock:
            _reset_on_close(sock)
            sock.sendall(request)
        # Closed after the first bytes of the answer.
        with _connect(served) as sock:
            sock.sendall(request * 5)
            sock.recv(64)
            _reset_on_close(sock)
        # Closed in the middle of the request line.
        with _connect(served) as sock:
            sock.sendall(request[:10])
    time.sleep(1)  # let the server's threads meet the closed sockets
    assert_alive_and_answering(served)


def _send_and_vanish(port: int) -> None:
    for path in BIG_PAGES:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        for linger in (False, True):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                if linger:
                    _reset_on_close(sock)
                sock.sendall(request * 5)


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(p) for p in text.split()}


def test_gunicorn_workers_survive_clients_that_close_early(served: ServedApp) -> None:
    """The sibling under gunicorn: no worker dies (and is replaced) for a vanished client."""
    pytest.importorskip("gunicorn", reason="gunicorn (the prod extra) is not installed")
    docs, index = served.documents, served.index  # read only: the index is served as it is
    port = free_port()
    env = {**os.environ, "SEARCHAPP_DOCUMENTS": str(docs), "SEARCHAPP_INDEX": str(index)}
    bind = f"127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", bind, "searchapp:create_app()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = ServedApp(gunicorn, port)
    try:
        wait_until_answering(app)
        workers = _children(gunicorn.pid)
        assert len(workers) == 2
        for _ in range(3):
            _send_and_vanish(port)
        time.sleep(1)
        assert_alive_and_answering(app)
        assert _children(gunicorn.pid) == workers, "a worker died and was replaced"
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


@pytest.mark.browser
def test_typing_and_enter_while_requests_are_in_flight(page: Any, served: ServedApp) -> None:
    page.goto(f"{served.url}/search?q=cooperation")
    box = page.locator("#q")
    for query in ("taiwan", "missile defence", "energy", "border"):
        box.fill("")
        box.press_sequentially(query, delay=5)
        box.press("Enter")
        box.fill("")
        box.press_sequentially("security", delay=5)  # cancels the request Enter sent
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=security"))
    expect(page.locator("#results-heading")).to_contain_text("paragraph")
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/documents/[^/]+/\d+$"))
    page.go_back()
    page.locator("#q").fill("security cooperation")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"q=security(\+|%20)cooperation"))
    assert_alive_and_answering(served)


def test_serve_leaves_sigpipe_to_the_search_command(served: ServedApp) -> None:
    """`searchapp search … | head` still ends quietly: SIGPIPE keeps its default there."""
    env_args = ["--documents", str(served.documents), "--index", str(served.index)]
    search = subprocess.Popen(
        [SEARCHAPP, "search", "", "--limit", "100", "--json", *env_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert search.stdout is not None and search.stderr is not None
    search.stdout.read(10)
    search.stdout.close()  # like `head -c 10`
    assert search.wait(timeout=60) in (0, -13)  # done, or ended by SIGPIPE
    assert b"Traceback" not in search.stderr.read()
