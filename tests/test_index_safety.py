"""Concurrency and crashes, with real processes: one writer at a time, a writer killed with
SIGKILL in the middle of a rebuild loses nothing, and readers never see a half-built index."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers_index import SEARCHAPP, cli_env, generate_corpus, run_cli, service

from searchapp.engine.store import CURRENT, GEN_PREFIX
from searchapp.search import SearchRequest

FILES, PARAGRAPHS = 60, 20  # 1200 paragraphs: the rebuild writes its segment for a while
QUERIES = ["cooperation", "energy security", "trade NOT border", '"strengthen cooperation"']


def _generations(index: Path) -> set[str]:
    return {p.name for p in index.glob(f"{GEN_PREFIX}*") if p.is_dir()}


def _live(index: Path) -> str:
    return (index / CURRENT).read_text("utf-8").strip()


def _answers(index: Path) -> dict[str, tuple[int, list[tuple[str, int]]]]:
    svc = service(index)
    out = {}
    for q in QUERIES:
        r = svc.search(SearchRequest(q=q, per_page=20))
        out[q] = (r["total"], [(h["doc_id"], h["pid"]) for h in r["hits"]])
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus and its index, built once by the CLI (the process exits, so the
    registry is closed and the folder can be copied)."""
    base = tmp_path_factory.mktemp("safety")
    docs = generate_corpus(base / "documents", FILES, PARAGRAPHS)
    done = run_cli("index", "--documents", str(docs), "--index", str(base / "index"), timeout=120)
    assert done.returncode == 0, done.stderr
    return base


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> tuple[Path, Path]:
    base = built
    shutil.copytree(base / "documents", tmp_path / "documents")
    shutil.copytree(base / "index", tmp_path / "index")
    return tmp_path / "documents", tmp_path / "index"


def _start_rebuild(docs: Path, index: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SEARCHAPP), "index", "--documents", str(docs), "--index", str(index), "--rebuild"],
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_new_generation(index: Path, before: set[str], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not (_generations(index) - before):
        assert proc.poll() is None, f"the rebuild ended before it started: {proc.stderr}"
        assert time.monotonic() < deadline, "the rebuild never created its generation"
        time.sleep(0.01)


# -- (a) one writer at a time -----------------------------------------------------------------

HOLD_LOCK = """
import sys, time
from pathlib import Path
from searchapp.engine import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_second_indexer_is_refused_while_another_holds_the_lock(tmp_path: Path) -> None:
    docs, index = tmp_path / "documents", tmp_path / "index"
    generate_corpus(docs, 2, 3)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(index)],
        env=cli_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        refused = run_cli("index", "--documents", str(docs), "--index", str(index))
        assert refused.returncode == 2, refused
        assert "another indexer" in refused.stderr
        assert f"pid {holder.pid}" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert not _generations(index), "the refused indexer must not have written anything"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    # The kernel released the lock with the holder: indexing works now.
    after = run_cli("index", "--documents", str(docs), "--index", str(index))
    assert after.returncode == 0, after.stderr
    assert "2 added" in after.stdout


# -- (b) kill -9 in the middle of a rebuild -----------------------------------------------------


def test_rebuild_killed_with_sigkill_loses_nothing(copy: tuple[Path, Path]) -> None:
    docs, index = copy
    live_before = _live(index)
    gens_before = _generations(index)
    answers_before = _answers(index)
    assert answers_before["cooperation"][0] > 0

    proc = _start_rebuild(docs, index)
    try:
        _wait_for_new_generation(index, gens_before, proc)
        (new,) = _generations(index) - gens_before
        # Kill it while it writes the new segment (its column files appear at commit time),
        # after every file has been read and analysed and before it can publish.
        deadline = time.monotonic() + 60
        while not any((index / new).glob("*.col")):
            assert proc.poll() is None, "the rebuild ended before it wrote its segment"
            assert time.monotonic() < deadline, "the rebuild never started writing"
            time.sleep(0.005)
        time.sleep(0.05)
        assert proc.poll() is None, "the rebuild finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    half_built = _generations(index) - gens_before
    assert half_built, "the killed rebuild should have left its half-built generation behind"

    # Readers still answer from the previous generation, with the same results.
    assert _live(index) == live_before
    assert _answers(index) == answers_before

    # The next run succeeds (nothing changed: everything unchanged) and cleans up.
    again = run_cli("index", "--documents", str(docs), "--index", str(index))
    assert again.returncode == 0, again.stderr
    assert f"{FILES} unchanged" in again.stdout
    assert _live(index) in _generations(index)
    stray = half_built & _generations(index)
    assert not stray, f"half-built generation(s) left behind after the next run: {stray}"
    assert _answers(index) == answers_before


# -- (c) readers during a rebuild -------------------------------------------------------------


def test_readers_never_fail_or_come_back_empty_during_a_rebuild(copy: tuple[Path, Path]) -> None:
    docs, index = copy
    live_before = _live(index)
    svc = service(index)  # one long-lived service, as in a server
    query = SearchRequest(q="cooperation", per_page=5)
    before = svc.search(query)["total"]
    assert before > 0
    # The rebuild also picks up a new file: the reader can tell when it sees the new index.
    (docs / "zz-new.txt").write_text(
        "JOINT COMMUNIQUE OF GAMMA AND DELTA\n\nGammatown, 3 March 2021\n\n"
        "The sides praised their cooperation on the quokkaberry harvest.\n",
        encoding="utf-8",
    )
    marker = SearchRequest(q="quokkaberry")
    assert svc.search(marker)["total"] == 0

    errors: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                result = svc.search(query)
                totals.append(result["total"] if result["hits"] else -1)
                time.sleep(0.005)  # leave the rebuilding process a CPU
            except BaseException as exc:  # any error is a failure
                errors.append(exc)
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc = _start_rebuild(docs, index)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    try:
        assert proc.returncode == 0, err
        assert _live(index) != live_before, "the rebuild should have published a new generation"
        # The long-lived reader notices the new generation by itself (within a second).
        deadline = time.monotonic() + 10
        while svc.search(marker)["total"] != 1:
            assert time.monotonic() < deadline, "the reader never moved to the rebuilt index"
            time.sleep(0.1)
        time.sleep(0.2)
    finally:
        stop.set()
        reader.join(timeout=10)

    assert not errors, f"a search failed during the rebuild: {errors[0]!r}"
    assert len(totals) > 10, "the reader should have searched many times during the rebuild"
    assert set(totals) <= {before, before + 1}, f"searches saw other totals: {sorted(set(totals))}"
    assert before + 1 in totals, "the reader should have searched the rebuilt index too"
