"""The registry: what was indexed, under which ids, and what became of every pid.

An SQLite database beside the search index. It is the memory that makes links permanent:
document ids by file, each document's paragraphs by pid, retired pids (removed or merged),
and the fingerprint of every indexed file so that reindexing only touches what changed.
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
    printed TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (doc_id, pid)
);
CREATE INDEX IF NOT EXISTS paragraphs_order ON paragraphs(doc_id, number);
CREATE TABLE IF NOT EXISTS retired (
    doc_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    merged_into INTEGER,
    nearest INTEGER,
    text TEXT NOT NULL,
    PRIMARY KEY (doc_id, pid)
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
    printed: str = ""  # the number the document prints ("13"), "" if none


@dataclass(frozen=True)
class RetiredRow:
    doc_id: str
    pid: int
    merged_into: int | None
    nearest: int | None
    text: str


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


def _add_printed_column(db: sqlite3.Connection) -> None:
    """A registry made before printed numbers were kept gains the column (empty until the
    documents are indexed again)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(paragraphs)")}
    if "printed" not in columns:
        db.execute("ALTER TABLE paragraphs ADD COLUMN printed TEXT NOT NULL DEFAULT ''")


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
                _add_printed_column(db)

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
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

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

    def paragraphs(self, doc_id: str) -> list[ParagraphRow]:
        rows = self.db.execute(
            "SELECT * FROM paragraphs WHERE doc_id = ? ORDER BY number", (doc_id,)
        )
        return [ParagraphRow(**dict(r)) for r in rows]

    def paragraph(self, doc_id: str, pid: int) -> ParagraphRow | None:
        row = self.db.execute(
            "SELECT * FROM paragraphs WHERE doc_id = ? AND pid = ?", (doc_id, pid)
        ).fetchone()
        return ParagraphRow(**dict(row)) if row else None

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
        db.execute("DELETE FROM paragraphs WHERE doc_id = ?", (doc.doc_id,))
        db.executemany(
            "INSERT INTO paragraphs (doc_id, pid, number, text, section, section_label, printed)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (p.doc_id, p.pid, p.number, p.text, p.section, p.section_label, p.printed)
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

    def next_seq(self) -> int:
        row = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM documents").fetchone()
        return int(row[0])
