"""What reuse detection costs: `python -m benchmarks.reuse [--sessions N] [--work DIR]`.

Indexes the UN General Debate speeches of the last N sessions (default 2: about 15,000
paragraphs) twice, with and without reuse detection, each in its own process; adds three
documents one at a time to each; then serves the index with reuse and times permalink pages
(HTTP) and /api/compare of the largest documents. Prints a Markdown table. Not part of
`make test` (timings belong here, not in tests).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "ungdc-2015-2024"
ADDED = 3  # documents added one at a time after the build


def build(documents: Path, index: Path, with_reuse: bool) -> dict[str, float]:
    """In this process: the full build, then ADDED single-document updates."""
    from searchapp import indexer

    if not with_reuse:
        indexer.reuse.update = lambda *args, **kwargs: None  # type: ignore[assignment]
    shutil.rmtree(index, ignore_errors=True)
    started = time.perf_counter()
    summary = indexer.update_index(documents, index)
    seconds = time.perf_counter() - started
    oldest = sorted(p for p in SHARED.glob("Session 70*/*.txt"))[:ADDED]
    adds = []
    for source in oldest:
        shutil.copy(source, documents / f"zz-{source.name}")
        started = time.perf_counter()
        indexer.update_index(documents, index)
        adds.append(time.perf_counter() - started)
    for source in oldest:
        (documents / f"zz-{source.name}").unlink()
    indexer.update_index(documents, index)
    return {"build": seconds, "paragraphs": summary.paragraphs, "add": statistics.median(adds)}


def latency(documents: Path, index: Path) -> dict[str, float]:
    """Median milliseconds of permalink pages with reuse, and of /api/compare."""
    from werkzeug.serving import make_server

    from searchapp import create_app
    from searchapp.config import load_settings
    from searchapp.registry import Registry

    server = make_server("127.0.0.1", 0, create_app(load_settings(documents, index)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    db = Registry(index, readonly=True).db
    linked = db.execute(
        "SELECT DISTINCT d.doc_id, l.pid FROM reuse_links l"
        " JOIN documents d ON d.seq = l.seq LIMIT 40"
    ).fetchall()
    largest = [r[0] for r in db.execute("SELECT doc_id FROM documents ORDER BY paragraphs DESC")]
    pairs = list(zip(largest[0:6:2], largest[1:6:2], strict=True))
    try:
        return {
            "permalink": _median_ms(base, [f"/documents/{d}/{p}" for d, p in linked]),
            "compare": _median_ms(base, [f"/api/compare?a={a}&b={b}" for a, b in pairs] * 5),
        }
    finally:
        server.shutdown()


def _median_ms(base: str, paths: list[str]) -> float:
    urllib.request.urlopen(base + paths[0]).read()  # warm-up
    times = []
    for path in paths:
        started = time.perf_counter()
        urllib.request.urlopen(base + path).read()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work/reuse"))
    parser.add_argument("--child", nargs=3, metavar=("DOCS", "INDEX", "REUSE"), help="internal")
    args = parser.parse_args()
    if args.child:
        docs, index, flag = args.child
        print(json.dumps(build(Path(docs), Path(index), flag == "on")))
        return
    documents = args.work / "documents"
    shutil.rmtree(documents, ignore_errors=True)
    documents.mkdir(parents=True)
    for session in sorted(SHARED.glob("Session *"))[-args.sessions :]:
        shutil.copytree(session, documents / session.name)
    runs = {}
    for flag in ("off", "on"):
        index = args.work / f"index-{flag}"
        child = [sys.executable, "-m", "benchmarks.reuse", "--child", str(documents), str(index)]
        out = subprocess.run([*child, flag], capture_output=True, text=True, check=True)
        runs[flag] = json.loads(out.stdout.splitlines()[-1])
    served = latency(documents, args.work / "index-on")
    off, on = runs["off"], runs["on"]
    print(f"| measure ({int(on['paragraphs']):,} paragraphs) | without reuse | with reuse |")
    print("| --- | --- | --- |")
    print(f"| full build | {off['build']:.1f} s | {on['build']:.1f} s |")
    print(f"| add one document (median of {ADDED}) | {off['add']:.3f} s | {on['add']:.3f} s |")
    print(f"| permalink page with reuse, p50 | | {served['permalink']} ms |")
    print(f"| /api/compare of the largest documents, p50 | | {served['compare']} ms |")


if __name__ == "__main__":
    main()
