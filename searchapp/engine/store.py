"""Where the index lives on disk, and how it changes without readers ever seeing half of it.

Layout of the index folder:

    CURRENT         the name of the live generation folder (replaced atomically)
    gen-000007/     a Whoosh index
    writer.lock     held (flock) by the one process allowed to write

Small changes are committed into the live generation: Whoosh writes new segment files first
and a new table of contents last, so a reader opens either the old or the new state. A
rebuild fills a new generation folder and swaps CURRENT to it in one rename. A process killed
at any point leaves CURRENT naming a complete index; its half-built folder is removed by the
next writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from whoosh import index as windex
from whoosh.index import Index

from searchapp.engine.schema import build_schema

CURRENT = "CURRENT"
LOCK = "writer.lock"
GEN_PREFIX = "gen-"


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
    return gen if name.startswith(GEN_PREFIX) and windex.exists_in(gen) else None


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


@contextlib.contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """Exclusive right to write this index; refuses at once if another process holds it.

    flock is released by the kernel when the holder dies, so a killed indexer never leaves
    the index locked.
    """
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise IndexBusy(
                f"another indexer (pid {holder}) is updating {root}; try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
