"""The registry: what was indexed, under which ids, and what became of every pid.

An SQLite database beside the search index. It is the memory that makes links permanent:
document ids by file, each document's paragraphs by pid, retired pids (removed or merged),
and the fingerprint of every indexed file so that reindexing only touches what changed.

It is the source of truth: it is committed before the search index, together with a journal
row naming the index commit that must follow (see `searchapp/consistency.py`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from searchapp.corpus.model import Metadata

FILENAME = "registry.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY,
    doc_id TEXT UNIQUE NOT NULL,
    path TEXT,
    live INTEGER NOT NULL DEFAULT 1,
    fingerprint TEXT,
    metadata TEXT NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    next_pid INTEGER NOT NULL DEFAULT 1,
    paragraphs INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_live_path ON documents(path) WHERE live = 1;
CREATE TABLE IF NOT EXISTS paragraphs (
    doc_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    section TEXT NOT NULL,
    section_label TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '[]',
    printed TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (doc_id, pid)
);
CREATE INDEX IF NOT EXISTS paragraphs_order ON paragraphs(doc_id, number);
-- When each document entered the index (feeds date their entries by it). Documents of a
-- registry older than this table get the time the table was made.
CREATE TABLE IF NOT EXISTS document_added (
    doc_id TEXT PRIMARY KEY,
    added TEXT NOT NULL
);
INSERT OR IGNORE INTO document_added
    SELECT doc_id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM documents;
CREATE TABLE IF NOT EXISTS retired (
    doc_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    merged_into INTEGER,
    nearest INTEGER,
    text TEXT NOT NULL,
    PRIMARY KEY (doc_id, pid)
);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation TEXT NOT NULL,
    commit_no INTEGER NOT NULL,
    rebuild INTEGER NOT NULL,
    doc_ids TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class DocumentRow:
    seq: int
    doc_id: str
    path: str | None
    live: bool
    fingerprint: str | None
    metadata: Metadata
    warnings: list[str]
    next_pid: int
    paragraphs: int


@dataclass(frozen=True)
class ParagraphRow:
    doc_id: str
    pid: int
    number: int
    text: str
    section: str
    section_label: str
    notes: tuple[str, ...] = ()  # editorial footnotes on the paragraph
    printed: str = ""  # the number the document prints ("13"), "" if none


def _paragraph(row: sqlite3.Row) -> ParagraphRow:
    fields = dict(row)
    # A registry written before notes existed has no such column: no notes.
    fields["notes"] = tuple(json.loads(fields.get("notes") or "[]"))
    return ParagraphRow(**fields)


@dataclass(frozen=True)
class RetiredRow:
    doc_id: str
    pid: int
    merged_into: int | None
    nearest: int | None
    text: str


@dataclass(frozen=True)
class Journal:
    """A registry commit whose index commit may not have happened: the generation folder
    and the Whoosh commit number that hold it, whether that generation replaces the live
    one (a rebuild), and the documents whose paragraphs changed."""

    generation: str
    commit_no: int
    rebuild: bool
    doc_ids: list[str]


def _meta_to_json(meta: Metadata) -> str:
    return json.dumps({k: getattr(meta, k) for k in meta.__dataclass_fields__})


def _meta_from_json(text: str) -> Metadata:
    data = json.loads(text)
    return Metadata(**{k: v for k, v in data.items() if k in Metadata.__dataclass_fields__})


def _doc(row: sqlite3.Row) -> DocumentRow:
    return DocumentRow(
        seq=row["seq"],
        doc_id=row["doc_id"],
        path=row["path"],
        live=bool(row["live"]),
        fingerprint=row["fingerprint"],
        metadata=_meta_from_json(row["metadata"]),
        warnings=json.loads(row["warnings"]),
        next_pid=row["next_pid"],
        paragraphs=row["paragraphs"],
    )


# Columns of `paragraphs` that older registries lack, with their definitions: added on open,
# empty until the documents are indexed again.
_LATER_COLUMNS = {
    "notes": "TEXT NOT NULL DEFAULT '[]'",
    "printed": "TEXT NOT NULL DEFAULT ''",
}


def _add_later_columns(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(paragraphs)")}
    for name, definition in _LATER_COLUMNS.items():
        if name not in columns:
            db.execute(f"ALTER TABLE paragraphs ADD COLUMN {name} {definition}")


class Registry:
    """One connection per thread; readers never block the writer (WAL)."""

    def __init__(self, index_root: Path, readonly: bool = False) -> None:
        self.path = index_root / FILENAME
        self.readonly = readonly
        self._local = threading.local()
        if not readonly:
            index_root.mkdir(parents=True, exist_ok=True)
            with self.transaction() as db:
                db.executescript(SCHEMA)
                _add_later_columns(db)

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.readonly:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
            else:
                conn = sqlite3.connect(self.path, timeout=10)
                conn.execute("PRAGMA journal_mode=WAL")
                # A commit is on disk before the index commit that follows it is written.
                conn.execute("PRAGMA synchronous=FULL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (a writer's, when its run is over)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        with db:
            yield db

    # -- reading --------------------------------------------------------------------

    def manifest(self) -> dict[str, str]:
        rows = self.db.execute("SELECT path, fingerprint FROM documents WHERE live = 1")
        return {r["path"]: r["fingerprint"] for r in rows}

    def document(self, doc_id: str) -> DocumentRow | None:
        row = self.db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return _doc(row) if row else None

    def document_for_path(self, path: str) -> DocumentRow | None:
        row = self.db.execute(
            "SELECT * FROM documents WHERE path = ? ORDER BY live DESC, seq DESC", (path,)
        ).fetchone()
        return _doc(row) if row else None

    def documents(self) -> list[DocumentRow]:
        return [_doc(r) for r in self.db.execute("SELECT * FROM documents WHERE live = 1")]

    def live_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM documents WHERE live = 1").fetchone()[0])

    def doc_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT doc_id FROM documents")}

    def added(self, doc_ids: list[str]) -> dict[str, str]:
        """When each of `doc_ids` entered the index (ISO 8601, UTC)."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self.db.execute(
            f"SELECT doc_id, added FROM document_added WHERE doc_id IN ({marks})", doc_ids
        )
        return {r["doc_id"]: r["added"] for r in rows}

    def paragraphs(self, doc_id: str) -> list[ParagraphRow]:
        rows = self.db.execute(
            "SELECT * FROM paragraphs WHERE doc_id = ? ORDER BY number", (doc_id,)
        )
        return [_paragraph(r) for r in rows]

    def paragraph(self, doc_id: str, pid: int) -> ParagraphRow | None:
        row = self.db.execute(
            "SELECT * FROM paragraphs WHERE doc_id = ? AND pid = ?", (doc_id, pid)
        ).fetchone()
        return _paragraph(row) if row else None

    def printed(self, doc_id: str, pid: int) -> str:
        """The paragraph's printed number, "" if it has none (or the registry predates them)."""
        try:
            row = self.db.execute(
                "SELECT printed FROM paragraphs WHERE doc_id = ? AND pid = ?", (doc_id, pid)
            ).fetchone()
        except sqlite3.OperationalError:  # a read-only registry without the column
            return ""
        return str(row[0]) if row else ""

    def retired(self, doc_id: str, pid: int) -> RetiredRow | None:
        row = self.db.execute(
            "SELECT * FROM retired WHERE doc_id = ? AND pid = ?", (doc_id, pid)
        ).fetchone()
        return RetiredRow(**dict(row)) if row else None

    def retired_paragraphs(self, doc_id: str) -> list[tuple[int, str]]:
        """(pid, text) of the paragraphs retired without a merge target, by pid."""
        rows = self.db.execute(
            "SELECT pid, text FROM retired WHERE doc_id = ? AND merged_into IS NULL ORDER BY pid",
            (doc_id,),
        )
        return [(r["pid"], r["text"]) for r in rows]

    # -- writing (inside `transaction`) ------------------------------------------------

    def save_document(
        self,
        db: sqlite3.Connection,
        doc: DocumentRow,
        paragraphs: list[ParagraphRow],
        retired: list[RetiredRow],
    ) -> None:
        db.execute(
            """INSERT INTO documents
               (seq, doc_id, path, live, fingerprint, metadata, warnings, next_pid, paragraphs)
               VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)
               ON CONFLICT(doc_id) DO UPDATE SET path = excluded.path, live = 1,
                 fingerprint = excluded.fingerprint, metadata = excluded.metadata,
                 warnings = excluded.warnings, next_pid = excluded.next_pid,
                 paragraphs = excluded.paragraphs""",
            (
                doc.seq,
                doc.doc_id,
                doc.path,
                doc.fingerprint,
                _meta_to_json(doc.metadata),
                json.dumps(doc.warnings),
                doc.next_pid,
                len(paragraphs),
            ),
        )
        db.execute(
            "INSERT OR IGNORE INTO document_added VALUES (?, strftime(?, 'now'))",
            (doc.doc_id, "%Y-%m-%dT%H:%M:%SZ"),
        )
        db.execute("DELETE FROM paragraphs WHERE doc_id = ?", (doc.doc_id,))
        db.executemany(
            "INSERT INTO paragraphs"
            " (doc_id, pid, number, text, section, section_label, notes, printed)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    p.doc_id,
                    p.pid,
                    p.number,
                    p.text,
                    p.section,
                    p.section_label,
                    json.dumps(p.notes),
                    p.printed,
                )
                for p in paragraphs
            ],
        )
        # A pid that is live again (its document came back) is no longer retired.
        db.executemany(
            "DELETE FROM retired WHERE doc_id = ? AND pid = ?",
            [(p.doc_id, p.pid) for p in paragraphs],
        )
        db.executemany(
            "INSERT OR REPLACE INTO retired VALUES (?, ?, ?, ?, ?)",
            [(r.doc_id, r.pid, r.merged_into, r.nearest, r.text) for r in retired],
        )

    def remove_document(self, db: sqlite3.Connection, doc_id: str) -> None:
        """The file is gone: its id stays taken and its links answer 410."""
        db.execute(
            "INSERT OR REPLACE INTO retired SELECT doc_id, pid, NULL, NULL, text "
            "FROM paragraphs WHERE doc_id = ?",
            (doc_id,),
        )
        db.execute("DELETE FROM paragraphs WHERE doc_id = ?", (doc_id,))
        db.execute("UPDATE documents SET live = 0, fingerprint = NULL WHERE doc_id = ?", (doc_id,))

    def refresh_fingerprints(self, fingerprints: dict[str, str]) -> None:
        """Files touched but identical (path -> new fingerprint): recorded, so that the
        next run knows them by time and size again instead of reading every one."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE documents SET fingerprint = ? WHERE path = ? AND live = 1",
                [(fp, path) for path, fp in fingerprints.items()],
            )

    def begin_journal(self, db: sqlite3.Connection, journal: Journal) -> None:
        db.execute(
            "INSERT OR REPLACE INTO journal VALUES (1, ?, ?, ?, ?)",
            (
                journal.generation,
                journal.commit_no,
                int(journal.rebuild),
                json.dumps(journal.doc_ids),
            ),
        )

    def end_journal(self) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM journal")

    def journal(self) -> Journal | None:
        row = self.db.execute("SELECT * FROM journal").fetchone()
        if row is None:
            return None
        return Journal(
            row["generation"], row["commit_no"], bool(row["rebuild"]), json.loads(row["doc_ids"])
        )

    def live_paragraphs(self) -> Iterator[tuple[DocumentRow, list[ParagraphRow]]]:
        """Every live document with its paragraphs, in document order."""
        for doc in sorted(self.documents(), key=lambda d: d.seq):
            yield doc, self.paragraphs(doc.doc_id)

    def next_seq(self) -> int:
        row = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM documents").fetchone()
        return int(row[0])
