"""Bringing the index up to date with the documents folder.

Only added, changed and removed files are processed (content fingerprints); `rebuild` reads
everything into a fresh index generation that replaces the live one in one step. The registry
and the index commit as one step (`consistency.commit`); a run first finishes any commit a
crash interrupted (`consistency.recover`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from searchapp import consistency, reuse
from searchapp.corpus import load_catalog, load_document, skip_reason
from searchapp.corpus.catalog import CATALOG_NAME as CATALOG
from searchapp.corpus.model import Document, Metadata, UnreadableFile
from searchapp.engine import IndexWriter, ParagraphRecord, current_generation, dense, writer_lock
from searchapp.engine.store import LockInfo
from searchapp.identity import document_id, match_paragraphs
from searchapp.registry import DocumentRow, ParagraphRow, Registry, RetiredRow
from searchapp.replication import check as check_replica
from searchapp.replication import replicate

DATE_UNIT = 10**12  # must match the engine's decoding of `order`
UNKNOWN_DATE_DAYS = 10**6  # after every real date: undated documents sort last

Progress = Callable[[int, int, str], None]


@dataclass
class IndexSummary:
    added: list[str] = field(default_factory=list)  # doc ids
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why not a document)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0
    paragraphs: int = 0  # paragraphs written in this run
    seconds: float = 0.0
    rebuilt: bool = False
    embedded: int = 0  # paragraph vectors computed in this run
    unreplicated: str | None = None  # why the cluster (SEARCHAPP_ENGINE=typesense) lags

    def line(self) -> str:
        what = "rebuilt" if self.rebuilt else "indexed"
        return (
            f"{what}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed, {len(self.skipped)} skipped; {self.documents} documents, "
            f"{self.paragraphs} paragraphs written in {self.seconds:.2f} s"
        )


def scan(documents: Path, skipped: list[tuple[str, str]] | None = None) -> list[str]:
    """Relative paths of every document file below `documents` (hidden ones left out),
    sorted; the other files, with the reason (corpus.skip_reason), go to `skipped`. Plain
    os.scandir: pathlib costs more than the walk itself on 30,000 files, and a directory
    entry knows a regular file without the stat that os.path.isfile costs (quick_key
    stats each file once anyway)."""
    found = []
    folders = [(str(documents), "")]
    while folders:
        folder, base = folders.pop()
        try:
            entries = os.scandir(folder)
        except OSError:  # unreadable or gone meanwhile: skipped, as os.walk did
            continue
        with entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel = base + entry.name
                if entry.is_dir():  # follows symlinks, as a documents folder may link others
                    folders.append((entry.path, rel + "/"))
                elif rel != CATALOG and entry.is_file():
                    reason = skip_reason(rel)
                    if reason is None:
                        found.append(rel)
                    elif skipped is not None:
                        skipped.append((rel, reason))
    if skipped is not None:
        skipped.sort()
    return sorted(found)


def quick_key(path: str, given: str) -> str:
    """What changes when a file or its given metadata (`Catalog.key`) changes, without
    reading the file."""
    st = os.stat(path)
    return f"{st.st_mtime_ns}:{st.st_size}:{given}"


def legacy_quick_key(quick: str, given: Metadata | None) -> str:
    """`quick` with the metadata part registries made before `Catalog.key` hold: a hash of
    the parsed row. Compared only when the new key differs, so that the first run after the
    upgrade parses every row once instead of reading every file again."""
    legacy = hashlib.sha256(repr(given).encode()).hexdigest()[:16]
    return f"{quick.rsplit(':', 1)[0]}:{legacy}"


def fingerprint(path: str, quick: str) -> str:
    """`quick` plus the content hash: "mtime:size:meta:sha256"."""
    with open(path, "rb") as f:
        return f"{quick}:{hashlib.sha256(f.read()).hexdigest()}"


def _unchanged(old: str | None, quick: str, path: str) -> tuple[bool, str]:
    """Whether the file is as indexed, and its fingerprint. The file is read only when its
    time or size moved (a touched but identical file still counts as unchanged)."""
    if old is not None and old.rsplit(":", 1)[0] == quick:
        return True, old
    fp = fingerprint(path, quick)
    same = old is not None and old.split(":")[2:] == fp.split(":")[2:]
    return same, fp


def _is_as_indexed(
    old: str | None, quick: str, path: str, given: Callable[[], Metadata | None]
) -> tuple[bool, str]:
    """`_unchanged`; for a fingerprint whose metadata part is the older kind
    (`legacy_quick_key` of the parsed row, `given()`), against that part, so that an
    untouched file of an older registry is not read, and the fingerprint returned carries
    today's metadata part."""
    if old is not None and old.split(":")[2] != quick.split(":")[2]:
        legacy = legacy_quick_key(quick, given())
        if old.split(":")[2] == legacy.split(":")[2]:
            same, fp = _unchanged(old, legacy, path)
            return same, f"{quick}:{fp.rsplit(':', 1)[1]}"
    return _unchanged(old, quick, path)


def order_key(date: str | None, seq: int, number: int) -> int:
    days = UNKNOWN_DATE_DAYS
    if date:
        parts = [int(p) for p in date.split("-")] + [1, 1]
        try:
            days = dt.date(parts[0], parts[1], parts[2]).toordinal()
        except ValueError:
            days = UNKNOWN_DATE_DAYS
    return days * DATE_UNIT + seq * 10**6 + number


def update_index(
    documents: Path,
    index: Path,
    rebuild: bool = False,
    progress: Progress | None = None,
    wait: float = 0.0,
    embed_limit: int | None = None,
) -> IndexSummary:
    """Bring `index` up to date with `documents`. Raises engine.IndexBusy if another
    indexer holds the index (after waiting `wait` seconds for it), consistency.IndexNotWritten
    if the disk refuses the writes. The paragraph vectors follow (engine/dense.py); with
    `embed_limit`, only when no more paragraphs than that need embedding (a server embeds
    the rest in the background)."""
    started = time.perf_counter()
    summary = IndexSummary()
    with writer_lock(index, wait) as lock:
        if lock.killed:
            summary.warnings.append((str(index), _takeover_note(lock)))
        try:
            _update(documents, index, rebuild, progress, summary)
        except (OSError, sqlite3.OperationalError) as exc:
            if not consistency.disk_error(exc):
                raise
            raise consistency.not_written(index, exc, Registry(index, readonly=True)) from exc
        _embed(index, embed_limit, summary)
        touched = summary.added + summary.changed + summary.removed
        summary.unreplicated = replicate(index, touched, summary.rebuilt, _records)
        if summary.unreplicated:
            summary.warnings.append((str(index), summary.unreplicated))
    summary.seconds = time.perf_counter() - started
    return summary


def _embed(index: Path, embed_limit: int | None, summary: IndexSummary) -> None:
    """The paragraph vectors of the generation just committed (engine/dense.py). They are
    derived data, checked against the generation before use: failing to write them leaves
    the index as committed, searched lexically until a later run embeds it."""
    gen = current_generation(index)
    if gen is None:
        return
    try:
        summary.embedded = dense.update(gen, embed_limit).embedded
    except OSError as exc:
        summary.warnings.append((str(index), f"paragraph vectors not written ({exc})"))


def _takeover_note(lock: LockInfo) -> str:
    pids = ", ".join(map(str, lock.killed))
    return (
        f"took over the writer lock from process(es) {pids} left by dead indexer {lock.taken_from}"
    )


def _update(
    documents: Path, index: Path, rebuild: bool, progress: Progress | None, summary: IndexSummary
) -> None:
    registry = Registry(index)
    try:
        _update_with(registry, documents, index, rebuild, progress, summary)
    finally:
        registry.close()


def _update_with(
    registry: Registry,
    documents: Path,
    index: Path,
    rebuild: bool,
    progress: Progress | None,
    summary: IndexSummary,
) -> None:
    recovered = consistency.recover(index, registry, _records)
    if recovered:
        summary.warnings.append((str(index), recovered))
    catalog_warnings: list[str] = []  # of the rows read: those of the files this run reads
    catalog = load_catalog(documents, catalog_warnings)
    manifest = registry.manifest()
    files = scan(documents, summary.skipped)
    with IndexWriter(index, rebuild=rebuild) as writer:
        summary.rebuilt = writer.rebuild
        todo, touched_only = [], {}
        for rel in files:
            # Paths as strings: a pathlib path per file cost more than its stat.
            path = os.path.join(documents, rel)
            quick = quick_key(path, catalog.key(rel))
            same, fp = _is_as_indexed(manifest.get(rel), quick, path, partial(catalog.get, rel))
            if writer.rebuild or not same:
                todo.append((rel, fp))
            else:
                summary.unchanged += 1
                if fp != manifest[rel]:
                    touched_only[rel] = fp
        if touched_only:
            registry.refresh_fingerprints(touched_only)
        present = set(files)
        gone = [rel for rel in manifest if rel not in present]
        pending: list[tuple[DocumentRow, list[ParagraphRow], list[RetiredRow]]] = []
        for n, (rel, fp) in enumerate(todo, 1):
            if progress:
                progress(n, len(todo), rel)
            try:
                doc = load_document(documents / rel, documents, catalog.get(rel))
            except UnreadableFile as exc:
                summary.failed.append((rel, str(exc)))
                if writer.rebuild and rel in manifest:
                    # Keep serving the last good version rather than losing the document.
                    _carry_over(registry, writer, rel)
                continue
            previous = registry.document_for_path(rel)
            row, paragraphs, retired = _identify(registry, doc, fp, previous, pending)
            if previous is not None and previous.live:
                writer.delete_document(row.doc_id)  # its paragraphs as last indexed
            writer.add_paragraphs(_records(row, paragraphs))
            pending.append((row, paragraphs, retired))
            summary.paragraphs += len(paragraphs)
            summary.warnings += [(rel, w) for w in doc.warnings]
            is_new = previous is None or not previous.live or rel not in manifest
            (summary.added if is_new else summary.changed).append(row.doc_id)
        removed_ids, removed_seqs = [], []
        for rel in gone:
            previous = registry.document_for_path(rel)
            if previous is not None and previous.live:
                writer.delete_document(previous.doc_id)
                removed_ids.append(previous.doc_id)
                removed_seqs.append(previous.seq)

        def write_rows(db: sqlite3.Connection) -> None:
            for row, paragraphs, retired in pending:
                registry.save_document(db, row, paragraphs, retired)
            for doc_id in removed_ids:
                registry.remove_document(db, doc_id)
            # Reuse links commit with the paragraphs they link (see reuse.py).
            reuse.update(
                db, [(row.seq, paragraphs) for row, paragraphs, _ in pending], removed_seqs
            )

        touched = [row.doc_id for row, _, _ in pending] + removed_ids
        consistency.commit(writer, registry, write_rows, touched)
    summary.warnings += [(CATALOG, w.removeprefix(f"{CATALOG}, ")) for w in catalog_warnings]
    summary.removed = removed_ids
    summary.documents = registry.live_count()


def check_index(index: Path) -> consistency.CheckReport:
    """`searchapp index --check`: finish an interrupted commit, then compare the index with
    the registry and repair every difference (see consistency.check)."""
    with writer_lock(index) as lock:
        report = consistency.CheckReport()
        if lock.killed:
            report.lock = _takeover_note(lock)
        registry = Registry(index)
        try:
            report.recovered = consistency.recover(index, registry, _records)
            report = consistency.check(index, registry, _records, report)
        finally:
            registry.close()
        report.cluster = check_replica(index, _records)
        return report


def _identify(
    registry: Registry,
    doc: Document,
    fp: str,
    previous: DocumentRow | None,
    pending: Iterable[tuple[DocumentRow, list[ParagraphRow], list[RetiredRow]]],
) -> tuple[DocumentRow, list[ParagraphRow], list[RetiredRow]]:
    """The document's id (kept if it had one) and its paragraphs' pids (carried over)."""
    if previous is not None:
        doc_id, seq, next_pid = previous.doc_id, previous.seq, previous.next_pid
        if previous.live:
            old = [(p.pid, p.text) for p in registry.paragraphs(doc_id)]
        else:
            # The file was removed and is back: its paragraphs get their old links back.
            old = registry.retired_paragraphs(doc_id)
    else:
        taken = registry.doc_ids() | {row.doc_id for row, _, _ in pending}
        doc_id = document_id(doc.metadata, doc.path, taken)
        seq = registry.next_seq() + sum(1 for _ in pending)
        next_pid, old = 1, []
    match = match_paragraphs(old, [p.text for p in doc.paragraphs], next_pid)
    paragraphs = [
        ParagraphRow(
            doc_id,
            pid,
            p.number,
            p.text,
            p.section,
            p.section_label,
            tuple(p.notes),
            p.printed,
        )
        for pid, p in zip(match.pids, doc.paragraphs, strict=True)
    ]
    old_text = dict(old)
    retired = [
        RetiredRow(doc_id, pid, None, nearest, old_text[pid])
        for pid, nearest in match.removed.items()
    ] + [RetiredRow(doc_id, pid, into, None, old_text[pid]) for pid, into in match.merged.items()]
    row = DocumentRow(
        seq=seq,
        doc_id=doc_id,
        path=doc.path,
        live=True,
        fingerprint=fp,
        metadata=doc.metadata,
        warnings=doc.warnings,
        next_pid=match.next_pid,
        paragraphs=len(paragraphs),
    )
    return row, paragraphs, retired


def _records(row: DocumentRow, paragraphs: list[ParagraphRow]) -> list[ParagraphRecord]:
    meta = row.metadata
    title = meta.title or row.doc_id
    labels = [p.section_label for p in paragraphs]
    return [
        ParagraphRecord(
            doc_id=row.doc_id,
            pid=p.pid,
            paragraph=p.number,
            text=p.text,
            section=p.section,
            section_label=p.section_label,
            year=meta.year,
            date=meta.date,
            doc_title=title,
            order=order_key(meta.date, row.seq, p.number),
            parties=tuple(meta.parties),
            notes=p.notes,
            # A printed heading is searched with the paragraph it opens, not only shown.
            heading=p.section_label if i == 0 or labels[i - 1] != p.section_label else "",
        )
        for i, p in enumerate(paragraphs)
    ]


def _carry_over(registry: Registry, writer: IndexWriter, rel: str) -> None:
    row = registry.document_for_path(rel)
    if row is not None and row.live:
        writer.add_paragraphs(_records(row, registry.paragraphs(row.doc_id)))
