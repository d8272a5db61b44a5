"""`make fuzz` in small: the campaign serves the seeds with gunicorn, sends random and hostile
requests over HTTP and finds no failure (a 5xx, a traceback, unescaped markup)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_a_small_fuzz_campaign_finds_no_failure(tmp_path: Path) -> None:
    if not (Path(sys.executable).parent / "gunicorn").exists():
        pytest.skip("gunicorn (the prod extra) is not installed")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.fuzz", "--queries", "150", "--budget", "40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fuzz: failures: 0" in done.stdout
    sent = next(line for line in done.stdout.splitlines() if " requests in " in line)
    assert int(sent.split()[1]) > 0
