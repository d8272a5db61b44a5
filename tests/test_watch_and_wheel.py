"""`searchapp index --watch` follows the folder; the wheel carries templates and data files."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from pathlib import Path

from helpers_index import ROOT, SEARCHAPP, cli_env, copy_seeds, search, write_document

from searchapp.engine import IndexMissing


def _wait_for(condition, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except IndexMissing:  # the watcher's first run has not committed yet
            pass
        time.sleep(0.3)
    return False


def test_watch_indexes_files_as_they_appear_change_and_go(tmp_path: Path) -> None:
    docs, index = copy_seeds(tmp_path / "documents"), tmp_path / "index"
    watcher = subprocess.Popen(
        [str(SEARCHAPP), "index", "--watch", "--documents", str(docs), "--index", str(index)],
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait_for(lambda: search(index, "Taiwan")["total"] > 0)
        new = write_document(docs / "alpha.txt", ["The sides welcomed the quokka accord."])
        assert _wait_for(lambda: search(index, "quokka")["total"] == 1)
        write_document(new, ["The sides welcomed the wombat accord."])
        assert _wait_for(lambda: search(index, "wombat")["total"] == 1)
        assert search(index, "quokka")["total"] == 0
        new.unlink()
        assert _wait_for(lambda: search(index, "wombat")["total"] == 0)
        assert watcher.poll() is None, "the watcher must keep running"
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)


def test_wheel_contains_templates_static_files_and_data(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("searchapp-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "searchapp/templates/base.html",
        "searchapp/templates/static/htmx.min.js",
        "searchapp/templates/admin/home.html",
        "searchapp/data/sections.yaml",
        "searchapp/data/spelling_variants.txt",
    ):
        assert needed in names, f"{needed} missing from {wheel.name}"
