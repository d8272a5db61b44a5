"""`make fuzz`: a bounded fuzz campaign against a served searchapp, over HTTP.

    python -m benchmarks.fuzz --queries 2000 --budget 120            # over the seeds
    python -m benchmarks.fuzz --documents ../shared/some-folder --queries 5000 --budget 600

Indexes the folder into a scratch index, serves it with gunicorn (2 workers) on a free port,
then sends random and hostile queries and parameters to /api/search, /search (whole page and
htmx fragment), the document page and permalinks, until `--queries` requests are sent or
`--budget` seconds have passed. A failure is a 5xx, a dropped connection, a traceback or
markup from the request coming back unescaped. Prints the requests tried, the statuses, the
latencies (the slowest request named) and the failures; exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.http_load import HOST, free_port, start_server, stop_server, wait_ready

REPO = Path(__file__).resolve().parent.parent
EVIL = "<zz-evil onmouseover=x>"
SYNTAX = ["OR", "AND", "NOT", "-", "+", "(", ")", '"', "*", "?", "~", "^2", ":", "..", "\\"]
FIELDS = ["year:", "section:", "doc:", "title:", "party:", "bogus:", "text:", "YEAR:"]
VALUES = ["2002", "2012..", "..2012", "2001..2010", "[a TO z]", "trade", '"Trade and economy"']
HOSTILE = [
    "*",
    "?",
    "[a TO z]",
    "{a TO z}",
    "title:[a TO zzzz]",
    "[aa TO zy] [ab TO zx] [ac TO zw] [ad TO zv] [ae TO zu]",
    "a*",
    "co*",
    "%s",
    "\x00\x01\x7f",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    EVIL,
    "\u202e\u200b\ufeff",
    "🙂" * 20,
]
TIMEOUT_S = 60


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    failures: list[str] = field(default_factory=list)

    def record(self, path: str, status: int, body: str, seconds: float) -> None:
        self.statuses[status] += 1
        self.latencies.append(seconds)
        self.slowest = max(self.slowest, (seconds, path))
        problem = _problem(status, body)
        if problem:
            self.failures.append(f"{problem}: {path[:300]}")


def _problem(status: int, body: str) -> str | None:
    if status >= 500 or status == 0:
        return f"status {status}"
    if "Traceback (most recent call last)" in body:
        return "a traceback"
    if EVIL in _html_of(body):
        return "unescaped markup"
    return None


def _html_of(body: str) -> str:
    """What a browser renders as HTML: a page, or the `excerpt` fields of the JSON (whose
    other strings, such as the query echoed back, are text)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    hits = data.get("hits", []) if isinstance(data, dict) else []
    return "".join(str(h.get("excerpt", "")) for h in hits)


class Queries:
    """Random queries made of the corpus's words, the syntax, fields and known hostile
    strings; and random parameters for them."""

    def __init__(self, rng: random.Random, words: list[str], docs: list[tuple[str, int]]):
        self.rng = rng
        self.words = words or ["cooperation"]
        self.docs = docs

    def piece(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.45:
            return rng.choice(self.words)
        if kind < 0.65:
            return rng.choice(SYNTAX)
        if kind < 0.75:
            return rng.choice(FIELDS) + rng.choice([*VALUES, rng.choice(self.words)])
        if kind < 0.85:
            return rng.choice(HOSTILE)
        return "".join(chr(rng.randint(32, 0x2FF)) for _ in range(rng.randint(1, 8)))

    def query(self) -> str:
        rng = self.rng
        shape = rng.random()
        if shape < 0.1:
            return "NOT " * rng.randint(1, 125) + rng.choice(self.words)
        if shape < 0.15:
            return " ".join(rng.choice(self.words) for _ in range(rng.randint(60, 120)))[:600]
        if shape < 0.2:
            return rng.choice(self.words) + "?"
        if shape < 0.25:  # misspellings: what "did you mean" has to work on
            return " ".join(self.misspelt() for _ in range(rng.randint(1, 40)))[:500]
        glue = rng.choice([" ", " ", " ", ""])
        return glue.join(self.piece() for _ in range(rng.randint(0, 12)))

    def misspelt(self) -> str:
        letters = list(self.rng.choice(self.words))
        for _ in range(self.rng.randint(1, 2)):
            letters[self.rng.randrange(len(letters))] = self.rng.choice("aeiouqxz")
        return "".join(letters)

    def params(self) -> list[tuple[str, str]]:
        """Mostly valid parameters (so that most requests reach the engine), sometimes not."""
        rng = self.rng
        out = [("q", self.query())]
        for name, good, bad in (
            ("year", ["2002", "2012", "unknown", "", "1999"], ["19x9", EVIL]),
            ("section", ["Trade and economy", "Energy", "trade", ""], [EVIL, "%00"]),
        ):
            repeat = rng.choice([0, 0, 0, 1, 2, rng.randint(3, 80)])
            out += [(name, self.value(good, bad)) for _ in range(repeat)]
        for name, good, bad in (
            ("page", ["1", "2", "3", "10"], ["0", "-1", "1001", "x"]),
            ("per_page", ["10", "1", "100", "7"], ["101", "0", "abc"]),
            ("sort", ["relevance", "newest", "oldest"], ["sideways", ""]),
            ("group", ["1", "0"], ["yes", "maybe"]),
        ):
            if rng.random() < 0.4:
                out.append((name, self.value(good, bad)))
        return out

    def value(self, good: list[str], bad: list[str]) -> str:
        return self.rng.choice(bad if self.rng.random() < 0.05 else good)

    def request(self) -> tuple[str, dict[str, str]]:
        rng = self.rng
        route = rng.random()
        if route < 0.15 and self.docs:
            doc_id, pid = rng.choice(self.docs)
            q = urlencode({"q": self.query()})
            path = rng.choice([f"/documents/{doc_id}?{q}", f"/documents/{doc_id}/{pid}?{q}"])
            return path, {}
        path = "/api/search" if route < 0.6 else "/search"
        headers = {"HX-Request": "true"} if path == "/search" and rng.random() < 0.5 else {}
        return f"{path}?{urlencode(self.params())}", headers


def fetch(base: str, path: str, headers: dict[str, str]) -> tuple[int, str, float]:
    started = time.perf_counter()
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        status, body = 0, str(exc).encode()
    return status, body.decode("utf-8", "replace"), time.perf_counter() - started


def corpus_sample(index: Path) -> tuple[list[str], list[tuple[str, int]], int]:
    """Words of the indexed paragraphs, some (doc_id, pid) pairs, and the paragraph count."""
    from searchapp.search import SearchRequest, SearchService

    service = SearchService(index)
    data = service.search(SearchRequest(q="", per_page=100))
    words = sorted({w for h in data["hits"] for w in re.findall(r"[A-Za-z]{4,}", h["text"])})
    docs = [(h["doc_id"], h["pid"]) for h in data["hits"]]
    return words, docs, data["total"]


def campaign(
    documents: Path, work: Path, queries: int, budget_s: float, seed: int, workers: int
) -> Tally:
    from searchapp.indexer import update_index

    index = work / "index"
    summary = update_index(documents, index)
    words, docs, paragraphs = corpus_sample(index)
    print(f"fuzz: {summary.line()}", flush=True)
    port = free_port()
    venv_bin = Path(sys.executable).parent
    proc = start_server(venv_bin, REPO, documents, index, port, workers, work / "gunicorn.log")
    tally = Tally()
    try:
        wait_ready(proc, port, words[0] if words else "")
        base = f"http://{HOST}:{port}"
        maker = Queries(random.Random(seed), words, docs)
        started = time.monotonic()
        while len(tally.latencies) < queries and time.monotonic() - started < budget_s:
            path, headers = maker.request()
            status, body, seconds = fetch(base, path, headers)
            tally.record(path, status, body, seconds)
        elapsed = time.monotonic() - started
    finally:
        stop_server(proc)
    print(
        f"fuzz: {len(tally.latencies)} requests in {elapsed:.1f} s (budget {queries} requests, "
        f"{budget_s:g} s) against {paragraphs} paragraphs of {documents}, {workers} workers",
        flush=True,
    )
    return tally


def report(tally: Tally) -> int:
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses.items()))
    print(f"fuzz: statuses {statuses}")
    if tally.latencies:
        ms = sorted(t * 1000 for t in tally.latencies)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        print(
            f"fuzz: latency median {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, "
            f"max {ms[-1]:.0f} ms ({tally.slowest[1][:160]})"
        )
    print(f"fuzz: failures: {len(tally.failures)}")
    for failure in tally.failures[:20]:
        print(f"  {failure}")
    return 1 if tally.failures else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--documents", type=Path, default=REPO / "documents")
    p.add_argument("--queries", type=int, default=2000, help="requests to send, at most")
    p.add_argument("--budget", type=float, default=120.0, help="seconds, at most")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="searchapp-fuzz-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        tally = campaign(args.documents, work, args.queries, args.budget, args.seed, args.workers)
    return report(tally)


if __name__ == "__main__":
    raise SystemExit(main())
