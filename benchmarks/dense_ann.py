"""The dense side at a million paragraphs: USearch's HNSW index against the exact NumPy scan.

    python -m benchmarks.dense_ann --n 1000000          # the 1M design (about 20 min, 2 cores)
    python -m benchmarks.dense_ann --n 20000 --json     # a quick look

Vectors are UN-like: the real paragraph vectors of an index when `--index` names one built
by searchapp (resampled with noise up to `--n`), else clustered synthetic vectors of the
model's width (a mixture of Gaussians, normalised: paragraphs on a few thousand topics).
Queries are noisy copies of random paragraphs. Reported: build time and memory of the
HNSW graph, recall@10 against the exact top 10, and per-query latency (p50/p95) of the
exact scan (what searchapp runs today) and of HNSW at several `expansion_search` values,
plus a filtered search (a facet keeping 10% of the paragraphs: over-fetch, then filter).

The design it supports (README, "Meaning-level search"): the exact scan up to a few hundred
thousand paragraphs; beyond, an HNSW graph per generation with `f16` vectors, searched for
`DEPTH * overfetch` neighbours and filtered, falling back to the exact scan over the subset
when a filter keeps fewer paragraphs than the scan can afford.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from searchapp.engine import dense
from searchapp.engine.embed import DIM  # the width of the model's vectors

K = 10
SEED = 20240917


def synthetic(n: int, dim: int, rng: np.random.Generator, topics: int = 2000) -> np.ndarray:
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, topics, n)]
    vectors += 0.9 * rng.standard_normal((n, dim)).astype(np.float32)
    return _unit(vectors)


def from_index(index: Path, n: int, rng: np.random.Generator) -> np.ndarray:
    """The vectors of a searchapp index: `n` of them, or all of them resampled with a
    little noise up to `n` rows."""
    from searchapp.engine import current_generation

    gen = current_generation(index)
    if gen is None:
        raise SystemExit(f"no index in {index}")
    manifest = json.loads((gen / dense.MANIFEST).read_text("utf-8"))
    stacked = dense.load(gen, manifest, int(manifest["docs"]))
    if stacked is None:
        raise SystemExit(f"no whole vectors in {gen}")
    real = stacked.array()
    real = real[np.linalg.norm(real, axis=1) > 0]
    if n <= len(real):
        return np.ascontiguousarray(real[rng.choice(len(real), n, replace=False)])
    picked = real[rng.integers(0, len(real), n)]
    return _unit(picked + _noise(picked.shape, 0.2, rng))


def _noise(shape: tuple[int, ...], norm: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise of about `norm` in length per row (next to unit vectors)."""
    return (norm / np.sqrt(shape[-1]) * rng.standard_normal(shape)).astype(np.float32)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, q: np.ndarray, k: int = K) -> np.ndarray:
    sims = vectors @ q
    top = np.argpartition(-sims, k)[:k]
    return top[np.argsort(-sims[top])]


def _percentiles(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": float(np.percentile(samples, 50)) * 1000,
        "p95_ms": float(np.percentile(samples, 95)) * 1000,
    }


def _recall(found: list[np.ndarray], truth: list[np.ndarray]) -> float:
    """Mean share of the exact top 10 that the approximate search returned."""
    pairs = zip(found, truth, strict=True)
    return float(np.mean([len(set(f.tolist()) & set(t.tolist())) / K for f, t in pairs]))


def _timed(fn: Any, queries: np.ndarray) -> tuple[list[Any], list[float]]:
    out, times = [], []
    for q in queries:
        start = time.perf_counter()
        out.append(fn(q))
        times.append(time.perf_counter() - start)
    return out, times


def measure(
    vectors: np.ndarray, queries: np.ndarray, expansions: tuple[int, ...], threads: int
) -> dict[str, Any]:
    from usearch.index import Index

    truth, exact_times = _timed(lambda q: exact_top(vectors, q), queries)
    result: dict[str, Any] = {
        "paragraphs": len(vectors),
        "dim": vectors.shape[1],
        "queries": len(queries),
        "exact": _percentiles(exact_times),
    }
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    index = Index(ndim=vectors.shape[1], metric="ip", dtype="f16", connectivity=16)
    start = time.perf_counter()
    index.add(np.arange(len(vectors)), vectors, threads=threads)
    result["hnsw_build_s"] = time.perf_counter() - start
    result["hnsw_memory_mib"] = index.memory_usage / 2**20
    result["process_maxrss_growth_mib"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    ) / 1024
    result["hnsw"] = {}
    for ef in expansions:
        index.expansion_search = ef
        found, times = _timed(lambda q: index.search(q, K).keys, queries)
        result["hnsw"][str(ef)] = {"recall_at_10": _recall(found, truth), **_percentiles(times)}
    result["filtered_10pct"] = _filtered(vectors, queries, index, len(vectors) // 10)
    return result


def _filtered(vectors: np.ndarray, queries: np.ndarray, index: Any, keep: int) -> dict[str, Any]:
    """A facet filter keeping `keep` paragraphs: HNSW over-fetching 20x then filtering, and
    the exact scan over the subset (what searchapp does today)."""
    rng = np.random.default_rng(SEED + 1)
    allowed = np.zeros(len(vectors), dtype=bool)
    allowed[rng.choice(len(vectors), keep, replace=False)] = True
    subset = np.flatnonzero(allowed)
    truth, scan_times = _timed(lambda q: subset[exact_top(vectors[subset], q)], queries)
    index.expansion_search = 20 * K

    def overfetch(q: np.ndarray) -> np.ndarray:
        keys = index.search(q, 20 * K).keys
        return keys[allowed[keys]][:K]

    found, times = _timed(overfetch, queries)
    return {
        "kept": keep,
        "exact_subset": _percentiles(scan_times),
        "hnsw_overfetch_20x": {"recall_at_10": _recall(found, truth), **_percentiles(times)},
    }


def run(
    n: int,
    queries: int = 200,
    index: Path | None = None,
    expansions: tuple[int, ...] = (16, 64, 128),
    threads: int = 2,
) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    vectors = from_index(index, n, rng) if index else synthetic(n, DIM, rng)
    picks = vectors[rng.integers(0, n, queries)]
    qs = _unit(picks + _noise(picks.shape, 0.5, rng))  # a cosine of about 0.9 to its source
    result = measure(vectors, qs, expansions, threads)
    result["vectors"] = f"resampled from {index}" if index else "synthetic (2,000 topics)"
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--index", type=Path, help="a searchapp index whose vectors to resample")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    print(json.dumps(run(args.n, args.queries, args.index, threads=args.threads), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
