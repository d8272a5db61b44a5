"""`make bench`: build, search, add and load-test searchapp against SQLite FTS5 and Tantivy.

    python -m benchmarks.run --size default        # UN corpus + 250k (about 15 min, 2 cores)
    python -m benchmarks.run --size un,250k,1m     # add the 1M corpus (cost growth to 1M)
    python -m benchmarks.run --size tiny --out /tmp/R.md --plot /tmp/g.png --work /tmp/w

Writes RESULTS.md (and the growth plot) from the run's own figures; everything else goes to
the work folder (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import (
    cold,
    corpora,
    dense_bench,
    http_load,
    machine,
    measure,
    paragraphs,
    peers,
    plot,
    profiling,
    report,
    reuse_bench,
    typesense_bench,
)
from benchmarks.corpora import Corpus, SourceDoc
from benchmarks.ours import OursEngine, ours_missing
from benchmarks.queries import MIXES, all_queries

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = ("un", "250k")
ORDER = ("tiny", "un", "250k", "1m")
SEED = 20240917


@dataclass
class Run:
    """What one invocation needs to carry between steps."""

    args: argparse.Namespace
    results: dict[str, Any]
    skipped: list[str] = field(default_factory=list)
    sources: list[SourceDoc] | None = None
    started: float = field(default_factory=time.perf_counter)

    def skip(self, reason: str) -> None:
        print(f"[bench] skipped: {reason}", flush=True)
        self.skipped.append(reason)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_sizes(text: str) -> list[str]:
    names: list[str] = []
    for part in text.split(","):
        part = part.strip().lower()
        chosen = DEFAULT_SIZES if part == "default" else (part,)
        for name in chosen:
            if name not in ORDER:
                raise argparse.ArgumentTypeError(f"unknown size {name!r} (tiny, un, 250k, 1m)")
            if name not in names:
                names.append(name)
    return sorted(names, key=ORDER.index)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--size", type=parse_sizes, default=list(DEFAULT_SIZES))
    p.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    p.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work")
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    p.add_argument("--plot", type=Path, default=REPO / "benchmarks" / "growth.png")
    p.add_argument("--rounds", type=int, default=10, help="runs of each query per mix")
    p.add_argument("--search-budget", type=float, default=60.0, help="seconds per engine and mix")
    p.add_argument("--build-runs", type=int, default=3, help="full builds per engine, at most")
    p.add_argument(
        "--repeat-build-under", type=float, default=60.0, help="repeat only builds this fast (s)"
    )
    p.add_argument(
        "--budget",
        type=float,
        default=15.0,
        help="minutes; our build of a bigger corpus is skipped (with the reason) when the rate "
        "measured on the smaller one says it would overrun; 0: no limit",
    )
    p.add_argument("--add-runs", type=int, default=5, help="documents added, per engine")
    p.add_argument("--cli-add-runs", type=int, default=3, help="`searchapp add` runs")
    p.add_argument("--profile-rounds", type=int, default=3, help="0: no profile")
    p.add_argument("--cold-runs", type=int, default=5, help="cold CLI runs per corpus; 0: none")
    p.add_argument("--http-duration", type=int, default=15, help="seconds of wrk load")
    p.add_argument("--no-http", action="store_true")
    p.add_argument("--no-peers", action="store_true")
    p.add_argument("--no-ours", action="store_true")
    p.add_argument("--no-dense", action="store_true", help="skip the meaning-level figures")
    p.add_argument("--no-reuse", action="store_true", help="skip the reuse/compare/trend step")
    p.add_argument(
        "--engine",
        choices=("embedded", "typesense"),
        default="embedded",
        help="typesense: also a 3-node local cluster beside the embedded engine (first size)",
    )
    p.add_argument(
        "--ann-size", type=int, default=1_000_000, help="vectors in the 1M design (0: skip)"
    )
    return p.parse_args(argv)


# --- corpora -------------------------------------------------------------------------------


def source_docs(run: Run) -> list[SourceDoc]:
    """Real paragraphs to resample (the UN corpus through our ingestion), else generated ones."""
    if run.sources is None:
        if corpora.un_available(run.args.shared):
            un = corpora.prepare_un(run.args.shared, run.args.work)
            run.sources = group_docs(paragraphs.load_corpus(un.documents))
        else:
            run.sources = corpora.generated_sources(corpora.TARGETS["un"], SEED)
    return run.sources


def group_docs(paras: list[paragraphs.Para]) -> list[SourceDoc]:
    docs: dict[str, list[str]] = {}
    for p in paras:
        docs.setdefault(p.doc, []).append(p.text)
    return [SourceDoc(doc.split("/")[-1][:3], tuple(texts)) for doc, texts in docs.items()]


def prepare(run: Run, name: str) -> Corpus:
    work = run.args.work
    if name == "tiny":
        sources = corpora.generated_sources(corpora.TARGETS["tiny"], SEED)
        return corpora.prepare_resampled("tiny", "generated", sources, 400, work, SEED)
    if name == "un" and corpora.un_available(run.args.shared):
        return corpora.prepare_un(run.args.shared, work)
    real = corpora.un_available(run.args.shared)
    label = "UN paragraphs resampled" if real else "generated (no ../shared)"
    return corpora.prepare_resampled(
        name, label, source_docs(run), corpora.TARGETS[name], work, SEED
    )


# --- one corpus ----------------------------------------------------------------------------


def engines_to_run(run: Run) -> list[str]:
    names = []
    if not run.args.no_ours:
        reason = ours_missing()
        if reason is None:
            names.append("ours")
        else:
            run.skip(f"ours: {reason}")
    if not run.args.no_peers:
        names.append("fts5")
        if peers.tantivy_available():
            names.append("tantivy")
        else:
            run.skip("Tantivy: the `tantivy` package is not installed")
    return names


def index_path(work: Path, corpus: Corpus, engine: str) -> Path:
    suffix = ".sqlite" if engine == "fts5" else ""
    return work / f"index-{corpus.name}" / f"{engine}{suffix}"


def open_engine(engine: str, path: Path) -> Any:
    if engine == "ours":
        return OursEngine(path)
    if engine == "fts5":
        return peers.FtsEngine(path)
    return peers.TantivyEngine(path)


def bench_corpus(run: Run, name: str, engines: list[str], primary: bool) -> dict[str, Any]:
    corpus = prepare(run, name)
    log(f"{name}: {corpus.files:,} files in {corpus.documents}; loading paragraphs")
    start = time.perf_counter()
    paras = paragraphs.load_corpus(corpus.documents)
    load_s = time.perf_counter() - start
    jsonl = run.args.work / f"paragraphs-{name}.jsonl"
    paragraphs.write_jsonl(paras, jsonl)
    pool = [p.text for p in paras]
    result: dict[str, Any] = {
        "name": name,
        "label": corpus.label,
        "files": corpus.files,
        "paragraphs": len(paras),
        "load_s": load_s,
        "build": {},
        "search": {},
        "totals": {},
        "add": {},
    }
    log(f"{name}: {len(paras):,} paragraphs ingested in {load_s:.1f} s")
    if name == "un" and corpora.un_available(run.args.shared):
        run.sources = group_docs(paras)  # the scaled corpora are made of these
    del paras
    engines = [e for e in engines if within_budget(run, e, len(pool), name)]
    engines = [e for e in engines if build_step(run, result, corpus, jsonl, e)]
    plan = measure.SearchPlan(run.args.rounds, run.args.search_budget)
    for engine in engines:
        search_one(run, result, engine, index_path(run.args.work, corpus, engine), plan)
    if "ours" in engines and run.args.cold_runs > 0:
        log(f"{name}: cold `searchapp search` and `--help` ({run.args.cold_runs} runs each)")
        result["cold"] = cold.measure(index_path(run.args.work, corpus, "ours"), run.args.cold_runs)
        log(f"{name}: cold {json.dumps(result['cold'])}")
    if primary and "ours" in engines and not run.args.no_dense:
        result["dense"] = dense_step(run, corpus, jsonl, plan)
    if primary:
        run.results["http"] = http_step(run, corpus, engines)
        if "ours" in engines and run.args.profile_rounds > 0:
            index = index_path(run.args.work, corpus, "ours")
            run.results["profile"] = profile_step(index, run.args.profile_rounds)
    if "ours" in engines and not run.args.no_reuse:
        reuse_step(run, result, corpus, jsonl, pool)
    add_step(run, result, corpus, engines, pool)
    return result


def reuse_step(
    run: Run, result: dict[str, Any], corpus: Corpus, jsonl: Path, pool: list[str]
) -> None:
    log(f"{corpus.name}: reuse: build and add without it, reuse pages over HTTP")
    index = index_path(run.args.work, corpus, "ours")
    try:
        result["reuse"] = reuse_bench.corpus_step(run.args, corpus, jsonl, index, pool)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        run.skip(f"reuse on {corpus.name}: {exc}")
        return
    log(f"{corpus.name}: reuse {json.dumps(result['reuse'])}")


def within_budget(run: Run, engine: str, paragraphs: int, name: str) -> bool:
    """False (and the reason recorded) when our build here would overrun --budget, judged by
    the rate of our last build (at least twice the time of the rest of a corpus's steps)."""
    done = [c["build"][engine] for c in run.results["corpora"] if engine in c["build"]]
    if engine != "ours" or not done or run.args.budget <= 0:
        return True
    estimate_s = 2 * paragraphs / max(done[-1]["rate"], 1.0)
    left_s = run.args.budget * 60 - (time.perf_counter() - run.started)
    if estimate_s <= left_s:
        return True
    run.skip(
        f"ours on {name}: a build at {done[-1]['rate']:,.0f} paragraphs/s would take about "
        f"{paragraphs / max(done[-1]['rate'], 1.0) / 60:.0f} min, over the --budget of "
        f"{run.args.budget:g} min (run with --budget 0 to measure it anyway)"
    )
    return False


def build_step(run: Run, result: dict[str, Any], corpus: Corpus, jsonl: Path, engine: str) -> bool:
    """Builds; a failed build is reported and that engine left out for this corpus."""
    path = index_path(run.args.work, corpus, engine)
    runs, under = run.args.build_runs, run.args.repeat_build_under
    log(f"{corpus.name}: building {engine} (up to {runs} run(s))")
    try:
        result["build"][engine] = measure.build(engine, jsonl, corpus.documents, path, runs, under)
    except (RuntimeError, subprocess.SubprocessError, ValueError) as exc:
        run.skip(f"{engine} on {corpus.name}: build failed: {exc}")
        return False
    log(f"{corpus.name}: {engine} build {json.dumps(result['build'][engine])}")
    return True


def search_one(run: Run, result: dict[str, Any], engine: str, path: Path, plan: Any) -> None:
    log(f"{result['name']}: searching {engine}")
    handle = open_engine(engine, path)
    try:
        figures, totals = measure.search_engine(handle, plan)
    finally:
        handle.close()
    result["search"][engine] = figures
    result["totals"][engine] = totals
    log(f"{result['name']}: {engine} search {json.dumps(figures)}")


def add_step(
    run: Run, result: dict[str, Any], corpus: Corpus, engines: list[str], pool: list[str]
) -> None:
    n = run.args.add_runs
    for engine in engines:
        path = index_path(run.args.work, corpus, engine)
        log(f"{corpus.name}: adding one document to {engine} ({n} times)")
        if engine == "ours":
            result["add"]["ours"] = measure.add_ours(corpus.documents, path, pool, n)
            if run.args.cli_add_runs <= 0:
                continue
            try:
                cli = measure.add_ours_cli(
                    corpus.documents, path, pool, run.args.cli_add_runs, run.args.work
                )
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                run.skip(f"`searchapp add` on {corpus.name}: {exc}")
            else:
                result["add"]["ours-cli"] = cli
            continue
        handle = open_engine(engine, path)
        try:
            result["add"][engine] = measure.add_peer(handle, pool, n)
        finally:
            handle.close()
    log(f"{corpus.name}: add {json.dumps(result['add'])}")


def http_step(run: Run, corpus: Corpus, engines: list[str]) -> dict[str, Any]:
    if run.args.no_http:
        return {"skipped": "--no-http"}
    if "ours" not in engines:
        run.skip("HTTP: our engine is not available")
        return {"skipped": "our engine is not available"}
    reason = http_load.missing_tools(Path(sys.executable).parent)
    if reason:
        run.skip(f"HTTP: {reason}")
        return {"skipped": reason}
    duration = run.args.http_duration
    settings = http_load.LoadSettings(duration_s=duration, warmup_s=max(1, min(3, duration // 3)))
    log(f"{corpus.name}: HTTP load ({duration} s)")
    index = index_path(run.args.work, corpus, "ours")
    queries = all_queries()
    try:
        figures = http_load.measure(REPO, corpus.documents, index, queries, run.args.work, settings)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        tail = http_load.log_tail(run.args.work / "gunicorn.log")
        run.skip(f"HTTP failed: {exc} (gunicorn.log ends: {tail})")
        return {"skipped": f"failed: {exc}"}
    log(f"{corpus.name}: HTTP {json.dumps(figures)}")
    return {"corpus": corpus.name, **figures}


def dense_step(run: Run, corpus: Corpus, jsonl: Path, plan: Any) -> dict[str, Any]:
    log(f"{corpus.name}: meaning-level search: build without embeddings, embedding, search")
    work = run.args.work / f"index-{corpus.name}"
    figures = dense_bench.corpus_step(jsonl, corpus.documents, work, plan, open_ours)
    log(f"{corpus.name}: dense {json.dumps(figures)}")
    if run.args.ann_size > 0 and importlib.util.find_spec("usearch") is None:
        run.skip("1M design: the `usearch` package is not installed")
    elif run.args.ann_size > 0:
        log(f"1M design: HNSW over {run.args.ann_size:,} vectors")
        index = index_path(run.args.work, corpus, "ours")
        run.results["ann"] = dense_bench.ann_step(run.args.ann_size, index)
    return figures


def open_ours(path: Path) -> Any:
    return open_engine("ours", path)


def profile_step(index: Path, rounds: int) -> dict[str, str]:
    log(f"profiling our broad and multi-word queries ({rounds} rounds)")
    return profiling.profile_mixes(index, ("broad", "multi-word"), rounds)


# --- the whole run -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks.run " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    run = Run(args, {"command": command, "started": now})
    run.results["machine"] = machine.describe(REPO)
    run.results["ingestion"] = ingestion_note()
    if not corpora.un_available(args.shared) and args.size != ["tiny"]:
        missing = args.shared / corpora.UN_FOLDER
        run.skip(f"real corpus: {missing} not found, generated corpora used instead")
    engines = engines_to_run(run)
    run.results["corpora"] = []
    for i, name in enumerate(args.size):
        run.results["corpora"].append(bench_corpus(run, name, engines, primary=i == 0))
    if args.engine == "typesense":
        run.results["typesense"] = typesense_step(run, args.size[0])
    run.results["skipped"] = run.skipped
    run.results["elapsed_s"] = time.perf_counter() - run.started
    run.results["machine"]["load average at end (1/5/15 min)"] = machine.load_average()
    return write_outputs(run)


def typesense_step(run: Run, name: str) -> dict[str, Any]:
    corpus = prepare(run, name)
    log(f"{name}: the embedded engine beside a local Typesense cluster")
    settings = typesense_bench.Settings(
        corpus.documents,
        run.args.work,
        run.args.rounds,
        run.args.search_budget,
        0 if run.args.no_http else run.args.http_duration,
    )
    figures = typesense_bench.step(settings, log)
    if "skipped" in figures:
        run.skip(f"Typesense: {figures['skipped']}")
    return figures


def ingestion_note() -> str:
    if paragraphs.ingestion_mode() == "searchapp":
        return "searchapp.corpus.load_document (our ingestion, shared by all engines)"
    return "files split on lines (searchapp.corpus.load_document not available yet)"


def write_outputs(run: Run) -> int:
    args = run.args
    (args.work / "results.json").write_text(json.dumps(run.results, indent=1, default=str))
    drawn = plot.write_plot(run.results, args.plot)
    if not drawn:
        run.skip("growth plot: matplotlib is not installed")
    link = _relative_link(args.plot, args.out.parent) if drawn else None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report.render(run.results, link), encoding="utf-8")
    log(f"wrote {args.out}" + (f" and {args.plot}" if drawn else ""))
    return 0


def _relative_link(target: Path, base: Path) -> str:
    try:
        return target.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(target.resolve())


__all__ = ["MIXES", "main"]

if __name__ == "__main__":
    raise SystemExit(main())
