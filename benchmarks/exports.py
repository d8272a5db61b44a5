"""Exports at size: time and peak memory of streaming a search's hits as CSV and JSON Lines.

    python -m benchmarks.exports INDEX_DIR

Each export runs in a fresh process (so its peak resident memory is its own), for a narrow, a
broad and the broadest query (the empty one: every paragraph). Memory that stays the same
from a few hundred hits to every paragraph shows that the stream does not hold its rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

QUERIES = ("Semipalatinsk", "climate change", "")
FORMATS = ("csv", "jsonl")

_CHILD = """
import resource, sys, time
from searchapp import exports
from searchapp.search import SearchRequest, SearchService
service = SearchService(__import__("pathlib").Path(sys.argv[1]))
service.search(SearchRequest(q="peace"))  # opened, as a serving worker is
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
rows = size = 0
stream = service.all_hits(SearchRequest(q=sys.argv[2]))
for chunk in exports.WRITERS[sys.argv[3]](stream, "http://localhost"):
    rows += 1
    size += len(chunk)
took = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(__import__("json").dumps({"rows": rows - (sys.argv[3] == "csv"), "bytes": size,
      "seconds": took, "rss_mb_open": before / 1024, "rss_mb_peak": after / 1024}))
"""


def measure(index: Path, query: str, fmt: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(index), query, fmt],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    index = Path(argv[0])
    print("| query | format | rows | MB written | seconds | RSS open (MB) | RSS peak (MB) |")
    print("|---|---|---|---|---|---|---|")
    started = time.perf_counter()
    for query in QUERIES:
        for fmt in FORMATS:
            r = measure(index, query, fmt)
            print(
                f"| {query or '(empty: every paragraph)'} | {fmt} | {r['rows']:,} "
                f"| {r['bytes'] / 1e6:.1f} | {r['seconds']:.2f} | {r['rss_mb_open']:.0f} "
                f"| {r['rss_mb_peak']:.0f} |"
            )
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
