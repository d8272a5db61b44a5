"""What the numbers were measured on: machine, software versions, commit."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

PACKAGES = ("searchapp", "whoosh-reloaded", "flask", "gunicorn", "tantivy", "matplotlib")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
    if name == "searchapp":
        return pyproject_version()
    return "not installed"


def pyproject_version() -> str:
    """The version in pyproject.toml, for a source tree that is not pip-installed."""
    try:
        with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"]) + " (source tree)"
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def wrk_version() -> str:
    exe = shutil.which("wrk")
    if exe is None:
        return "not installed"
    out = subprocess.run([exe, "-v"], capture_output=True, text=True, timeout=10, check=False)
    first = (out.stdout or out.stderr).split()
    return " ".join(first[:2]) if first else "unknown"


def git_commit(repo: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip()


def load_average() -> str:
    """1, 5 and 15 minute load averages (other processes on the machine skew the figures)."""
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def describe(repo: Path) -> dict[str, str]:
    info = {
        "cpu": cpu_model(),
        "cores": str(usable_cores()),
        "memory": f"{memory_gib():.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": wrk_version(),
        "commit": git_commit(repo),
        "load average at start (1/5/15 min)": load_average(),
    }
    for name in PACKAGES:
        info[name] = package_version(name)
    return info
