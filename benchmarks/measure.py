"""The measurements themselves: builds in subprocesses, searches, adding one document."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.paragraphs import Para
from benchmarks.peers import Outcome
from benchmarks.queries import MIXES
from benchmarks.stats import summarize, time_ms

BUILD_TIMEOUT_S = 3 * 3600


@contextlib.contextmanager
def switched_off(variable: str) -> Iterator[None]:
    """`variable` (SEARCHAPP_DENSE, SEARCHAPP_REUSE) set to 0 for the block, then as it was."""
    saved = os.environ.get(variable)
    os.environ[variable] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = saved


ADD_PARAGRAPHS = 35


@dataclass(frozen=True)
class SearchPlan:
    rounds: int  # each query of a mix this many times (fewer if the budget runs out)
    budget_s: float  # per engine and mix; at least one timed round always runs


def disk_mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def build_once(engine: str, jsonl: Path, documents: Path, index: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.build_child", engine]
    command += ["--paragraphs", str(jsonl), "--documents", str(documents), "--index", str(index)]
    repo = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        command, cwd=repo, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{engine} build failed: {out.stderr.strip()[-800:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def build(
    engine: str, jsonl: Path, documents: Path, index: Path, runs: int, repeat_under_s: float
) -> dict[str, Any]:
    """Up to `runs` full builds from scratch (repeated only while one takes less than
    `repeat_under_s`); the last one stays on disk for the searches."""
    reports = [build_once(engine, jsonl, documents, index)]
    while len(reports) < runs and reports[-1]["seconds"] < repeat_under_s:
        reports.append(build_once(engine, jsonl, documents, index))
    runs = len(reports)
    seconds = summarize([r["seconds"] for r in reports])
    paragraphs = int(reports[-1]["paragraphs"])
    peak_kib = max(max(r["maxrss_kib"], r["children_maxrss_kib"]) for r in reports)
    return {
        "runs": runs,
        "seconds": seconds.median,
        "cpu_seconds": summarize([r["cpu_seconds"] for r in reports]).median,
        "seconds_p95": seconds.p95,
        "paragraphs": paragraphs,
        "rate": paragraphs / seconds.median if seconds.median else 0.0,
        "index_mib": disk_mib(index),
        "peak_rss_mib": peak_kib / 1024,
    }


def check_outcome(engine: str, query: str, outcome: Outcome) -> None:
    """Sanity: at most 10 excerpts, never more excerpts than hits, facets add up."""
    if len(outcome.excerpts) > 10 or len(outcome.excerpts) > outcome.total:
        raise RuntimeError(f"{engine}: {query!r} gave {len(outcome.excerpts)} excerpts")
    if outcome.years and sum(outcome.years.values()) > outcome.total:
        raise RuntimeError(f"{engine}: {query!r} year facets exceed the {outcome.total} hits")


def search_mix(
    search: Callable[[str], Outcome], queries: Sequence[str], plan: SearchPlan
) -> list[float]:
    samples: list[float] = []
    start = time.perf_counter()
    for _ in range(plan.rounds):
        samples += [time_ms(lambda q=q: search(q)) for q in queries]
        if time.perf_counter() - start > plan.budget_s:
            break
    return samples


def search_engine(engine: Any, plan: SearchPlan) -> tuple[dict[str, Any], dict[str, int]]:
    """p50/p95 per mix, and each query's total hits (from an untimed warm-up pass)."""
    figures: dict[str, Any] = {}
    totals: dict[str, int] = {}
    for mix, queries in MIXES.items():
        for query in queries:
            outcome = engine.search(query)
            check_outcome(engine.name, query, outcome)
            totals[query] = outcome.total
        figures[mix] = summarize(search_mix(engine.search, queries, plan)).as_dict()
    return figures, totals


def new_document(pool: Sequence[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    return rng.sample(list(pool), k=min(ADD_PARAGRAPHS, len(pool)))


def as_paras(name: str, texts: Sequence[str]) -> list[Para]:
    return [Para(name, i, 2024, "", text) for i, text in enumerate(texts, 1)]


def add_peer(engine: Any, pool: Sequence[str], runs: int) -> dict[str, float]:
    samples = []
    for k in range(runs):
        paras = as_paras(f"_added/{engine.name}-{k}.txt", new_document(pool, 1000 + k))
        samples.append(time_ms(lambda paras=paras: engine.add(paras)))
    return summarize(samples).as_dict()


def add_ours(documents: Path, index: Path, pool: Sequence[str], runs: int) -> dict[str, float]:
    """Copy a new file into the folder, then an incremental update_index, `runs` times."""
    from benchmarks.ours import update_ours

    folder = documents / "_added"
    folder.mkdir(exist_ok=True)
    samples = []
    try:
        for k in range(runs):
            path = folder / f"added-{k}.txt"
            text = "\n".join(new_document(pool, 2000 + k)) + "\n"

            def add(path: Path = path, text: str = text) -> None:
                path.write_text(text, encoding="utf-8")
                update_ours(documents, index)

            samples.append(time_ms(add))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return summarize(samples).as_dict()


def add_ours_cli(
    documents: Path, index: Path, pool: Sequence[str], runs: int, work: Path
) -> dict[str, float]:
    """`searchapp add FILE --title --date` as a user runs it; the folder is restored after."""
    exe = Path(sys.executable).parent / "searchapp"
    program = [str(exe)] if exe.exists() else [sys.executable, "-m", "searchapp"]
    source = work / "add-cli"
    source.mkdir(parents=True, exist_ok=True)
    before = {p for p in documents.rglob("*") if p.is_file() or p.is_symlink()}
    metadata = documents / "metadata.csv"
    saved = metadata.read_bytes() if metadata.is_file() else None
    samples = []
    try:
        for k in range(runs):
            path = source / f"benchmark-added-{k}.txt"
            path.write_text("\n".join(new_document(pool, 3000 + k)) + "\n", encoding="utf-8")
            command = [*program, "add", str(path), "--documents", str(documents)]
            command += ["--index", str(index), "--title", f"Added {k}"]
            command += ["--date", f"2024-10-{k + 1:02d}"]
            samples.append(time_ms(lambda command=command: _run_cli(command)))
    finally:
        _restore(documents, before, metadata, saved)
    return summarize(samples).as_dict()


def _run_cli(command: list[str]) -> None:
    out = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"searchapp add failed ({out.returncode}): {out.stderr.strip()[-500:]}")


def _restore(documents: Path, before: set[Path], metadata: Path, saved: bytes | None) -> None:
    for path in documents.rglob("*"):
        if (path.is_file() or path.is_symlink()) and path not in before:
            path.unlink()
    if saved is not None:
        metadata.write_bytes(saved)
