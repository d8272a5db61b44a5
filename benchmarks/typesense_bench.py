"""`make bench BENCH_ARGS="--engine typesense"`: the embedded engine and a local 3-node
Typesense cluster side by side, in the same run, on the same corpus.

Measured: `searchapp index` from scratch (embedded alone; embedded + the registry feed to the
cluster), search p50/p95 per query mix through the search service, HTTP through gunicorn with
wrk, the loss of the leader (SIGKILL) under a load of searches with a `searchapp add` during
the loss, the killed node's catch-up, and the top-10 overlap of the parity queries.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import http_load
from benchmarks.queries import MIXES, all_queries
from benchmarks.stats import summarize, time_ms
from benchmarks.typesense_cluster import Cluster, ClusterUnavailable, Node, typesense_cluster

ENGINES = ("embedded", "typesense")
NODES = 3
ENGINE_VARIABLES = ("SEARCHAPP_ENGINE", "SEARCHAPP_TYPESENSE_NODES", "SEARCHAPP_TYPESENSE_API_KEY")
# The parity suite: the query language's parts Typesense can say, then the bench's mixes.
PARITY_QUERIES = (
    "cooperation",
    "security",
    "strategic partnership",
    '"strategic partnership"',
    "terrorism",
    "economic trade",
    "nuclear weapons",
    "secur*",
    "sovereignty territorial integrity",
    "united nations",
    "energy",
    "world multipolar",
)
LOSS_BEFORE_S = 3.0  # searches before the kill
LOSS_AFTER_S = 12.0  # and after it
LOSS_THREADS = 2
CATCH_UP_TIMEOUT_S = 120.0  # for the node to catch up by itself, then for the check's repair
ADDED_WORD = "quokkafruit"
INDEX_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Settings:
    documents: Path
    work: Path
    rounds: int
    budget_s: float
    http_duration_s: int  # 0: no HTTP load
    catch_up_s: float = CATCH_UP_TIMEOUT_S  # how long the restarted node is given


def engine_env(cluster: Cluster | None) -> dict[str, str]:
    """The process environment for one engine: the cluster's settings, or none of them."""
    env = {k: v for k, v in os.environ.items() if k not in ENGINE_VARIABLES}
    return {**env, **cluster.env} if cluster is not None else env


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """The search service reads its engine from the environment when it is made."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def service(index: Path, cluster: Cluster | None) -> Any:
    from searchapp.search import SearchService

    with environment(engine_env(cluster)):
        return SearchService(index)


def searcher(index: Path, cluster: Cluster | None) -> Callable[[str], dict[str, Any]]:
    from searchapp.search import SearchRequest

    answering = service(index, cluster)
    return lambda q: answering.search(SearchRequest(q=q, per_page=10))


def top_ten(answer: dict[str, Any]) -> set[tuple[str, int]]:
    return {(h["doc_id"], h["pid"]) for h in answer["hits"][:10]}


def parity(
    embedded: Callable[[str], dict[str, Any]],
    typesense: Callable[[str], dict[str, Any]],
    queries: Sequence[str],
) -> dict[str, Any]:
    """Per query, the share of the embedded top 10 that Typesense also puts in its top 10;
    their mean over the queries the embedded engine answers."""
    per_query: dict[str, float] = {}
    for query in queries:
        ours = top_ten(embedded(query))
        if ours:
            per_query[query] = len(ours & top_ten(typesense(query))) / len(ours)
    mean = sum(per_query.values()) / len(per_query) if per_query else 0.0
    return {"mean": mean, "queries": len(per_query), "per_query": per_query}


def program() -> list[str]:
    exe = Path(sys.executable).parent / "searchapp"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "searchapp"]


def run_cli(args: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*program(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=INDEX_TIMEOUT_S,
        check=False,
    )


def build(documents: Path, index: Path, env: dict[str, str]) -> dict[str, Any]:
    """`searchapp index` into an empty folder, as a user runs it."""
    shutil.rmtree(index, ignore_errors=True)
    start = time.perf_counter()
    done = run_cli(["index", "--documents", str(documents), "--index", str(index)], env)
    seconds = time.perf_counter() - start
    if done.returncode != 0 or "Typesense" in done.stderr:
        raise RuntimeError(f"searchapp index failed: {done.stderr.strip()[-600:]}")
    return {"seconds": seconds}


def search_mixes(search: Callable[[str], object], rounds: int, budget_s: float) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for mix, queries in MIXES.items():
        for query in queries:
            search(query)  # warm-up, untimed
        samples: list[float] = []
        start = time.perf_counter()
        for _ in range(rounds):
            samples += [time_ms(lambda q=q: search(q)) for q in queries]
            if time.perf_counter() - start > budget_s:
                break
        figures[mix] = summarize(samples).as_dict()
    return figures


def http(settings: Settings, index: Path, cluster: Cluster | None, engine: str) -> dict[str, Any]:
    load = http_load.LoadSettings(
        duration_s=settings.http_duration_s, warmup_s=max(1, min(3, settings.http_duration_s // 3))
    )
    work = settings.work / f"http-{engine}"
    work.mkdir(parents=True, exist_ok=True)
    repo = Path(__file__).resolve().parent.parent
    env = engine_env(cluster)
    return http_load.measure(repo, settings.documents, index, all_queries(), work, load, env)


# -- the loss of the leader -----------------------------------------------------------------


@dataclass
class Answer:
    started: float
    ended: float
    ok: bool


def _load(search: Callable[[str], object], stop: threading.Event, out: list[Answer]) -> None:
    queries = all_queries()
    i = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            search(queries[i % len(queries)])
            ok = True
        except Exception:  # any failure the user would see counts as an error
            ok = False
        out.append(Answer(started, time.monotonic(), ok))
        i += 1


def longest_gap(answers: list[Answer], start: float, end: float) -> float:
    """The longest time, in [start, end], with no search answered."""
    times = sorted(a.ended for a in answers if a.ok and start <= a.ended <= end)
    edges = [start, *times, end]
    return max(b - a for a, b in itertools.pairwise(edges))


def lose_leader(
    cluster: Cluster,
    documents: Path,
    index: Path,
    work: Path,
    word: str = ADDED_WORD,
    patience_s: float = CATCH_UP_TIMEOUT_S,
) -> dict[str, Any]:
    """SIGKILL the leader under a load of searches, `searchapp add` a document (holding
    `word`, found nowhere else) during the loss, then restart the node from its data folder
    and time its catch-up."""
    search = searcher(index, cluster)
    answers: list[Answer] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_load, args=(search, stop, answers), daemon=True)
        for _ in range(LOSS_THREADS)
    ]
    for t in threads:
        t.start()
    time.sleep(LOSS_BEFORE_S)
    leader = cluster.leader()
    killed_at = time.monotonic()
    leader.kill()
    added: dict[str, Any] = {}
    adding = threading.Thread(
        target=lambda: added.update(_add_during_loss(documents, index, cluster, work, word))
    )
    adding.start()  # while the survivors elect a leader
    survivors = [n for n in cluster.nodes if n is not leader]
    elected_s = _until(lambda: any(n.is_leader() for n in survivors), 60.0) - killed_at
    adding.join()
    if not added:
        raise RuntimeError("searchapp add failed during the loss (see above)")
    time.sleep(max(0.0, killed_at + LOSS_AFTER_S - time.monotonic()))
    stop.set()
    for t in threads:
        t.join(timeout=30)
    ended = time.monotonic()
    during = [a for a in answers if a.ended >= killed_at]
    figures: dict[str, Any] = {
        "nodes": len(cluster.nodes),
        "threads": LOSS_THREADS,
        "before_s": LOSS_BEFORE_S,
        "after_s": ended - killed_at,
        "answered_before": sum(a.ok for a in answers if a.ended < killed_at),
        "answered_during": sum(a.ok for a in during),
        "errors": sum(not a.ok for a in answers),
        "longest_gap_s": longest_gap(answers, killed_at, ended),
        "longest_search_s": max((a.ended - a.started for a in during), default=0.0),
        "new_leader_s": elected_s,
        **added,
    }
    figures.update(_no_document_lost(cluster, documents, index, survivors, word))
    paragraphs = figures["paragraphs_embedded"]
    figures.update(_catch_up(leader, paragraphs, cluster, documents, index, patience_s))
    return figures


def _add_during_loss(
    documents: Path, index: Path, cluster: Cluster, work: Path, word: str
) -> dict[str, Any]:
    new = work / f"2024-10-01-{word}-accord.txt"
    new.write_text(f"{word.title()} accord.\n\nThe parties agree on {word} trade.\n")
    start = time.perf_counter()
    args = ["add", str(new), "--date", "2024-10-01", "--title", f"{word.title()} accord"]
    env = engine_env(cluster)
    done = run_cli([*args, "--documents", str(documents), "--index", str(index)], env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"searchapp add failed during the loss: {done.stderr.strip()[-600:]}")
    # "not updated": no leader yet, the document is owed to the cluster and the next
    # `searchapp index` sends it (replication.py); both are reported.
    return {"add_s": seconds, "add_reached_cluster": "Typesense" not in done.stderr}


def _no_document_lost(
    cluster: Cluster, documents: Path, index: Path, survivors: list[Node], word: str
) -> dict[str, Any]:
    env = engine_env(cluster)
    retried = False
    found = searcher(index, cluster)(word)["total"]
    if found != 1:
        done = run_cli(["index", "--documents", str(documents), "--index", str(index)], env)
        retried = done.returncode == 0
        found = searcher(index, cluster)(word)["total"]
    embedded = searcher(index, None)("")["total"]
    on_nodes = [_count(n) for n in survivors]
    return {
        "add_needed_index_run": retried,
        "added_found": found,
        "paragraphs_embedded": embedded,
        "paragraphs_on_survivors": on_nodes,
        "no_document_lost": found == 1 and all(c == embedded for c in on_nodes),
    }


def _count(node: Node) -> int | None:
    try:
        return int(node.get("/collections/searchapp_paragraphs")["num_documents"])
    except (OSError, ValueError, KeyError):
        return None


def _catch_up(
    node: Node, paragraphs: int, cluster: Cluster, documents: Path, index: Path, patience_s: float
) -> dict[str, Any]:
    """Restart `node` from its data folder and time its catch-up; when it does not catch up
    by itself, time the repair by `searchapp index --check` (what the README has operators
    run after a node rejoins)."""
    start = time.monotonic()
    node.start()
    done = _until(lambda: node.answering() and _count(node) == paragraphs, patience_s)
    if _count(node) == paragraphs:
        return {"catch_up_s": done - start, "check_repair_s": None}
    check = time.monotonic()
    run_cli(
        ["index", "--check", "--documents", str(documents), "--index", str(index)],
        engine_env(cluster),
    )
    done = _until(lambda: _count(node) == paragraphs, patience_s)
    repaired = done - check if _count(node) == paragraphs else None
    return {"catch_up_s": None, "check_repair_s": repaired}


def _until(condition: Callable[[], bool], timeout_s: float) -> float:
    """The moment `condition` held (or the timeout ran out), polling every 0.1 s."""
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return time.monotonic()


# -- the whole step -------------------------------------------------------------------------


def step(settings: Settings, log: Callable[[str], None]) -> dict[str, Any]:
    """Every figure of the two engines; {"skipped": reason} when no cluster can run."""
    root = settings.work / "typesense"
    shutil.rmtree(root, ignore_errors=True)
    try:
        with typesense_cluster(root / "cluster", size=NODES) as cluster:
            return _measure(settings, cluster, root, log)
    except ClusterUnavailable as exc:
        return {"skipped": str(exc)}


def _measure(
    settings: Settings, cluster: Cluster, root: Path, log: Callable[[str], None]
) -> dict[str, Any]:
    figures: dict[str, Any] = {"version": cluster.version(), "nodes": len(cluster.nodes)}
    documents = root / "documents"
    shutil.copytree(settings.documents, documents, symlinks=True)  # `add` writes into it
    log(f"typesense {figures['version']}, {NODES} nodes: `searchapp index`, embedded")
    figures["build"] = {"embedded": build(documents, root / "index-embedded", engine_env(None))}
    shutil.rmtree(root / "index-embedded")
    log("typesense: `searchapp index` with the cluster (local index + the registry feed)")
    index = root / "index"
    figures["build"]["typesense"] = build(documents, index, engine_env(cluster))
    log(f"typesense: builds {figures['build']}")
    search = {"embedded": searcher(index, None), "typesense": searcher(index, cluster)}
    figures["search"] = {}
    for engine in ENGINES:
        log(f"typesense: searching {engine}")
        figures["search"][engine] = search_mixes(search[engine], settings.rounds, settings.budget_s)
    figures["paragraphs"] = search["embedded"]("")["total"]
    figures["parity"] = parity(
        search["embedded"], search["typesense"], (*PARITY_QUERIES, *all_queries())
    )
    log(f"typesense: parity {figures['parity']['mean']:.2f}")
    if settings.http_duration_s > 0 and http_load.missing_tools(Path(sys.executable).parent):
        figures["http"] = {"skipped": http_load.missing_tools(Path(sys.executable).parent)}
    elif settings.http_duration_s > 0:
        figures["http"] = {}
        for engine in ENGINES:
            log(f"typesense: HTTP load, {engine}")
            chosen = cluster if engine == "typesense" else None
            figures["http"][engine] = http(settings, index, chosen, engine)
    log("typesense: SIGKILL of the leader under load")
    figures["loss"] = lose_leader(cluster, documents, index, root, patience_s=settings.catch_up_s)
    figures["loss"]["patience_s"] = settings.catch_up_s
    log(f"typesense: loss {figures['loss']}")
    return figures


# -- RESULTS.md -----------------------------------------------------------------------------

SECTION = "## Typesense cluster"


def _ms(value: float | None) -> str:
    return "–" if value is None else (f"{value:,.1f}" if value >= 10 else f"{value:,.2f}")


def render(figures: dict[str, Any] | None) -> list[str]:
    if figures is None:
        return []
    if "skipped" in figures:
        return [SECTION, "", f"Not measured: {figures['skipped']}.", ""]
    lines = [
        SECTION,
        "",
        f"Typesense {figures['version']}, {figures['nodes']} nodes (Raft) on this machine, "
        f"against the embedded engine on the same index ({figures['paragraphs']:,} paragraphs). "
        "Both searched through the search service (SEARCHAPP_ENGINE), as the CLI and the web do.",
        "",
        "| | embedded | typesense |",
        "|---|---|---|",
    ]
    build = figures["build"]
    lines.append(
        f"| `searchapp index` from scratch (s) | {build['embedded']['seconds']:.1f} | "
        f"{build['typesense']['seconds']:.1f} |"
    )
    for mix in MIXES:
        e, t = figures["search"]["embedded"][mix], figures["search"]["typesense"][mix]
        lines.append(f"| search {mix} p50 (ms) | {_ms(e['median'])} | {_ms(t['median'])} |")
        lines.append(f"| search {mix} p95 (ms) | {_ms(e['p95'])} | {_ms(t['p95'])} |")
    web = figures.get("http", {})
    if "embedded" in web:
        e, t = web["embedded"], web["typesense"]
        lines.append(f"| HTTP requests/s | {e['rps']:.1f} | {t['rps']:.1f} |")
        lines.append(f"| HTTP p50 (ms) | {_ms(e['p50_ms'])} | {_ms(t['p50_ms'])} |")
        lines.append(f"| HTTP p99 (ms) | {_ms(e['p99_ms'])} | {_ms(t['p99_ms'])} |")
        lines.append(f"| HTTP errors | {e['errors']} | {t['errors']} |")
    lines.append("")
    if "skipped" in web:
        lines += [f"HTTP not measured: {web['skipped']}.", ""]
    p = figures["parity"]
    lines += [
        f"Parity: mean top-10 overlap **{p['mean']:.2f}** over {p['queries']} queries "
        "(the share of the embedded top 10 that Typesense also returns in its top 10).",
        "",
    ]
    loss = figures["loss"]
    lines += [
        f"Loss of the leader (SIGKILL) under {loss['threads']} threads of searches: "
        f"{loss['answered_before']} answered in the {loss['before_s']:.0f} s before, "
        f"{loss['answered_during']} in the {loss['after_s']:.0f} s after, "
        f"{loss['errors']} errors; longest time with no answer **{loss['longest_gap_s']:.2f} s**, "
        f"longest search {loss['longest_search_s']:.2f} s; new leader after "
        f"{loss['new_leader_s']:.1f} s. A `searchapp add` during the loss took "
        f"{loss['add_s']:.1f} s and "
        + ("reached the cluster" if loss["add_reached_cluster"] else "was owed to the cluster")
        + (" (sent by the next `searchapp index`)" if loss["add_needed_index_run"] else "")
        + "; "
        + ("no document lost" if loss["no_document_lost"] else "**a document was lost**")
        + f" ({loss['paragraphs_on_survivors']} paragraphs on the survivors, "
        f"{loss['paragraphs_embedded']} in the registry). The node restarted from its data "
        "folder " + _catch_up_line(loss)
    ]
    return [*lines, ""]


def _catch_up_line(loss: dict[str, Any]) -> str:
    if loss.get("catch_up_s") is not None:
        return f"caught up by itself in {loss['catch_up_s']:.1f} s."
    repaired = loss.get("check_repair_s")
    patience = loss.get("patience_s", CATCH_UP_TIMEOUT_S)
    return f"did not catch up by itself in {patience:.0f} s; " + (
        f"`searchapp index --check` repaired it in {repaired:.1f} s."
        if repaired is not None
        else "**`searchapp index --check` did not repair it**."
    )
