"""The benchmark pipeline end to end at `--size tiny`, writing only under tmp_path.

Timings are never asserted: only that every step ran, the report has its sections and the
figures are sane (positive, ordered, the engines found the same paragraphs).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import report, reuse_bench, run
from benchmarks.queries import BROAD, MIXES

REPO_RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "RESULTS.md"


def _mtime(path: Path) -> float | None:
    return path.stat().st_mtime if path.exists() else None


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    tmp = tmp_path_factory.mktemp("bench")
    out, plot, work = tmp / "RESULTS.md", tmp / "growth.png", tmp / "work"
    before = _mtime(REPO_RESULTS)
    argv = ["--size", "tiny", "--work", str(work), "--out", str(out), "--plot", str(plot)]
    argv += ["--rounds", "2", "--build-runs", "1", "--add-runs", "2", "--cli-add-runs", "1"]
    argv += ["--http-duration", "2", "--profile-rounds", "1", "--ann-size", "2000"]
    assert run.main(argv) == 0
    assert _mtime(REPO_RESULTS) == before, "the smoke run must not touch benchmarks/RESULTS.md"
    results = json.loads((work / "results.json").read_text())
    for reason in results["skipped"]:
        print(f"skipped in the smoke run: {reason}")
    return results, out.read_text(encoding="utf-8"), plot


def test_report_has_every_section(tiny_run: tuple[dict[str, Any], str, Path]) -> None:
    results, text, _ = tiny_run
    for heading in report.SECTIONS:
        assert heading in text
    assert "python -m benchmarks.run --size tiny" in text
    assert results["machine"]["cores"].isdigit()


def test_corpus_and_builds_are_sane(tiny_run: tuple[dict[str, Any], str, Path]) -> None:
    results, _, _ = tiny_run
    (tiny,) = results["corpora"]
    assert 200 <= tiny["paragraphs"] <= 1000
    assert "fts5" in tiny["build"]
    for engine, build in tiny["build"].items():
        assert build["paragraphs"] > 0, engine
        assert build["rate"] > 0 and build["index_mib"] > 0 and build["peak_rss_mib"] > 0


def test_search_figures_are_sane(tiny_run: tuple[dict[str, Any], str, Path]) -> None:
    results, _, _ = tiny_run
    (tiny,) = results["corpora"]
    for engine, mixes in tiny["search"].items():
        assert set(mixes) == set(MIXES), engine
        for figures in mixes.values():
            assert figures["n"] > 0
            assert 0 < figures["median"] <= figures["p95"]
        assert all(tiny["totals"][engine][q] > 0 for q in BROAD), engine
    if "tantivy" in tiny["totals"]:
        assert tiny["totals"]["tantivy"] == tiny["totals"]["fts5"]


def test_add_one_and_http_ran_or_said_why(tiny_run: tuple[dict[str, Any], str, Path]) -> None:
    results, _, _ = tiny_run
    (tiny,) = results["corpora"]
    for engine in tiny["build"]:
        assert tiny["add"][engine]["median"] > 0, engine
    http = results["http"]
    if "skipped" in http:
        assert any("HTTP" in reason for reason in results["skipped"])
    else:
        assert http["requests"] > 0 and http["errors"] == 0
        assert http["rss_total_mib"] > 0


def test_growth_plot_is_a_png(tiny_run: tuple[dict[str, Any], str, Path]) -> None:
    results, text, plot = tiny_run
    if any("matplotlib" in reason for reason in results["skipped"]):
        pytest.skip("matplotlib is not installed")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![growth](growth.png)" in text


def test_cold_start_was_measured(tiny_run: tuple[dict[str, Any], str, Path]) -> None:
    results, text, _ = tiny_run
    (tiny,) = results["corpora"]
    cold = tiny["cold"]
    assert cold["runs"] > 0 and cold["help_s"] > 0 and 0 < cold["search_s"] <= cold["search_s_max"]
    assert cold["search_peak_mib"] > cold["help_peak_mib"] > 0
    assert "cold `searchapp search`" in text


def test_meaning_level_figures_are_sane(tiny_run: tuple[dict[str, Any], str, Path]) -> None:
    results, text, _ = tiny_run
    first = results["corpora"][0]
    embed = first["dense"]["embed"]
    assert embed["paragraphs"] == first["paragraphs"] and embed["rate"] > 0
    assert set(first["dense"]["search_lexical"]) == set(MIXES)
    ann = results["ann"]
    assert ann["paragraphs"] == 2000
    assert all(0 <= f["recall_at_10"] <= 1 for f in ann["hnsw"].values())
    assert "HNSW ef=" in text and "full build without" in text


def test_reuse_step_measured_both_builds_and_the_pages(
    tiny_run: tuple[dict[str, Any], str, Path],
) -> None:
    results, text, _ = tiny_run
    (tiny,) = results["corpora"]
    figures = tiny["reuse"]
    without = figures["build_without"]
    assert without["paragraphs"] == tiny["build"]["ours"]["paragraphs"] and without["seconds"] > 0
    assert figures["add_without"]["median"] > 0 and figures["add_reuse_only"]["median"] > 0
    assert figures["links"] > 0, "the resampled corpus repeats paragraphs: some are linked"
    for page in ("permalink", "compare", "compare_largest", "trend", "search"):
        assert 0 < figures[page]["median"] <= figures[page]["p95"], page
    assert len(figures["compare_sizes"]) == 2 * reuse_bench.COMPARE_PAIRS
    assert "## Following a formulation" in text and "build with/without reuse" in text
