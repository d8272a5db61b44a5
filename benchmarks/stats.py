"""Small statistics helpers: medians and percentiles of timings."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """Median and 95th percentile of a series of measurements, with how many there were."""

    median: float
    p95: float
    n: int

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "p95": self.p95, "n": self.n}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = math.floor(pos)
    high = math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize(values: Sequence[float]) -> Summary:
    return Summary(median=percentile(values, 50), p95=percentile(values, 95), n=len(values))


def time_ms(fn: Callable[[], object]) -> float:
    """Wall time of one call, in milliseconds."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000.0
