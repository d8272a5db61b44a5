"""Writing the registry's commits to a replicated engine (`SEARCHAPP_ENGINE=typesense`).

The registry stays the source of truth for ids and pids: after the indexer's commit, the
documents it touched are copied from the registry to the cluster. Those owed to the cluster
are written to `PENDING` first, so a run that could not reach it (or was killed) is made
good by the next one; a cluster without the collection, or holding another number of
paragraphs than the registry, gets a full build into a new collection behind the alias.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from searchapp.config import load_engine_settings
from searchapp.consistency import Records
from searchapp.engine.backends import replica
from searchapp.engine.schema import ParagraphRecord
from searchapp.registry import Registry

PENDING = "replica-pending.json"


def replicate(index: Path, doc_ids: Iterable[str], rebuild: bool, records: Records) -> str | None:
    """Bring the cluster up to the registry for `doc_ids` (everything with `rebuild`); a
    warning when the cluster could not be reached (the documents stay owed), else None."""
    target = replica(load_engine_settings())
    if target is None:
        return None
    owed = _owed(index) | set(doc_ids)
    _save_owed(index, owed)
    registry = Registry(index, readonly=True)
    try:
        expected = sum(row.paragraphs for row in registry.documents() if row.live)
        if not rebuild and target.live_count() is not None:
            # The owed documents first: only then must the counts agree (comparing before
            # made every commit that changed a count a full rebuild).
            target.replace({doc_id: _records_of(registry, doc_id, records) for doc_id in owed})
            target.settle(expected)
            rebuild = target.live_count() != expected
        if rebuild or target.live_count() is None:
            target.rebuild(_all_records(registry, records))
            target.settle(expected)
    except Exception as exc:  # the client's errors: refused, timed out, no node
        return f"the Typesense cluster was not updated ({exc}); `searchapp index` retries"
    finally:
        registry.close()
    (index / PENDING).unlink(missing_ok=True)
    return None


def check(index: Path, records: Records) -> str | None:
    """`searchapp index --check` on a cluster: documents whose paragraph count on any node
    differs from the registry's (or that the registry no longer has) are sent again, through
    the leader, so that every node applies them (a node that missed writes catches up).
    A line saying what was repaired, or that the cluster could not be reached; None when
    every node agreed (or no cluster is configured)."""
    target = replica(load_engine_settings())
    if target is None:
        return None
    registry = Registry(index, readonly=True)
    try:
        expected = {row.doc_id: row.paragraphs for row in registry.documents() if row.live}
        if target.live_count() is None:
            target.rebuild(_all_records(registry, records))
            return f"cluster: collection built again ({sum(expected.values())} paragraphs)"
        wrong = {
            doc_id
            for held in target.paragraphs_on_each_node(len(expected) + 1000)
            for doc_id in expected.keys() | held.keys()
            if expected.get(doc_id, 0) != held.get(doc_id, 0)
        }
        if not wrong:
            return None
        target.replace({d: _records_of(registry, d, records) for d in wrong})
        target.settle(sum(expected.values()))
    except Exception as exc:  # the client's errors: refused, timed out, no node
        return f"cluster: not checked ({exc})"
    finally:
        registry.close()
    return f"cluster: {len(wrong)} documents sent again (their paragraphs differed)"


def _records_of(registry: Registry, doc_id: str, records: Records) -> list[ParagraphRecord]:
    row = registry.document(doc_id)
    if row is None or not row.live:
        return []
    return records(row, registry.paragraphs(doc_id))


def _all_records(registry: Registry, records: Records) -> Iterator[ParagraphRecord]:
    for row, paragraphs in registry.live_paragraphs():
        yield from records(row, paragraphs)


def _owed(index: Path) -> set[str]:
    try:
        return set(json.loads((index / PENDING).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return set()


def _save_owed(index: Path, owed: set[str]) -> None:
    tmp = index / f"{PENDING}.tmp"
    tmp.write_text(json.dumps(sorted(owed)), encoding="utf-8")
    os.replace(tmp, index / PENDING)
