"""RESULTS.md: the figures of one run, with the machine, versions and the targets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from benchmarks import targets, typesense_bench
from benchmarks.cold import QUERY as COLD_QUERY
from benchmarks.queries import MIXES

ENGINES = ("ours", "fts5", "tantivy")
NAMES = {"ours": "ours", "fts5": "FTS5", "tantivy": "Tantivy", "ours-cli": "ours (CLI)"}
SECTIONS = (
    "## Machine and versions",
    "## Targets",
    "## Corpora",
    "## Full build",
    "## Adding one document",
    "## Engine-level search",
    "## HTTP under load",
    "## Cold start",
    "## Cost growth",
    "## Hit counts",
    "## Where our time goes",
    "## Meaning-level search",
    "## Following a formulation (reuse, compare, trend)",
    "## Skipped",
)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def secs(value: float) -> str:
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def header(results: dict[str, Any]) -> list[str]:
    return [
        "# searchapp benchmark results",
        "",
        "Written by `benchmarks/run.py`; every figure below comes from the run described here.",
        "",
        f"- command: `{results['command']}`",
        f"- date: {results['started']} (took {results['elapsed_s'] / 60:.1f} min)",
        f"- paragraphs for every engine come from: {results['ingestion']}",
        "",
    ]


def machine(results: dict[str, Any]) -> list[str]:
    rows = [(key, value) for key, value in results["machine"].items()]
    return [SECTIONS[0], "", *table(("", "value"), rows)]


def target_section(results: dict[str, Any]) -> list[str]:
    primary = targets.primary(results)
    where = f"{primary['name']} ({primary['label']})" if primary else "no corpus"
    checks = targets.evaluate(results)
    rows = [(c.target, c.measured, f"**{c.status}**", c.margin) for c in checks]
    passed = sum(c.status == "PASS" for c in checks)
    failed = sum(c.status == "FAIL" for c in checks)
    return [
        SECTIONS[1],
        "",
        f"Checked on: {where} (targets are for UN size on 2 cores). "
        f"{passed} PASS, {failed} FAIL, {len(checks) - passed - failed} N/A.",
        "",
        *table(("target", "measured", "status", "off by"), rows),
    ]


def corpora_section(results: dict[str, Any]) -> list[str]:
    rows = [
        (c["name"], c["label"], f"{c['files']:,}", f"{c['paragraphs']:,}", f"{c['load_s']:.1f}")
        for c in results["corpora"]
    ]
    return [
        SECTIONS[2],
        "",
        *table(("size", "corpus", "files", "paragraphs", "ingestion only (s)"), rows),
    ]


def build_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for c in results["corpora"]:
        for engine in ENGINES:
            b = c.get("build", {}).get(engine)
            if b:
                rows.append(_build_row(c["name"], engine, b))
    note = (
        "Each build runs in its own process (peak memory = its VmHWM, or its largest child's "
        "ru_maxrss). Ours reads and cleans the files itself (ingestion included); the peers are "
        "fed the paragraphs our ingestion produced (the 'ingestion only' time above)."
    )
    header_row = ("size", "engine", "runs", "seconds (median)", "paragraphs/s", "p95 s")
    header_row += ("index on disk (MiB)", "peak RSS (MiB)")
    return [SECTIONS[3], "", note, "", *table(header_row, rows)]


def _build_row(size: str, engine: str, b: dict[str, Any]) -> tuple[object, ...]:
    return (
        size,
        NAMES[engine],
        b["runs"],
        secs(b["seconds"]),
        f"{b['rate']:,.0f}",
        secs(b["seconds_p95"]),
        f"{b['index_mib']:.1f}",
        f"{b['peak_rss_mib']:.0f}",
    )


def add_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for c in results["corpora"]:
        for engine, figures in c.get("add", {}).items():
            rows.append(
                (c["name"], NAMES[engine], figures["n"], ms(figures["median"]), ms(figures["p95"]))
            )
    note = (
        "A new document of about 35 paragraphs added to the built index. Ours: the file "
        "copied into the documents folder, then an incremental `update_index` in-process; "
        "ours (CLI): `searchapp add FILE --title --date` as a user runs it (interpreter start "
        "included). FTS5: INSERT + COMMIT. Tantivy: add + commit + reload."
    )
    return [SECTIONS[4], "", note, "", *table(("size", "engine", "n", "p50 ms", "p95 ms"), rows)]


def search_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for c in results["corpora"]:
        for mix in MIXES:
            rows.append(_search_row(c, mix))
    note = (
        "Per query: top 10 by BM25 with highlighted excerpts, total hits, year and section "
        "facet counts over all hits. In-process, warm, one query at a time; each query of "
        "the mix repeated, p50/p95 over all runs."
    )
    head = ("size", "mix", "ours p50", "ours p95", "FTS5 p50", "FTS5 p95")
    head += ("Tantivy p50", "Tantivy p95", "ours/FTS5 p50", "ours/Tantivy p50")
    return [SECTIONS[5], "", note + " Times in ms.", "", *table(head, rows)]


def _search_row(c: dict[str, Any], mix: str) -> tuple[object, ...]:
    def p(engine: str, key: str) -> float | None:
        return targets.search_p(c, engine, mix, key)

    return (
        c["name"],
        mix,
        ms(p("ours", "median")),
        ms(p("ours", "p95")),
        ms(p("fts5", "median")),
        ms(p("fts5", "p95")),
        ms(p("tantivy", "median")),
        ms(p("tantivy", "p95")),
        ratio(p("ours", "median"), p("fts5", "median")),
        ratio(p("ours", "median"), p("tantivy", "median")),
    )


def http_section(results: dict[str, Any]) -> list[str]:
    http = results.get("http")
    if not http or "rps" not in http:
        reason = (http or {}).get("skipped", "not run")
        return [SECTIONS[6], "", f"Not measured: {reason}.", ""]
    note = (
        f"`gunicorn -w {http['workers']}` serving `/api/search?q=…` over the {http['corpus']} "
        f"corpus; `wrk -t{http['threads']} -c{http['connections']} -d{http['duration_s']}s` "
        "(after a warm-up run) with a Lua script rotating through all three mixes."
    )
    rows = [
        ("requests/s", f"{http['rps']:,.1f}"),
        ("latency p50 (ms)", ms(http["p50_ms"])),
        ("latency p90 (ms)", ms(http["p90_ms"])),
        ("latency p99 (ms)", ms(http["p99_ms"])),
        ("latency max (ms)", ms(http["max_ms"])),
        ("requests", f"{http['requests']:,}"),
        ("errors (non-2xx, timeouts, socket)", http["errors"]),
        ("server RSS, master + workers (MiB)", f"{http['rss_total_mib']:.0f}"),
        ("largest worker RSS (MiB)", f"{http['rss_max_worker_mib']:.0f}"),
        ("server peak RSS, summed (MiB)", f"{http['peak_total_mib']:.0f}"),
        ("gunicorn start to first answer (s)", secs(http.get("first_answer_s", math.nan))),
    ]
    return [SECTIONS[6], "", note, "", *table(("", "ours"), rows)]


def cold_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for c in results["corpora"]:
        f = c.get("cold")
        if f:
            rows.append(
                (
                    c["name"],
                    f["runs"],
                    secs(f["search_s"]),
                    secs(f["search_s_max"]),
                    secs(f["search_cpu_s"]),
                    f"{f['search_peak_mib']:.0f}",
                    secs(f["help_s"]),
                    secs(f["help_cpu_s"]),
                    f"{f['help_peak_mib']:.0f}",
                )
            )
    if not rows:
        return [SECTIONS[7], "", "Not measured (ours not run, or --cold-runs 0).", ""]
    note = (
        f"`searchapp search {COLD_QUERY} --json` and `searchapp --help`, each in a new process "
        "(interpreter start, imports, opening the index, one search); peak RSS of that "
        "process from wait4; CPU s (user + system) is what the wall time would be on an "
        "idle machine. The page cache is warm."
    )
    head = ("size", "runs", "search s p50", "max", "CPU s", "peak MiB", "--help s", "CPU s", "MiB")
    return [SECTIONS[7], "", note, "", *table(head, rows)]


def growth_section(results: dict[str, Any], plot: str | None) -> list[str]:
    sizes = list(results["corpora"])
    head = ("engine", "mix", *(f"{c['name']} ({c['paragraphs']:,})" for c in sizes))
    rows = []
    for engine in ENGINES:
        for mix in MIXES:
            cells = [ms(targets.search_p(c, engine, mix, "median")) for c in sizes]
            if any(cell != "–" for cell in cells):
                rows.append((NAMES[engine], mix, *cells))
    lines = [SECTIONS[8], "", "Search latency p50 (ms) by corpus size.", "", *table(head, rows)]
    if plot:
        lines += [f"![growth]({plot})", ""]
    return lines


def totals_section(results: dict[str, Any]) -> list[str]:
    c = targets.primary(results)
    if c is None or not c.get("totals"):
        return [SECTIONS[9], "", "No searches were run.", ""]
    engines = [e for e in ENGINES if e in c["totals"]]
    queries = list(next(iter(c["totals"].values())))
    rows = [(q, *(f"{c['totals'][e].get(q, 0):,}" for e in engines)) for q in queries]
    note = f"Total hits per query on {c['label']} (a check that every engine did the same work)."
    return [SECTIONS[9], "", note, "", *table(("query", *(NAMES[e] for e in engines)), rows)]


def profile_section(results: dict[str, Any]) -> list[str]:
    profiles = results.get("profile") or {}
    if not profiles:
        return [SECTIONS[10], "", "No profile (ours not run or pyinstrument missing).", ""]
    lines = [SECTIONS[10], ""]
    for mix, text in profiles.items():
        lines += [f"pyinstrument, {mix} queries:", "", "```", text.rstrip(), "```", ""]
    return lines


def dense_section(results: dict[str, Any]) -> list[str]:
    lines = [SECTIONS[11], ""]
    c = next((c for c in results.get("corpora", []) if c.get("dense")), None)
    if c is None:
        lines += ["Not measured (ours not run).", ""]
    else:
        d, b = c["dense"], c["build"].get("ours")
        e = d["embed"]
        rows = [
            ("full build with embeddings (s)", secs(b["seconds"]) if b else "–"),
            ("full build without (SEARCHAPP_DENSE=0) (s)", secs(d["build_lexical"]["seconds"])),
            ("embedding alone (s, paragraphs/s)", f"{secs(e['seconds'])}, {e['rate']:,.0f}"),
            ("embedding CPU time (s)", secs(e["cpu_s"])),
        ]
        lines += [f"On {c['name']} ({c['paragraphs']:,} paragraphs):", ""]
        lines += table(("", "value"), rows)
        head = ("mix", "fusion p50", "fusion p95", "lexical p50", "lexical p95")
        mix_rows = []
        for mix, figures in d["search_lexical"].items():
            mix_rows.append(
                (
                    mix,
                    ms(targets.search_p(c, "ours", mix, "median")),
                    ms(targets.search_p(c, "ours", mix, "p95")),
                    ms(figures.get("median")),
                    ms(figures.get("p95")),
                )
            )
        lines += ["Engine-level search, ms (worker memory: HTTP section).", ""]
        lines += table(head, mix_rows)
    ann = results.get("ann")
    if not ann:
        lines += ["1M design: not measured.", ""]
        return lines
    lines += [
        f"Approximate index (USearch HNSW, f16, connectivity 16) over {ann['paragraphs']:,} "
        f"vectors ({ann['vectors']}), {ann['queries']} queries: built in "
        f"{secs(ann['hnsw_build_s'])} s, {ann['hnsw_memory_mib']:.0f} MiB.",
        "",
    ]
    rows = [("exact scan (NumPy)", "1.000", ms(ann["exact"]["p50_ms"]), ms(ann["exact"]["p95_ms"]))]
    for ef, f in ann["hnsw"].items():
        rows.append((f"HNSW ef={ef}", f"{f['recall_at_10']:.3f}", ms(f["p50_ms"]), ms(f["p95_ms"])))
    flt = ann["filtered_10pct"]
    over = flt["hnsw_overfetch_20x"]
    rows.append(
        (
            "filter keeping 10%: exact over the subset",
            "1.000",
            ms(flt["exact_subset"]["p50_ms"]),
            ms(flt["exact_subset"]["p95_ms"]),
        )
    )
    rows.append(
        (
            "filter keeping 10%: HNSW 20x over-fetch",
            f"{over['recall_at_10']:.3f}",
            ms(over["p50_ms"]),
            ms(over["p95_ms"]),
        )
    )
    return [*lines, *table(("search", "recall@10", "p50 ms", "p95 ms"), rows)]


def reuse_section(results: dict[str, Any]) -> list[str]:
    heading = SECTIONS[-2]
    corpora = [c for c in results["corpora"] if c.get("reuse")]
    if not corpora:
        return [heading, "", "Not measured (our engine not run, or --no-reuse).", ""]
    rows = []
    for c in corpora:
        r, built = c["reuse"], c["build"]["ours"]
        add, without = c.get("add", {}).get("ours"), r["build_without"]
        rows.append((c["name"], "full build, s", secs(built["seconds"]), secs(without["seconds"])))
        rows.append(
            (
                c["name"],
                "full build, CPU s",
                secs(built["cpu_seconds"]),
                secs(without["cpu_seconds"]),
            )
        )
        rows.append(
            (
                c["name"],
                "build, peak RSS MiB",
                f"{built['peak_rss_mib']:.0f}",
                f"{without['peak_rss_mib']:.0f}",
            )
        )
        rows.append(
            (
                c["name"],
                "add one document, p50 ms",
                ms(add["median"]) if add else "–",
                ms(r["add_without"]["median"]),
            )
        )
        rows.append(
            (
                c["name"],
                "reuse.update alone for that document, p50 ms",
                ms(r["add_reuse_only"]["median"]),
                "",
            )
        )
        for key, label in _REUSE_PAGES:
            f = r.get(key)
            shown = f"{ms(f['median'])} / {ms(f['p95'])}" if f else "–"
            rows.append((c["name"], f"{label} p50 / p95 ms", shown, ""))
    sizes = "; ".join(
        f"{c['name']}: {c['reuse']['links']} linked paragraphs timed, compared documents of "
        f"{_span(c['reuse']['compare_sizes'])} paragraphs, largest pair "
        f"{_span(c['reuse']['compare_largest_sizes'])}"
        for c in corpora
    )
    note = (
        "Our engine built again with `SEARCHAPP_REUSE=0` (in its own process) and a document "
        "added to that index with it off; then the index with reuse served in-process "
        f"(Werkzeug, one request at a time) and each page requested in turn ({sizes})."
    )
    head = ("size", "measure", "with reuse", "without")
    return [heading, "", note, "", *table(head, rows)]


_REUSE_PAGES = (
    ("permalink", "permalink page of a linked paragraph"),
    ("compare", "/api/compare, ~100-paragraph documents"),
    ("compare_largest", "/api/compare, the two largest documents"),
    ("trend", "/api/trend"),
    ("search", "/api/search (same queries)"),
)


def _span(sizes: list[int]) -> str:
    return f"{min(sizes)}–{max(sizes)}" if sizes else "–"


def skipped_section(results: dict[str, Any]) -> list[str]:
    skipped = results.get("skipped") or ["nothing"]
    return [SECTIONS[-1], "", *(f"- {reason}" for reason in skipped), ""]


def render(results: dict[str, Any], plot: str | None) -> str:
    parts = [
        header(results),
        machine(results),
        target_section(results),
        corpora_section(results),
        build_section(results),
        add_section(results),
        search_section(results),
        http_section(results),
        cold_section(results),
        growth_section(results, plot),
        totals_section(results),
        profile_section(results),
        dense_section(results),
        typesense_bench.render(results.get("typesense")),
        reuse_section(results),
        skipped_section(results),
    ]
    return "\n".join(line for part in parts for line in part)
