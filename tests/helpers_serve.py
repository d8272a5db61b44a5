"""`searchapp serve` in a subprocess, as a user runs it: the console script on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SEARCHAPP = str(Path(sys.executable).with_name("searchapp"))
START_TIMEOUT = 120.0  # seconds: the first start builds the index


@dataclass
class ServedApp:
    process: subprocess.Popen[bytes]
    port: int
    documents: Path | None = None
    index: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answering(app: ServedApp, log: Path | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{app.url}/", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise AssertionError(f"the server did not answer:\n{_tail(log)}")


def _tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-2000:] if log else "(no log)"


@contextmanager
def serve_process(
    documents: Path, index: Path, env: dict[str, str] | None = None
) -> Iterator[ServedApp]:
    """Run `searchapp serve` over `documents` on a free port; stop it afterwards."""
    port = free_port()
    log = index.parent / f"serve-{port}.log"
    folders = ["--documents", str(documents), "--index", str(index)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [SEARCHAPP, "serve", *folders, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    app = ServedApp(process, port, documents, index)
    try:
        wait_until_answering(app, log)
        yield app
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
