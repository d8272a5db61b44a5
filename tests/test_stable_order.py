"""Every sort is a total order, the same on every page (issue 13, item 5): paging through
real UN speeches, many of which share a date, lists every paragraph exactly once.
Through the console script; pages of 300 (joined from engine calls of 1,000 hits) must add
up to the one list of all of them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from helpers_index import index_folder, run_cli

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
UN = SHARED / "corpora" / "ungdc-2015-2024"
HEADER = ["file", "title", "date", "kind", "place", "parties", "language", "source"]

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def un_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 100 speeches of 2015 and 2016, dated by year only: every speech of a session
    shares its date with about fifty others."""
    if not (UN / "index.csv").is_file():
        pytest.skip(f"{UN} not found")
    root = tmp_path_factory.mktemp("un-order")
    docs = root / "documents"
    docs.mkdir()
    with (UN / "index.csv").open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["year"] in ("2015", "2016")][::4]
    with (docs / "metadata.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for r in rows:
            name = Path(r["path"]).name
            (docs / name).symlink_to(UN / r["path"])
            writer.writerow([name, f"Statement by {r['country_iso3']}", r["year"], "speech"])
    summary = index_folder(docs, root / "index")
    assert not summary.failed, summary.failed
    return root / "index"


def _hits(index: Path, *args: str) -> tuple[int, list[str]]:
    done = run_cli("search", "--index", str(index), "--json", *args, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    return data["total"], [h["url"] for h in data["hits"]]


@pytest.mark.parametrize(
    ("query", "sort"),
    [("", "relevance"), ("", "newest"), ("peace", "oldest"), ("climate OR peace", "relevance")],
    ids=["browse", "browse-newest", "oldest", "relevance"],
)
def test_pages_partition_the_hits(un_index: Path, query: str, sort: str) -> None:
    total, everything = _hits(un_index, query, "--sort", sort, "--limit", "100000")
    assert total > 400 and len(everything) == total
    assert len(set(everything)) == total, "a paragraph is listed twice"
    paged: list[str] = []
    size = 300  # pages of 300: some are joined from two of the engine calls of 1,000
    for page in range(1, total // size + 2):
        part_total, part = _hits(
            un_index, query, "--sort", sort, "--limit", str(size), "--page", str(page)
        )
        assert part_total == total
        paged += part
    assert paged == everything
