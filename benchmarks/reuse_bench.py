"""Following a formulation (reuse, compare, trend): what reuse detection costs the build and
how fast its pages answer. One step of `make bench` per corpus (`--no-reuse` skips it).

The build with reuse is the run's own build of our engine; this step builds the same corpus
again with `SEARCHAPP_REUSE=0` (config.reuse_enabled) in its own process, adds documents to
that index with reuse off too, then serves the index with reuse over HTTP and times permalink
pages of linked paragraphs, `/api/compare` of two ~100-paragraph documents and of the two
largest, and `/api/trend` against `/api/search` of the same queries.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import measure
from benchmarks.corpora import Corpus
from benchmarks.queries import all_queries
from benchmarks.stats import summarize, time_ms

PERMALINKS = 40  # linked paragraphs whose pages are timed
COMPARE_PAIRS = 5  # pairs of documents nearest COMPARE_SIZE paragraphs
COMPARE_SIZE = 100


def corpus_step(
    args: Any, corpus: Corpus, jsonl: Path, index: Path, pool: Sequence[str]
) -> dict[str, Any]:
    """The figures of one corpus; `index` is our engine's index, built with reuse."""
    without = index.parent / "ours-noreuse"
    build = measure.build(
        "ours-noreuse", jsonl, corpus.documents, without, args.build_runs, args.repeat_build_under
    )
    with measure.switched_off("SEARCHAPP_REUSE"):
        # One untimed add first: the run's adds with reuse come later, in a warm process.
        measure.add_ours(corpus.documents, without, pool, 1)
        add = measure.add_ours(corpus.documents, without, pool, args.add_runs)
    shutil.rmtree(without, ignore_errors=True)
    return {
        "build_without": build,
        "add_without": add,
        "add_reuse_only": reuse_share(index, pool, args.add_runs),
        **served(corpus.documents, index, args),
    }


def reuse_share(index: Path, pool: Sequence[str], runs: int) -> dict[str, float]:
    """Milliseconds of `reuse.update` alone for one new document like the adds' (rolled
    back, the index unchanged): what reuse detection adds to adding a document."""
    from searchapp import reuse
    from searchapp.registry import FILENAME, ParagraphRow

    db = sqlite3.connect(index / FILENAME, isolation_level=None)
    samples = []
    try:
        seq = db.execute("SELECT MAX(seq) FROM documents").fetchone()[0] + 1
        for k in range(runs):
            texts = measure.new_document(pool, 2000 + k)
            rows = [ParagraphRow(f"new-{k}", n, n, t, "", "") for n, t in enumerate(texts, 1)]
            db.execute("BEGIN")
            try:
                samples.append(time_ms(lambda rows=rows: reuse.update(db, [(seq, rows)], [])))
            finally:
                db.execute("ROLLBACK")
    finally:
        db.close()
    return summarize(samples).as_dict()


def served(documents: Path, index: Path, args: Any) -> dict[str, Any]:
    """Milliseconds (p50, p95) of the reuse pages, each path `args.rounds` times."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from searchapp import create_app
    from searchapp.config import load_settings
    from searchapp.registry import Registry

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            """No line per request in the run's log."""

    registry = Registry(index, readonly=True)
    try:
        linked, near, largest = _chosen(registry.db)
    finally:
        registry.close()
    app = create_app(load_settings(documents, index))
    server = make_server("127.0.0.1", 0, app, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    rounds = max(1, args.rounds)
    queries = [urllib.parse.quote(q) for q in all_queries()]
    try:
        figures: dict[str, Any] = {
            "links": len(linked),
            "compare_sizes": [n for pair in near for _, n in pair],
            "compare_largest_sizes": [n for pair in largest for _, n in pair],
            **_timed(base, {"permalink": [f"/documents/{d}/{p}" for d, p in linked]}, rounds),
            **_timed(base, {"compare": [_compare(pair) for pair in near]}, rounds),
            **_timed(base, {"compare_largest": [_compare(pair) for pair in largest]}, rounds),
            # Interleaved, query by query: both see the same moments of the machine's load.
            **_timed(
                base,
                {
                    "trend": [f"/api/trend?q={q}" for q in queries],
                    "search": [f"/api/search?q={q}" for q in queries],
                },
                rounds,
            ),
        }
    finally:
        server.shutdown()
    return figures


Pair = tuple[tuple[str, int], tuple[str, int]]


def _chosen(db: sqlite3.Connection) -> tuple[list[tuple[str, int]], list[Pair], list[Pair]]:
    """Linked paragraphs spread over the corpus; pairs of documents nearest COMPARE_SIZE
    paragraphs; the two largest documents."""
    try:
        linked = db.execute(
            "SELECT DISTINCT d.doc_id, l.pid FROM reuse_links l JOIN documents d ON d.seq = l.seq"
            " WHERE d.live = 1 ORDER BY (l.seq * 7919 + l.pid) % 1009, l.seq, l.pid LIMIT ?",
            (PERMALINKS,),
        ).fetchall()
    except sqlite3.OperationalError:  # an index without the reuse tables: nothing linked
        linked = []
    docs = db.execute(
        "SELECT doc_id, paragraphs FROM documents WHERE live = 1 ORDER BY ABS(paragraphs - ?),"
        " doc_id LIMIT ?",
        (COMPARE_SIZE, 2 * COMPARE_PAIRS),
    ).fetchall()
    near = [(tuple(a), tuple(b)) for a, b in zip(docs[0::2], docs[1::2], strict=False)]
    big = db.execute(
        "SELECT doc_id, paragraphs FROM documents WHERE live = 1 ORDER BY paragraphs DESC LIMIT 2"
    ).fetchall()
    largest = [(tuple(big[0]), tuple(big[1]))] if len(big) == 2 else []
    return [tuple(r) for r in linked], near, largest


def _compare(pair: Pair) -> str:
    (a, _), (b, _) = pair
    return f"/api/compare?a={urllib.parse.quote(a)}&b={urllib.parse.quote(b)}"


def _timed(base: str, paths: dict[str, list[str]], rounds: int) -> dict[str, Any]:
    """p50/p95 in ms of GETs of each name's paths (None for no paths), the names' n-th paths
    one after the other, after one untimed warm-up of each (urllib raises on an answer
    other than 2xx: an error of the run, never a sample)."""
    for path in (p for group in paths.values() for p in group):
        _get(base + path)
    samples: dict[str, list[float]] = {name: [] for name in paths}
    longest = max((len(group) for group in paths.values()), default=0)
    for _ in range(rounds):
        for n in range(longest):
            for name, group in paths.items():
                if n < len(group):
                    started = time.perf_counter()
                    _get(base + group[n])
                    samples[name].append((time.perf_counter() - started) * 1000)
    return {name: summarize(s).as_dict() if s else None for name, s in samples.items()}


def _get(url: str) -> None:
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()
