"""Writing paragraphs into the index: incremental changes and whole rebuilds."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from whoosh.index import Index
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter as WhooshWriter

from searchapp.engine import decoded, store, vocabulary
from searchapp.engine.schema import ParagraphRecord, record_to_fields


class IndexWriter:
    """Collects changes and makes them visible to readers all at once, or not at all.

    Use as a context manager inside `store.writer_lock`: leaving the block normally commits;
    an exception discards everything written (readers keep the previous state).
    """

    def __init__(self, root: Path, rebuild: bool = False, large: bool = False) -> None:
        """`large`: a rebuild of many documents, worth writing with one process per core."""
        self.root = root
        self.procs = min(2, os.cpu_count() or 1) if large else 1
        root.mkdir(parents=True, exist_ok=True)
        self.rebuild = rebuild or store.current_generation(root) is None
        if self.rebuild:
            store.remove_stale_generations(root, keep=store.current_generation(root))
            self.gen = store.new_generation(root)
        else:
            # A rebuild killed before it published left its folder behind: remove it now.
            store.remove_unfinished_generations(root)
            _, gen = store.open_current(root)
            self.gen = gen
        self._ix: Index | None = None
        self._writer: WhooshWriter | None = None
        self._words: Counter[str] = Counter()  # paragraph counts to add to the vocabulary
        self._searcher: Searcher | None = None

    def _w(self) -> WhooshWriter:
        if self._writer is None:
            from whoosh import index as windex

            self._ix = windex.open_dir(str(self.gen))
            if self.rebuild and self.procs > 1:
                # Analysis and posting writing are pure Python: one segment per core.
                self._writer = self._ix.writer(procs=self.procs, limitmb=128, multisegment=True)
            else:
                # A bigger memory buffer means fewer, larger segments.
                self._writer = self._ix.writer(limitmb=256)
        return self._writer

    def delete_document(self, doc_id: str) -> None:
        if not self.rebuild:
            w = self._w()
            old = [str(f["text"]) for f in self._old().documents(doc_id=doc_id)]
            self._words.subtract(vocabulary.count_words(old))
            w.delete_by_term("doc_id", doc_id)

    def _old(self) -> Searcher:
        """The index as it was before this writer: where removed paragraphs' words are read."""
        if self._searcher is None:
            assert self._ix is not None
            self._searcher = self._ix.searcher()
        return self._searcher

    def add_paragraphs(self, records: Iterable[ParagraphRecord]) -> None:
        w = self._w()
        for rec in records:
            w.add_document(**record_to_fields(rec))
            self._words.update(vocabulary.paragraph_words(rec.text))

    def _close_old(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def commit(self) -> None:
        self._close_old()
        if self._writer is not None:
            # A single-process rebuild is merged into one segment; a parallel one keeps one
            # segment per process (merging would cost what the parallelism saved).
            self._writer.commit(optimize=self.rebuild and self.procs == 1)
            self._writer = None
        if self._words or self.rebuild:
            vocabulary.save(self.gen, self._words, fresh=self.rebuild)
        decoded.write_for(self.gen)  # what readers would otherwise decode at every open
        if self.rebuild:
            store.publish(self.root, self.gen)

    def cancel(self) -> None:
        self._close_old()
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        if self.rebuild:
            store.remove_stale_generations(self.root, keep=store.current_generation(self.root))

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.cancel()
