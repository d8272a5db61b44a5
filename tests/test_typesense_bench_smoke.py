"""The `--engine typesense` step of `make bench` end to end on the seeds, against a real
3-node cluster: every figure is there and sane, the loss of the leader cost no document, and
the report renders them. Timings are never asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import typesense_bench
from benchmarks.queries import MIXES
from benchmarks.typesense_cluster import ClusterUnavailable, server_binary
from tests.conftest import copy_seeds


def test_the_typesense_step_measures_both_engines_and_the_loss(tmp_path: Path) -> None:
    try:
        server_binary()
    except ClusterUnavailable as exc:
        pytest.skip(str(exc))
    settings = typesense_bench.Settings(
        documents=copy_seeds(tmp_path / "documents"),
        work=tmp_path / "work",
        rounds=2,
        budget_s=2.0,
        http_duration_s=1,
        catch_up_s=10.0,  # then `searchapp index --check` repairs it, timed too
    )
    figures = typesense_bench.step(settings, lambda line: None)
    assert "skipped" not in figures, figures.get("skipped")
    for engine in typesense_bench.ENGINES:
        assert figures["build"][engine]["seconds"] > 0
        assert set(figures["search"][engine]) == set(MIXES)
    assert figures["paragraphs"] > 0
    assert 0 < figures["parity"]["mean"] <= 1
    loss = figures["loss"]
    assert loss["errors"] == 0 and loss["answered_during"] > 0
    assert loss["no_document_lost"] and loss["added_found"] == 1
    assert loss["catch_up_s"] is not None or loss["check_repair_s"] is not None
    text = "\n".join(typesense_bench.render(figures))
    assert "Loss of the leader (SIGKILL)" in text and "no document lost" in text
