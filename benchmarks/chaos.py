"""`make chaos`: fault trials through the user's door, with real processes and a real disk.

    python -m benchmarks.chaos          # the full budget (16 min at load 18 on 2 cores)
    python -m benchmarks.chaos --kills 1 --disk 1 --locks 1 --adds 3    # a small one

- **kill**: `searchapp index`, `index --rebuild` and `searchapp add` each killed with SIGKILL
  at every phase of the commit (`SEARCHAPP_FAULT`, see searchapp/consistency.py), then the
  next `searchapp index`; paragraph counts, unique permalinks and permalinks that do not
  answer 200, before and after, against the same change run without a fault;
- **disk**: the index on a small tmpfs (needs root to mount; skipped with the reason
  otherwise), filled so that a rebuild or an update runs out of space, from the start or
  exactly at a commit phase (`SEARCHAPP_FAULT=<phase>:stop`, then the disk is filled): exit
  status 1 with a message, the previous generation still serving, nothing half-built left;
- **lock**: an indexer killed while processes it left hold the writer lock (they inherited its
  descriptor), and one killed while a child it forked runs: the next run takes over;
- **adds**: two `searchapp add` at once, every round: no metadata.csv row lost.

Prints the figures and exits 1 when any trial failed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from searchapp.config import load_settings
from searchapp.consistency import FAULT, PHASES
from searchapp.corpus import load_catalog
from searchapp.engine import store
from searchapp.engine.build import stored_paragraphs
from searchapp.engine.store import CURRENT, GEN_PREFIX, current_generation, uncommitted_files
from searchapp.indexer import check_index, update_index
from searchapp.search import SearchService

SEARCHAPP = Path(sys.executable).parent / "searchapp"
COMMANDS = ("index", "rebuild", "add")
TEXT = "the parties reaffirmed their commitment to dialogue cooperation trade energy security"
WORDS = TEXT.split()


# -- documents and commands ------------------------------------------------------------------


def declaration(path: Path, n: int, paragraphs: int, marker: str = "") -> Path:
    """A dated plain-text declaration whose paragraphs each carry a word of their own."""
    body = [f"JOINT STATEMENT NUMBER {n} OF ALPHA AND BETA", f"Alphaville, {1 + n % 28} May 2019"]
    for p in range(paragraphs):
        words = [WORDS[(n * 7 + p * 3 + i) % len(WORDS)] for i in range(24)]
        body.append(" ".join([f"zq{marker}{n}x{p}", *words]).capitalize() + ".")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(body) + "\n", encoding="utf-8")
    return path


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("SEARCHAPP_")}
    return {**out, "PYTHONUNBUFFERED": "1", **extra}


def cli(
    *args: str, fault: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    extra = {FAULT: fault} if fault else {}
    return subprocess.run(
        [str(SEARCHAPP), *args], env=env(**extra), capture_output=True, text=True, timeout=timeout
    )


def folders(base: Path) -> tuple[str, ...]:
    return ("--documents", str(base / "documents"), "--index", str(base / "index"))


def next_run(docs: Path, index: Path) -> str:
    """The next `searchapp index`, in this process (what the command runs, without the cost of
    starting one more interpreter); what went wrong, or "" when it succeeded."""
    try:
        summary = update_index(docs, index)
    except Exception as exc:
        return repr(exc)
    return "; ".join(f"{rel}: {reason}" for rel, reason in summary.failed)


def build_base(base: Path, files: int, paragraphs: int) -> Path:
    for n in range(files):
        declaration(base / "documents" / f"decl-{n:03d}.txt", n, paragraphs)
    done = cli("index", *folders(base))
    if done.returncode != 0:
        raise RuntimeError(f"the base index was not built: {done.stderr}")
    return base


def copy_base(base: Path, target: Path) -> Path:
    shutil.copytree(base, target)
    return target


def change(base: Path, command: str) -> list[str]:
    """Prepare `command`'s change in the folder; returns its arguments."""
    docs = base / "documents"
    if command == "add":
        new = declaration(base / "incoming" / "new-text.txt", 900, 5, marker="a")
        return ["add", str(new), "--title", "Given title", *folders(base)]
    declaration(docs / "decl-new-1.txt", 901, 4, marker="n")
    declaration(docs / "decl-new-2.txt", 902, 6, marker="n")
    declaration(docs / "decl-000.txt", 0, 9, marker="c")  # changed: other words, more of them
    (docs / "decl-001.txt").unlink()  # removed
    return ["index", *folders(base), *(["--rebuild"] if command == "rebuild" else [])]


# -- what a reader sees ----------------------------------------------------------------------


@dataclass
class View:
    paragraphs: int = 0  # paragraphs search can return (the live generation's)
    unique: int = 0  # distinct permalinks among them
    registry: int = 0  # paragraphs the registry knows
    not_found: int = 0  # of those permalinks, how many answer 404
    not_200: int = 0  # how many answer anything but 200 (410 during a crash window)

    def text(self) -> str:
        return (
            f"{self.paragraphs} paragraphs, {self.unique} unique, {self.registry} in the "
            f"registry, {self.not_found} x 404, {self.not_200} x not 200"
        )


def view(base: Path) -> View:
    return view_at(base / "documents", base / "index")


def view_at(docs: Path, index: Path) -> View:
    """What search can return, and what each of its permalinks answers (through the app)."""
    from searchapp import create_app

    urls = [f"/documents/{f['doc_id']}/{f['pid']}" for f in stored_paragraphs(index)]
    client = create_app(load_settings(docs, index)).test_client()
    status = [client.get(url).status_code for url in set(urls)]
    registry = sum(d.paragraphs for d in SearchService(index).documents())
    bad = sum(1 for code in status if code != 200)
    return View(len(urls), len(set(urls)), registry, status.count(404), bad)


# -- trials ----------------------------------------------------------------------------------


@dataclass
class Figures:
    kills: list[tuple[str, str, View, View, bool]] = field(default_factory=list)
    disk: list[tuple[str, str, bool]] = field(default_factory=list)
    disk_skipped: str | None = None
    locks: list[tuple[str, bool]] = field(default_factory=list)
    add_rounds: int = 0
    rows_lost: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # by kind of trial

    def fail(self, what: str) -> None:
        self.failures.append(what)


def kill_trials(base: Path, work: Path, rounds: int, figures: Figures) -> None:
    for command in COMMANDS:
        clean = copy_base(base, work / f"clean-{command}")
        done = cli(*change(clean, command))
        if done.returncode != 0:
            figures.fail(f"{command} without a fault: {done.returncode} {done.stderr}")
            continue
        expected = view(clean)
        shutil.rmtree(clean)
        for phase in PHASES:
            for r in range(rounds):
                trial = copy_base(base, work / f"kill-{command}-{phase}-{r}")
                killed = cli(*change(trial, command), fault=phase)
                before = view(trial)
                again = next_run(trial / "documents", trial / "index")
                after = view(trial)
                report = check_index(trial / "index")
                ok = (
                    killed.returncode == -signal.SIGKILL
                    and not again
                    and after == expected
                    and report.consistent
                )
                figures.kills.append((command, phase, before, after, ok))
                if not ok:
                    figures.fail(
                        f"kill {command}@{phase}: exit {killed.returncode}, next run {again}, "
                        f"after {after.text()} expected {expected.text()}, check {report.lines()}"
                    )
                shutil.rmtree(trial)


def _mount_tmpfs(mount: Path, size: str) -> str | None:
    mount.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run mount: {exc}"
    if done.returncode != 0:
        return f"cannot mount a tmpfs ({done.stderr.strip() or done.returncode})"
    return None


def _fill(mount: Path, leave: int) -> Path:
    """A file that leaves about `leave` bytes free on the mount (none at all for 0)."""
    filler = mount / "filler"
    chunk = b"\0" * 65536
    # Unbuffered: a write the disk refuses halfway must not stay in a buffer that closing
    # the file would try (and fail) to write again.
    with open(filler, "ab", buffering=0) as fh:
        todo = max(shutil.disk_usage(mount).free - leave, 0) if leave else None
        while todo is None or todo > 0:
            try:
                fh.write(chunk if todo is None else chunk[: min(todo, len(chunk))])
            except OSError:
                break
            if todo is not None:
                todo -= len(chunk)
    return filler


# Where a disk fills up: with little room left from the start (bytes left), or exactly at a
# phase of the commit (the command stops there, the disk is filled, it goes on): "segment" makes
# the registry's write fail, "commit" the index's publishing after the registry committed.
DISK_CASES = [
    *(("rebuild", leave, None) for leave in (24, 256)),
    *(("index", leave, None) for leave in (96, 640)),
    *((command, 0, phase) for phase in ("segment", "commit") for command in ("rebuild", "index")),
]


def disk_label(command: str, leave: int, stop_at: str | None) -> str:
    where = f"full after the {stop_at} phase" if stop_at else f"{leave:>3} KiB free"
    return f"{command:<7} {where}"


def disk_trials(base: Path, work: Path, rounds: int, figures: Figures) -> None:
    """The index on a small tmpfs; a change that does not fit must fail cleanly."""
    for r in range(rounds):
        for n, (command, leave, stop_at) in enumerate(DISK_CASES):
            mount = work / f"disk-{r}-{n}"
            reason = _mount_tmpfs(mount, "6m")
            if reason:
                figures.disk_skipped = reason
                return
            docs = work / f"disk-{r}-{n}-documents"
            try:
                shutil.copytree(base / "documents", docs)
                index = shutil.copytree(base / "index", mount / "index")
                outcome, ok = disk_trial(docs, index, command, leave * 1024, stop_at)
            finally:
                subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)
                shutil.rmtree(docs, ignore_errors=True)
            label = disk_label(command, leave, stop_at)
            figures.disk.append((label, outcome, ok))
            if not ok:
                figures.fail(f"disk, {label}: {outcome}")


def _stopped(proc: subprocess.Popen[str], seconds: float = 120) -> bool:
    """Wait until `proc` stops itself (SIGSTOP); False if it ended first."""
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{proc.pid}/stat").read_text()
            if stat.rsplit(")", 1)[-1].split()[0] == "T":
                return True
        time.sleep(0.02)
    return False


def disk_trial(
    docs: Path, index: Path, command: str, leave: int, stop_at: str | None
) -> tuple[str, bool]:
    """Run `command` on a disk too small for it; check what it says and what it leaves."""
    mount = index.parent
    for n in range(60 if stop_at is None else 3):  # far more than the room left
        declaration(docs / f"big-{n:03d}.txt", 300 + n, 20, marker="b")
    args = ["index", "--documents", str(docs), "--index", str(index)]
    args += ["--rebuild"] if command == "rebuild" else []
    before = view_at(docs, index)
    live, gens = (index / CURRENT).read_text(), _gens(index)
    if stop_at is None:
        filler = _fill(mount, leave)
        done = cli(*args)
    else:
        proc = subprocess.Popen(
            [str(SEARCHAPP), *args], env=env(**{FAULT: f"{stop_at}:stop"}), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        if not _stopped(proc):
            proc.kill()
            return f"never reached {stop_at}: {proc.communicate()[1][-300:]}", False
        filler = _fill(mount, 0)
        proc.send_signal(signal.SIGCONT)
        out, err = proc.communicate(timeout=300)
        done = subprocess.CompletedProcess(args, proc.returncode, out, err)
    if done.returncode == 0:
        filler.unlink()
        return "fitted (not a disk-full trial)", stop_at is None
    problems = []
    if done.returncode != 1 or "Traceback" in done.stderr or "No space" not in done.stderr:
        problems.append(f"exit {done.returncode}: {done.stderr.strip()[-300:]}")
    # A rebuild whose registry committed keeps its complete generation, to publish next time.
    kept = _gens(index) - gens
    if (index / CURRENT).read_text() != live or not all(
        stop_at == "commit" and store.complete(index / g) for g in kept
    ):
        problems.append(f"generations changed: {gens} -> {_gens(index)}")
    gen = current_generation(index)
    if gen is None or uncommitted_files(gen):
        problems.append(f"half-written files left: {gen and uncommitted_files(gen)}")
    during = view_at(docs, index)
    if (during.paragraphs, during.unique, during.not_found) != (
        before.paragraphs, before.unique, before.not_found
    ):  # fmt: skip
        problems.append(f"the previous index no longer answers as before: {during.text()}")
    filler.unlink()
    again = next_run(docs, index)
    report = check_index(index)
    after = view_at(docs, index)
    if again or not report.consistent or not after.paragraphs == after.unique == after.registry:
        problems.append(f"after freeing space: {again} {after.text()} {report.lines()}")
    message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    return ("; ".join(problems) or message[:200]), not problems


def _gens(index: Path) -> set[str]:
    return {p.name for p in index.glob(f"{GEN_PREFIX}*")}


LEFTOVER_HOLDER = """
import fcntl, os, subprocess, sys, time
from pathlib import Path
index = Path(sys.argv[1]); index.mkdir(parents=True, exist_ok=True)
fd = os.open(index / "writer.lock", os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.pwrite(fd, str(os.getpid()).encode(), 0)
# A child that inherits the descriptor and outlives its parent, as Whoosh's writer processes did.
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], pass_fds=(fd,))
print(child.pid, flush=True)
time.sleep(120)
"""

FORKING_HOLDER = """
import os, sys, time
from pathlib import Path
from searchapp.engine import writer_lock
with writer_lock(Path(sys.argv[1])):
    child = os.fork()
    if child == 0:
        time.sleep(120)
        os._exit(0)
    print(child, flush=True)
    time.sleep(120)
"""


def lock_trials(base: Path, work: Path, trials: int, figures: Figures) -> None:
    for n in range(trials):
        for name, script in (("leftover child", LEFTOVER_HOLDER), ("forked child", FORKING_HOLDER)):
            trial = copy_base(base, work / f"lock-{n}-{name.split()[0]}")
            ok, what = _lock_trial(trial, script, takeover=script is LEFTOVER_HOLDER)
            figures.locks.append((name, ok))
            if not ok:
                figures.fail(f"lock, {name}: {what}")
            shutil.rmtree(trial)


def _gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def _lock_trial(trial: Path, script: str, takeover: bool) -> tuple[bool, str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(trial / "index")],
        env=env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    child = int(holder.stdout.readline())
    try:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        if not takeover and not _gone(child, 5):
            return False, f"the forked child {child} outlived its parent"
        done = update_index(trial / "documents", trial / "index")
        said = any("took over the writer lock" in w for _, w in done.warnings)
        if said != takeover:
            return False, f"takeover reported: {said}, expected {takeover}: {done.warnings}"
        if not _gone(child, 5):
            return False, f"leftover {child} still runs"
        return True, ""
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


def add_rounds(base: Path, work: Path, rounds: int, figures: Figures) -> None:
    trial = copy_base(base, work / "adds")
    docs = trial / "documents"
    for r in range(rounds):
        texts = [
            declaration(work / "incoming" / f"r{r}-{s}.txt", 500 + r, 2, marker=s) for s in "ab"
        ]
        procs = [
            subprocess.Popen(
                [str(SEARCHAPP), "add", str(t), "--title", f"Round {r} {t.stem}", *folders(trial)],
                env=env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for t in texts
        ]
        outs = [p.communicate(timeout=300) for p in procs]
        catalog = load_catalog(docs)
        titles = {m.title for m in catalog.values()}
        lost = [t.stem for t in texts if f"Round {r} {t.stem}" not in titles]
        failed = [err for p, (_, err) in zip(procs, outs, strict=True) if p.returncode != 0]
        figures.add_rounds += 1
        figures.rows_lost += len(lost)
        if lost or failed:
            figures.fail(f"adds, round {r}: rows lost {lost}, failures {failed}")
    indexed = {d.metadata.title for d in SearchService(trial / "index").documents()}
    missing = {m.title for m in load_catalog(docs).values()} - indexed
    if missing:
        figures.fail(f"adds: given titles not indexed: {sorted(missing)[:5]}")


# -- report ----------------------------------------------------------------------------------


def report(figures: Figures, seconds: float) -> str:
    spent = ", ".join(f"{name} {t:.0f} s" for name, t in figures.seconds.items())
    lines = [f"chaos: {seconds:.0f} s ({spent})"]
    for command in COMMANDS:
        for phase in PHASES:
            runs = [k for k in figures.kills if k[:2] == (command, phase)]
            if runs:
                good = sum(1 for k in runs if k[4])
                first = runs[0]
                lines.append(
                    f"  kill -9 {command:<7} @ {phase:<8} {good}/{len(runs)} converged; "
                    f"before: {first[2].text()}; after: {first[3].text()}"
                )
    if figures.disk_skipped:
        lines.append(f"  disk full: skipped ({figures.disk_skipped})")
    for label, outcome, ok in figures.disk:
        lines.append(f"  disk, {label}: {'ok' if ok else 'FAIL'}: {outcome}")
    for name in ("leftover child", "forked child"):
        runs = [ok for n, ok in figures.locks if n == name]
        if runs:
            lines.append(
                f"  lock, owner killed with a {name}: {sum(runs)}/{len(runs)} taken over cleanly"
            )
    if figures.add_rounds:
        lines.append(
            f"  two adds at once: {figures.add_rounds} rounds, {figures.rows_lost} rows lost"
        )
    lines.append(
        "  (not 200 during a crash window: 410 answers for paragraphs the registry has already "
        "retired while the index still holds them; never 404)"
    )
    lines.append(f"  failures: {len(figures.failures)}")
    lines += [f"    {f}" for f in figures.failures]
    return "\n".join(lines)


def run(
    kills: int = 3,
    disk: int = 2,
    locks: int = 3,
    adds: int = 100,
    work: Path | None = None,
    say: Callable[[str], None] = print,
) -> Figures:
    started = time.monotonic()
    figures = Figures()
    own = work is None
    work = work or Path(tempfile.mkdtemp(prefix="searchapp-chaos-"))
    try:
        base = build_base(work / "base", files=8, paragraphs=6)
        trials = [(kill_trials, kills), (disk_trials, disk), (lock_trials, locks)]
        for trial, budget in [*trials, (add_rounds, adds)]:
            began = time.monotonic()
            trial(base, work, budget, figures)
            figures.seconds[trial.__name__] = time.monotonic() - began
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    say(report(figures, time.monotonic() - started))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chaos", description=__doc__)
    parser.add_argument("--kills", type=int, default=3, help="kill trials per command and phase")
    parser.add_argument("--disk", type=int, default=2, help="rounds of the disk-full cases")
    parser.add_argument("--locks", type=int, default=3, help="lock trials of each kind")
    parser.add_argument("--adds", type=int, default=100, help="rounds of two adds at once")
    args = parser.parse_args(argv)
    figures = run(args.kills, args.disk, args.locks, args.adds)
    return 1 if figures.failures else 0


if __name__ == "__main__":
    sys.exit(main())
