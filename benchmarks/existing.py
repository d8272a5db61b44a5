"""Our engine on an index `make bench` already built: the same query mixes, and adding one
document three times (each removed again afterwards).

    python -m benchmarks.existing benchmarks/work/index-1m/ours benchmarks/work/corpus-1m/documents
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from pathlib import Path

from benchmarks.queries import MIXES
from searchapp.indexer import update_index
from searchapp.search import SearchRequest, SearchService

ROUNDS = 8
NEW_DOCUMENT = Path(__file__).resolve().parent.parent / "documents"


def search_mixes(index: Path) -> None:
    service = SearchService(index)
    started = time.perf_counter()
    service.search(SearchRequest(q="peace"))
    print(f"open and first query: {time.perf_counter() - started:.1f} s")
    for mix, queries in MIXES.items():
        for q in queries:  # warm-up: posting lists read once, as a serving process has them
            service.search(SearchRequest(q=q))
        timings = []
        for _ in range(ROUNDS):
            for q in queries:
                started = time.perf_counter()
                service.search(SearchRequest(q=q))
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95)]
        print(f"{mix}: p50 {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, n {len(timings)}")


def add_documents(documents: Path, index: Path, runs: int = 3) -> None:
    source = NEW_DOCUMENT / "2012-06-06-china-russia-joint-statement.txt"
    added = [documents / f"zz-benchmark-added-{i}.txt" for i in range(runs)]
    timings = []
    try:
        for target in added:
            shutil.copy(source, target)
            started = time.perf_counter()
            update_index(documents, index)
            timings.append(time.perf_counter() - started)
    finally:
        for target in added:
            target.unlink(missing_ok=True)
        update_index(documents, index)
    print(f"add one document: {', '.join(f'{t:.2f}' for t in timings)} s")


def main(argv: list[str]) -> int:
    index, documents = Path(argv[0]), Path(argv[1])
    search_mixes(index)
    add_documents(documents, index)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
