"""The growth plot: latency p50 against corpus size, per query mix and engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.queries import MIXES

COLORS = {"ours": "tab:red", "fts5": "tab:blue", "tantivy": "tab:green"}
LABELS = {"ours": "searchapp (Whoosh)", "fts5": "SQLite FTS5", "tantivy": "Tantivy"}


def growth_series(results: dict[str, Any], engine: str, mix: str) -> list[tuple[int, float]]:
    points = []
    for c in results["corpora"]:
        figures = c.get("search", {}).get(engine, {}).get(mix)
        if figures is not None:
            points.append((int(c["paragraphs"]), float(figures["median"])))
    return sorted(points)


def write_plot(results: dict[str, Any], path: Path) -> bool:
    """Draws the plot; returns False (and draws nothing) when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(1, len(MIXES), figsize=(13, 4.2), sharey=True)
    for ax, mix in zip(axes, MIXES, strict=True):
        for engine, color in COLORS.items():
            points = growth_series(results, engine, mix)
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, marker="o", color=color, label=LABELS[engine])
        ax.set_title(f"{mix} queries")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("paragraphs in the corpus")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("latency p50 (ms), top 10 + excerpts + facets")
    axes[0].legend()
    fig.suptitle("Search latency p50 against corpus size")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
