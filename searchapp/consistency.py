"""One source of truth: the registry and the search index commit as one step, and any drift
between them is found and repaired.

The commit protocol (`commit`), for every change (`searchapp index`, `--rebuild`, `add`, the
admin pages), in four phases:

1. **segment**: the index writer writes its segments where no reader looks
   (`IndexWriter.prepare`): new segment files in the live generation, or a whole new
   generation folder;
2. **registry**: one SQLite transaction records the new ids, pids and fingerprints *and a
   journal row*: the generation and the Whoosh commit number that will hold the change, and
   the documents it touches;
3. **commit**: the index publishes in one atomic step (`IndexWriter.publish`): a new table of
   contents in the live generation, or CURRENT renamed to the new generation;
4. **swap**: derived data of the generation (the vocabulary table, and whatever joins
   `IndexWriter.finish`) is brought up to that commit; the journal row is cleared.

The registry is the source of truth and is committed first, so a reader never gets a hit whose
permalink the registry does not know. A crash before phase 2 leaves the registry as it was and
the half-written segments unused (the next writer removes them). A crash after it leaves the
journal row: the next writer (`recover`, under the writer lock, before anything else) sees
whether the index reached the journal's commit; if it did not, it rewrites the journal's
documents from the registry (delete by document, add the registry's paragraphs). That converges
to exactly one copy of every paragraph however often it is interrupted.

`check` compares the whole index with the whole registry (duplicates, paragraphs on one side
only, differing text), and repairs by rewriting the documents concerned the same way; it also
removes orphan generations and unused files, and takes over a lock whose owner died.

For tests, `SEARCHAPP_FAULT=<phase>` (segment, registry, commit or swap) makes the process
kill itself with SIGKILL when it reaches that phase: a crash exactly there, on demand;
`<phase>:stop` stops it there (SIGSTOP) until a test has changed the world (filled the disk,
say) and sends SIGCONT.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from searchapp.engine import IndexWriter, ParagraphRecord, store
from searchapp.engine.build import derived_stale, rebuild_derived, stored_paragraphs
from searchapp.engine.schema import record_to_fields
from searchapp.registry import DocumentRow, Journal, ParagraphRow, Registry

FAULT = "SEARCHAPP_FAULT"  # test only: the phase at which to SIGKILL this process
PHASES = ("segment", "registry", "commit", "swap")
STORED = (
    "doc_id",
    "pid",
    "paragraph",
    "text",
    "section",
    "section_label",
    "year",
    "date",
    "doc_title",
)

LOW_SPACE = 1 << 20  # bytes free under which a storage error is reported as a full disk

Records = Callable[[DocumentRow, list[ParagraphRow]], list[ParagraphRecord]]


class IndexNotWritten(Exception):
    """The index could not be written (a full disk, say); it is as it was before."""


def fault(phase: str) -> None:
    """Test-only crash point (`SEARCHAPP_FAULT`): a real SIGKILL, no cleanup of any kind (or a
    SIGSTOP, with `:stop`)."""
    wanted = os.environ.get(FAULT, "")
    if wanted == phase:
        os.kill(os.getpid(), signal.SIGKILL)
    elif wanted == f"{phase}:stop":
        os.kill(os.getpid(), signal.SIGSTOP)


def commit(
    writer: IndexWriter,
    registry: Registry,
    write_rows: Callable[[sqlite3.Connection], None],
    doc_ids: Sequence[str],
) -> None:
    """Commit the registry's rows (`write_rows`, in its transaction) and the writer's index
    changes as one step: see the module's docstring for the phases and what a crash leaves."""
    writer.prepare()
    fault("segment")
    with registry.transaction() as db:
        write_rows(db)
        if writer.changed:
            journal = Journal(writer.gen.name, writer.commit_number, writer.rebuild, list(doc_ids))
            registry.begin_journal(db, journal)
        fault("registry")
    writer.promise()
    fault("commit")
    writer.publish()
    fault("swap")
    writer.finish()
    if writer.changed:
        registry.end_journal()


def recover(index: Path, registry: Registry, records: Records) -> str | None:
    """Finish a commit interrupted after the registry's part (under the writer lock, before
    anything else writes); returns what was done, None when there was nothing to do."""
    journal = registry.journal()
    if journal is None:
        return None
    gen = index / journal.generation
    live = store.current_generation(index)
    if journal.rebuild:
        if live != gen:
            if not store.complete(gen):  # removed by hand: compare everything
                registry.end_journal()
                check(index, registry, records)
                return "repaired an interrupted rebuild whose generation was removed"
            store.publish(index, gen)
        done = f"finished an interrupted rebuild ({gen.name})"
    elif live == gen and store.committed(gen) >= journal.commit_no:
        done = "finished an interrupted commit"
    else:
        resync(index, registry, journal.doc_ids, records)
        done = f"redid an interrupted commit ({len(journal.doc_ids)} documents)"
    if derived_stale(index):
        rebuild_derived(index)
    registry.end_journal()
    return done


def resync(index: Path, registry: Registry, doc_ids: Iterable[str], records: Records) -> None:
    """Make the index hold exactly the registry's paragraphs of these documents."""
    with IndexWriter(index) as writer:
        for doc_id in sorted(set(doc_ids)):
            writer.delete_document(doc_id)
            row = registry.document(doc_id)
            if row is not None and row.live:
                writer.add_paragraphs(records(row, registry.paragraphs(doc_id)))
        if writer.rebuild:  # there was no live generation at all: every document
            for row, paragraphs in registry.live_paragraphs():
                if row.doc_id not in doc_ids:
                    writer.add_paragraphs(records(row, paragraphs))


def disk_error(exc: BaseException) -> bool:
    """Whether `exc` is the storage refusing a write (full, read-only, quota), not a bug."""
    if isinstance(exc, sqlite3.OperationalError):
        return any(word in str(exc) for word in ("full", "readonly", "disk I/O"))
    codes = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES)
    return isinstance(exc, OSError) and exc.errno in codes


def not_written(index: Path, exc: BaseException, registry: Registry) -> IndexNotWritten:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    with contextlib.suppress(OSError):
        free = shutil.disk_usage(index).free
        if free < LOW_SPACE and "No space" not in reason:
            reason = f"{reason} (No space left on device)"
    if registry.journal() is not None:  # failed after the registry's commit
        return IndexNotWritten(
            f"cannot finish writing the index in {index}: {reason}; searches answer from the "
            "previous state, and the next `searchapp index` completes this one"
        )
    return IndexNotWritten(
        f"cannot write the index in {index}: {reason}; it is as it was before this run "
        "(searches answer from it) and nothing half-written was kept"
    )


# -- the full check ------------------------------------------------------------------------------


@dataclass
class CheckReport:
    paragraphs_index: int = 0
    paragraphs_registry: int = 0
    duplicates: int = 0  # extra copies of paragraphs
    index_only: int = 0  # paragraphs the registry does not know (their permalinks 404)
    registry_only: int = 0  # paragraphs search cannot find
    differing: int = 0  # paragraphs whose stored fields differ from the registry's
    documents_repaired: int = 0
    orphan_generations: list[str] = field(default_factory=list)
    stray_files: int = 0
    lock: str | None = None  # a lock taken over from the leftovers of a dead owner
    recovered: str | None = None  # an interrupted commit that was finished
    vocabulary: bool = False  # the vocabulary table described another commit
    cluster: str | None = None  # what the Typesense cluster needed (replication.check)

    @property
    def consistent(self) -> bool:
        drift = (self.duplicates, self.index_only, self.registry_only, self.differing)
        leftovers = (self.orphan_generations, self.stray_files, self.lock, self.recovered)
        return not any(drift) and not any(leftovers) and not self.vocabulary and not self.cluster

    def lines(self) -> list[str]:
        found = [
            (self.duplicates, "duplicate paragraph copies removed"),
            (self.index_only, "paragraphs in the index but not the registry removed"),
            (self.registry_only, "paragraphs in the registry but not the index added"),
            (self.differing, "paragraphs that differed from the registry rewritten"),
            (len(self.orphan_generations), "orphan generations removed"),
            (self.stray_files, "unused index files removed"),
        ]
        out = [f"{n} {what}" for n, what in found if n]
        if self.documents_repaired:
            out.append(f"{self.documents_repaired} documents rewritten from the registry")
        if self.lock:
            out.append(f"stale writer lock taken over ({self.lock})")
        if self.recovered:
            out.append(f"{self.recovered}")
        if self.vocabulary:
            out.append("vocabulary recounted (it described another commit)")
        if self.cluster:
            out.append(self.cluster)
        verdict = "consistent" if self.consistent else "repaired"
        counts = f"{self.paragraphs_index} paragraphs in the index, {self.paragraphs_registry}"
        return [*out, f"check: {verdict}; {counts} in the registry"]


def check(
    index: Path, registry: Registry, records: Records, report: CheckReport | None = None
) -> CheckReport:
    """Compare the live generation with the registry and repair every difference (under the
    writer lock). Also removes orphan generations and files no commit uses."""
    report = report or CheckReport()
    report.orphan_generations = _remove_orphans(index)
    live = store.current_generation(index)
    if live is not None:
        report.stray_files += len(store.discard_uncommitted(live))
    expected = _expected(registry, records)
    seen: Counter[str] = Counter()
    wrong: set[str] = set()
    if live is not None:
        for fields in stored_paragraphs(index):
            key = f"{fields['doc_id']}/{fields['pid']}"
            seen[key] += 1
            want = expected.get(key)
            if want is None:
                report.index_only += 1
                wrong.add(str(fields["doc_id"]))
            elif seen[key] > 1:
                report.duplicates += 1
                wrong.add(str(fields["doc_id"]))
            elif any(fields.get(name) != want.get(name) for name in STORED):
                report.differing += 1
                wrong.add(str(fields["doc_id"]))
    for key, want in expected.items():
        if key not in seen:
            report.registry_only += 1
            wrong.add(str(want["doc_id"]))
    report.paragraphs_index = sum(seen.values())
    report.paragraphs_registry = len(expected)
    if wrong or (live is None and expected):
        resync(index, registry, wrong, records)
        report.documents_repaired = len(wrong)
    if derived_stale(index):
        report.vocabulary = True
        rebuild_derived(index)
    return report


def _expected(registry: Registry, records: Records) -> dict[str, dict[str, object]]:
    """The stored fields the index should hold, by "doc_id/pid"."""
    expected = {}
    for row, paragraphs in registry.live_paragraphs():
        for rec in records(row, paragraphs):
            fields = record_to_fields(rec)
            # The text field searches the heading and notes too but stores the paragraph's
            # own words: those are what a stored paragraph holds.
            fields["text"] = fields.pop("_stored_text", fields["text"])
            expected[str(fields["key"])] = fields
    return expected


def _remove_orphans(index: Path) -> list[str]:
    """Generation folders that are neither live nor the one just before it (kept for readers
    that still answer from it)."""
    live = store.current_generation(index)
    gens = sorted(p for p in index.glob(f"{store.GEN_PREFIX}*") if p.is_dir())
    older = [g for g in gens if live is not None and g.name < live.name]
    keep = {live, older[-1] if older else None}
    orphans = [g for g in gens if g not in keep]
    for gen in orphans:
        shutil.rmtree(gen, ignore_errors=True)
    return [g.name for g in orphans]
