"""One full index build in its own process, so that its peak memory can be read.

    python -m benchmarks.build_child ENGINE --paragraphs P.jsonl --documents D --index I

prints one JSON line: seconds, paragraphs, the peak resident memory (KiB) of this process
(VmHWM: unlike ru_maxrss it does not inherit the parent's size across fork + exec) and
ru_maxrss of the largest child it waited for (builders that fork workers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

from benchmarks import peers
from benchmarks.paragraphs import read_jsonl


def build(engine: str, paragraphs: Path, documents: Path, index: Path) -> int:
    if engine in ("ours", "ours-lexical", "ours-noreuse"):
        from benchmarks.ours import build_ours

        if engine == "ours-lexical":  # the same build with meaning-level search switched off
            os.environ["SEARCHAPP_DENSE"] = "0"
        if engine == "ours-noreuse":  # the same build with reuse detection switched off
            os.environ["SEARCHAPP_REUSE"] = "0"
        return build_ours(documents, index)
    if engine == "fts5":
        return peers.build_fts(read_jsonl(paragraphs), index)
    if engine == "tantivy":
        return peers.build_tantivy(read_jsonl(paragraphs), index)
    raise SystemExit(f"unknown engine {engine}")


def peak_rss_kib() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def clear(index: Path) -> None:
    if index.is_dir():
        shutil.rmtree(index)
    elif index.exists():
        index.unlink()
    index.parent.mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "engine", choices=("ours", "ours-lexical", "ours-noreuse", "fts5", "tantivy")
    )
    parser.add_argument("--paragraphs", type=Path, required=True)
    parser.add_argument("--documents", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args(argv)
    clear(args.index)
    start = time.perf_counter()
    count = build(args.engine, args.paragraphs, args.documents, args.index)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report = {
        "seconds": seconds,
        # CPU time of this process: on a machine shared with other work it varies far less
        # than the wall time (the with/without-reuse ratio is read from it).
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "paragraphs": count,
        "maxrss_kib": peak_rss_kib(),
        "children_maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
