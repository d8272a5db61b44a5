"""Nothing lost, nothing locked: the fault trials of `make chaos`, at a small budget.

Real processes killed with SIGKILL at every phase of the commit (SEARCHAPP_FAULT, test only),
a real full disk (a tmpfs; skipped with the reason when it cannot be mounted), real leftover
lock holders, two real `searchapp add` at once; then the next run, and what readers see.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from benchmarks import chaos
from searchapp.consistency import PHASES
from searchapp.engine import IndexWriter, writer_lock
from searchapp.engine.store import GEN_PREFIX, current_generation
from searchapp.indexer import _records, check_index
from searchapp.registry import Registry


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return chaos.build_base(tmp_path_factory.mktemp("chaos") / "base", files=6, paragraphs=5)


@pytest.fixture(scope="module")
def expected(base: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, chaos.View]:
    """What each command leaves when nothing goes wrong."""
    out = {}
    for command in chaos.COMMANDS:
        clean = chaos.copy_base(base, tmp_path_factory.mktemp("clean") / command)
        done = chaos.cli(*chaos.change(clean, command))
        assert done.returncode == 0, done.stderr
        out[command] = chaos.view(clean)
    return out


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("command", chaos.COMMANDS)
def test_killed_at_any_phase_the_next_run_converges(
    base: Path, expected: dict[str, chaos.View], tmp_path: Path, command: str, phase: str
) -> None:
    trial = chaos.copy_base(base, tmp_path / "t")
    killed = chaos.cli(*chaos.change(trial, command), fault=phase)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    during = chaos.view(trial)
    assert during.not_found == 0, "a paragraph search returns has a permalink that answers 404"
    assert during.unique == during.paragraphs, "a paragraph is in the index twice"
    assert chaos.next_run(trial / "documents", trial / "index") == ""
    after = chaos.view(trial)
    assert after == expected[command]
    assert after.paragraphs == after.unique == after.registry and after.not_200 == 0
    assert check_index(trial / "index").consistent


@pytest.mark.parametrize(
    ("command", "leave", "stop_at"),
    [("rebuild", 48 * 1024, None), ("index", 0, "segment"), ("rebuild", 0, "commit")],
    ids=["rebuild-48KiB-free", "index-full-at-registry-write", "rebuild-full-after-registry"],
)
def test_full_disk_is_a_message_and_the_previous_index_serves(
    base: Path, tmp_path: Path, command: str, leave: int, stop_at: str | None
) -> None:
    mount = tmp_path / "disk"
    reason = chaos._mount_tmpfs(mount, "6m")
    if reason:
        pytest.skip(reason)
    try:
        docs = shutil.copytree(base / "documents", tmp_path / "documents")
        index = shutil.copytree(base / "index", mount / "index")
        outcome, ok = chaos.disk_trial(docs, index, command, leave, stop_at)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)
    assert ok, outcome
    assert "No space left on device" in outcome


def test_a_lock_kept_by_a_dead_owners_child_is_taken_over(base: Path, tmp_path: Path) -> None:
    trial = chaos.copy_base(base, tmp_path / "t")
    ok, what = chaos._lock_trial(trial, chaos.LEFTOVER_HOLDER, takeover=True)
    assert ok, what


def test_a_child_forked_under_the_lock_dies_with_its_parent(base: Path, tmp_path: Path) -> None:
    trial = chaos.copy_base(base, tmp_path / "t")
    ok, what = chaos._lock_trial(trial, chaos.FORKING_HOLDER, takeover=False)
    assert ok, what


def test_two_adds_at_once_lose_no_row(base: Path, tmp_path: Path) -> None:
    figures = chaos.Figures()
    chaos.add_rounds(base, tmp_path, 3, figures)
    assert figures.add_rounds == 3
    assert not figures.failures, figures.failures
    assert figures.rows_lost == 0


def test_check_reports_and_repairs_every_kind_of_drift(base: Path, tmp_path: Path) -> None:
    trial = chaos.copy_base(base, tmp_path / "t")
    index = trial / "index"
    registry = Registry(index, readonly=True)
    first, second = sorted(registry.documents(), key=lambda d: d.seq)[:2]
    with writer_lock(index), IndexWriter(index) as writer:
        # what the old commit order left after a crash: a document indexed twice ...
        writer.add_paragraphs(_records(first, registry.paragraphs(first.doc_id)))
        # ... and one the registry knows that search cannot find
        writer.delete_document(second.doc_id)
    orphan = index / f"{GEN_PREFIX}999999"
    orphan.mkdir()
    live = current_generation(index)
    assert live is not None
    (live / "MAIN_deadbeef.seg").write_bytes(b"left by a killed writer")

    drift = chaos.cli("index", "--check", *chaos.folders(trial))
    assert drift.returncode == 1, drift.stderr
    assert f"{first.paragraphs} duplicate paragraph copies removed" in drift.stdout
    assert f"{second.paragraphs} paragraphs in the registry but not the index added" in drift.stdout
    assert "1 orphan generations removed" in drift.stdout
    assert "1 unused index files removed" in drift.stdout
    assert "Traceback" not in drift.stderr
    assert not orphan.exists()

    again = chaos.cli("index", "--check", *chaos.folders(trial))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "check: consistent" in again.stdout
    view = chaos.view(trial)
    assert view.paragraphs == view.unique == view.registry and view.not_200 == 0
