"""Where the index lives on disk, and how it changes without readers ever seeing half of it.

Layout of the index folder:

    CURRENT         the name of the live generation folder (replaced atomically)
    gen-000007/     a Whoosh index (its commits are numbered: `_MAIN_<n>.toc`)
    writer.lock     held (flock) by the one process allowed to write; records its pid

Small changes are committed into the live generation: Whoosh writes new segment files first
and a new table of contents last, so a reader opens either the old or the new state. A
rebuild fills a new generation folder and swaps CURRENT to it in one rename. A process killed
at any point leaves CURRENT naming a complete index; its half-built folder, or its segment
files that no table of contents names, are removed by the next writer. How an index commit
and the registry's commit make one step is `searchapp/consistency.py`.

The writer lock dies with its owner: the kernel releases a flock when the last descriptor of
it closes, and a process forked while the lock is held closes its copy at once and is killed
when its parent dies (so no child can keep the index locked, or a server's port bound). A lock
still held although its recorded owner is dead (children of an older build, say) is taken over.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index
from whoosh.reading import SegmentReader

from searchapp.engine.schema import build_schema

CURRENT = "CURRENT"
LOCK = "writer.lock"
GEN_PREFIX = "gen-"
TAKEOVER_GRACE = 0.5  # seconds a new holder has to record its pid before it counts as gone
TAKEOVER_WAIT = 5.0  # seconds to wait for the lock once its leftover holders were killed

log = logging.getLogger(__name__)


class IndexBusy(Exception):
    """Another process is writing to this index."""


class IndexMissing(Exception):
    """There is no index in this folder yet."""


def current_generation(root: Path) -> Path | None:
    try:
        name = (root / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    gen = root / name
    return gen if name.startswith(GEN_PREFIX) and complete(gen) else None


def complete(gen: Path) -> bool:
    """Whether `gen` holds a committed index: a table of contents, found by its name, as
    Whoosh's `exists_in` does after reading it and every segment's header (a few
    milliseconds, and an add looks several times)."""
    return gen.is_dir() and committed(gen) >= 0


def open_current(root: Path) -> tuple[Index, Path]:
    gen = current_generation(root)
    if gen is None:
        raise IndexMissing(f"no index in {root}: run `searchapp index` first")
    return windex.open_dir(str(gen)), gen


def _write_current(root: Path, gen: Path) -> None:
    tmp = root / f".{CURRENT}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(gen.name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    with contextlib.suppress(OSError):
        dirfd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)


def _next_generation_name(root: Path) -> str:
    numbers = [
        int(p.name[len(GEN_PREFIX) :])
        for p in root.glob(f"{GEN_PREFIX}*")
        if p.name[len(GEN_PREFIX) :].isdigit()
    ]
    return f"{GEN_PREFIX}{max(numbers, default=0) + 1:06d}"


def new_generation(root: Path) -> Path:
    """An empty index in a fresh generation folder, not yet live."""
    gen = root / _next_generation_name(root)
    gen.mkdir(parents=True)
    windex.create_in(str(gen), build_schema())
    return gen


def publish(root: Path, gen: Path) -> None:
    """Make `gen` the live generation and remove the ones nobody will open again."""
    previous = current_generation(root)
    _write_current(root, gen)
    remove_stale_generations(root, keep=previous)


def remove_stale_generations(root: Path, keep: Path | None = None) -> None:
    """Remove generation folders other than the live one and `keep`.

    The generation that was live until a moment ago is kept: a server process may still be
    answering from it and open its files lazily; it is removed at the next swap.
    """
    live = current_generation(root)
    for path in root.glob(f"{GEN_PREFIX}*"):
        if path.is_dir() and path not in (live, keep):
            shutil.rmtree(path, ignore_errors=True)


def remove_unfinished_generations(root: Path) -> None:
    """Remove generation folders newer than the live one: rebuilds that died before publishing.

    Only the holder of the writer lock may call this (no rebuild can be under way).
    """
    live = current_generation(root)
    if live is None:
        return
    for path in root.glob(f"{GEN_PREFIX}*"):
        if path.is_dir() and path.name > live.name:
            shutil.rmtree(path, ignore_errors=True)


def committed(gen: Path) -> int:
    """The number of the last commit (table of contents) of the index in `gen`; -1 if none."""
    return int(windex.TOC._latest_generation(FileStorage(str(gen)), windex._DEF_INDEX_NAME))


def table_of_contents(gen: Path) -> windex.TOC:
    """The last commit of the index in `gen` as Whoosh records it: its generation, schema
    and segments. Reading it opens no segment, where `open_dir(...).reader()` opens every
    one (about 2 ms each): what only needs the new segments opens those (`segment_reader`)."""
    return windex.TOC.read(FileStorage(str(gen)), windex._DEF_INDEX_NAME)


def segment_reader(gen: Path, toc: windex.TOC, segment: object) -> SegmentReader:
    """A reader of one segment of `toc` (close it, or use it as a context manager)."""
    return SegmentReader(FileStorage(str(gen)), toc.schema, segment, generation=toc.generation)


def uncommitted_files(gen: Path) -> list[Path]:
    """Files in `gen` that its last commit does not use: the segments of a writer that died
    or failed before committing, its temporary folder, unfinished tables of contents. (Whoosh
    itself removes such files only at its next commit.)"""
    last = committed(gen)
    if last < 0:
        return []
    name = windex._DEF_INDEX_NAME
    live = {seg.segment_id() for seg in table_of_contents(gen).segments}
    segment = windex.TOC._segment_pattern(name)

    def stray(file: str) -> bool:
        m = segment.match(file)
        if m:
            return m.group(1) not in live
        toc = file.startswith(f"_{name}_") and file != f"_{name}_{last}.toc"
        return toc or file == f"{name}.tmp"

    return sorted(path for path in gen.iterdir() if stray(path.name))


def discard_uncommitted(gen: Path) -> list[Path]:
    """Remove what `uncommitted_files` lists (only the writer-lock holder may); returns it."""
    stray = uncommitted_files(gen)
    for path in stray:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return stray


# -- the writer lock ---------------------------------------------------------------------------


@dataclass
class LockInfo:
    """What taking the writer lock found: processes that held it after their owner died."""

    taken_from: int | None = None  # the dead owner's pid
    killed: list[int] = field(default_factory=list)


_held: set[int] = set()  # descriptors of writer locks this process holds


def _forked_child() -> None:
    """In a child forked while this process holds a writer lock: drop the lock's descriptor
    (the lock stays the parent's alone) and die with the parent."""
    if not _held:
        return
    parent = _held_by
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)


_held_by = 0
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked_child)


def _proc_start(pid: int) -> str | None:
    """The start time of `pid` (Linux), which tells a live owner from a reused pid; None if
    there is no such process or it is a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text("ascii", "replace")
    except OSError:
        return None if sys.platform.startswith("linux") else "?"
    fields = stat.rsplit(")", 1)[-1].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def _owner_record() -> str:
    return f"{os.getpid()} {_proc_start(os.getpid()) or '?'}"


def _owner_alive(record: str) -> bool:
    parts = record.split()
    if not parts or not parts[0].isdigit():
        return False
    start = _proc_start(int(parts[0]))
    return start is not None and (len(parts) < 2 or parts[1] in ("?", start))


def _read_record(fd: int) -> str:
    return os.pread(fd, 64, 0).decode("ascii", "replace").strip()


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def holders(lock: Path) -> list[int]:
    """Processes with the lock file open (Linux, from /proc), this one left out."""
    try:
        target = lock.stat()
    except OSError:
        return []
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        if int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    st = fd.stat()
                    if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
                        found.append(int(entry.name))
                        break
    return found


def _busy(root: Path, record: str) -> IndexBusy:
    holder = record.split()[0] if record else "?"
    return IndexBusy(
        f"another indexer (pid {holder}) is updating {root}; try again when it has finished"
    )


def _take_over(root: Path, fd: int) -> LockInfo:
    """The lock is held. If its recorded owner is alive, refuse; if the owner is dead, the
    holders are processes it left behind (they inherited the descriptor): kill them and take
    the lock."""
    record = _read_record(fd)
    if _owner_alive(record):
        raise _busy(root, record)
    time.sleep(TAKEOVER_GRACE)  # a holder that has just locked may not have written its pid
    if _try_lock(fd):
        return LockInfo()
    record = _read_record(fd)
    if _owner_alive(record):
        raise _busy(root, record)
    leftovers = holders(root / LOCK)
    if not leftovers:
        raise _busy(root, record)
    for pid in leftovers:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + TAKEOVER_WAIT
    while not _try_lock(fd):
        if time.monotonic() > deadline:
            raise _busy(root, record)
        time.sleep(0.05)
    owner = record.split()[0] if record else ""
    info = LockInfo(int(owner) if owner.isdigit() else None, leftovers)
    log.info(  # the callers report it (the command's warnings, the check's summary)
        "took over the writer lock of %s: its owner (pid %s) was dead; killed %s",
        root,
        owner or "?",
        ", ".join(map(str, leftovers)),
    )
    return info


@contextlib.contextmanager
def writer_lock(root: Path, wait: float = 0.0) -> Iterator[LockInfo]:
    """Exclusive right to write this index. Waits up to `wait` seconds for another process
    (or thread) to finish, then refuses (IndexBusy); takes the lock over from the leftovers of
    a dead owner."""
    global _held_by
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        info = _acquire(root, fd, wait)
        os.ftruncate(fd, 0)
        os.pwrite(fd, _owner_record().encode(), 0)
        _held.add(fd)
        _held_by = os.getpid()
        yield info
    finally:
        _held.discard(fd)
        os.close(fd)


def _acquire(root: Path, fd: int, wait: float) -> LockInfo:
    deadline = time.monotonic() + wait
    while True:
        if _try_lock(fd):
            return LockInfo()
        try:
            return _take_over(root, fd)
        except IndexBusy:
            if time.monotonic() >= deadline:
                raise
        time.sleep(0.1)
