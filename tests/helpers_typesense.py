"""Typesense nodes for the tests: `benchmarks.typesense_cluster` (shared with `make bench`),
with the test skipped, and the reason given, where the server binary cannot run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks import typesense_cluster as shared
from benchmarks.typesense_cluster import API_KEY, Cluster, ClusterUnavailable, Node

__all__ = ["API_KEY", "Cluster", "Node", "typesense_cluster"]


@contextmanager
def typesense_cluster(root: Path, size: int = 1) -> Iterator[Cluster]:
    try:
        shared.server_binary()
    except ClusterUnavailable as exc:
        pytest.skip(str(exc))
    with shared.typesense_cluster(root, size) as cluster:
        yield cluster
