"""Cold start: `searchapp search QUERY --json` and `searchapp --help` as a user runs them,
each in a new process (interpreter start, imports, opening the index, one search), with the
wall time and the peak memory of that process (from `wait4`, not sampled)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.stats import summarize

QUERY = "Taiwan"


def _program() -> list[str]:
    exe = Path(sys.executable).parent / "searchapp"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "searchapp"]


# Runs the command from a small interpreter: Linux counts, in a child's peak RSS, its
# parent's memory at the time it was spawned, so spawning from the benchmark's own big
# process would report the benchmark's size, not the command's.
_LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
devnull = os.open(os.devnull, os.O_WRONLY)
actions = [(os.POSIX_SPAWN_DUP2, devnull, 1)]
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=actions)
_, status, usage = os.wait4(pid, 0)
print(json.dumps({
    "status": os.waitstatus_to_exitcode(status),
    "seconds": time.perf_counter() - started,
    "maxrss_kib": usage.ru_maxrss,
    "cpu_s": usage.ru_utime + usage.ru_stime,
}))
"""


def run_once(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds of one run of `command`, which must
    succeed. CPU time says what the wall time would be on an idle machine."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"launching {command[-4:]} failed: {done.stderr[-300:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["status"] != 0:
        raise RuntimeError(
            f"{' '.join(command[-4:])} failed ({figures['status']}): {done.stderr[-300:]}"
        )
    return figures["seconds"], figures["maxrss_kib"] / 1024, figures["cpu_s"]


def measure(index: Path, runs: int) -> dict[str, Any]:
    """Median and worst of `runs` cold searches and `--help` runs (the page cache is warm:
    what is measured is the program's own start, not the disk)."""
    search_command = [*_program(), "search", QUERY, "--json", "--index", str(index)]
    search = [run_once(search_command) for _ in range(runs)]
    helps = [run_once([*_program(), "--help"]) for _ in range(runs)]
    return {
        "query": QUERY,
        "runs": runs,
        "search_s": summarize([s for s, _, _ in search]).median,
        "search_s_max": max(s for s, _, _ in search),
        "search_cpu_s": summarize([c for _, _, c in search]).median,
        "search_peak_mib": max(m for _, m, _ in search),
        "help_s": summarize([s for s, _, _ in helps]).median,
        "help_cpu_s": summarize([c for _, _, c in helps]).median,
        "help_peak_mib": max(m for _, m, _ in helps),
    }
