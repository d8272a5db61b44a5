"""`make bench`, meaning-level search: what the dense side costs on top of the lexical engine
(rendered by report.dense_section).

For the first corpus: a full build with embeddings switched off (the usual build of ours has
them), the embedding of that index alone, the search mixes with fusion switched off (the
usual search figures of ours have it on), and the 1M design (benchmarks/dense_ann.py). The
HTTP section's worker memory is measured with the dense side on (the default).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks import dense_ann, measure


def corpus_step(
    jsonl: Path, documents: Path, work: Path, plan: measure.SearchPlan, open_ours: Any
) -> dict[str, Any]:
    """Build without embeddings, embed that index, and search ours with fusion off."""
    from searchapp.engine import current_generation, dense

    index = work / "index-dense-off"
    build = measure.build("ours-lexical", jsonl, documents, index, runs=1, repeat_under_s=0)
    gen = current_generation(index)
    assert gen is not None
    started, cpu = time.perf_counter(), time.process_time()
    embedded = dense.update(gen).embedded
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    with measure.switched_off("SEARCHAPP_DENSE"):
        handle = open_ours(index)
        try:
            search, _ = measure.search_engine(handle, plan)
        finally:
            handle.close()
    return {
        "build_lexical": build,
        "embed": {
            "paragraphs": embedded,
            "seconds": seconds,
            "cpu_s": cpu_s,
            "rate": embedded / max(seconds, 1e-9),
        },
        "search_lexical": search,
    }


def ann_step(n: int, index: Path | None) -> dict[str, Any]:
    """The 1M design on vectors resampled from our index (synthetic without one)."""
    return dense_ann.run(n, queries=200, index=index)
