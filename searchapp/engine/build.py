"""Writing paragraphs into the index: incremental changes and whole rebuilds."""

from __future__ import annotations

import contextlib
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from whoosh import index as windex
from whoosh.index import Index
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from searchapp.engine import decoded, store, vocabulary
from searchapp.engine.schema import ParagraphRecord, record_to_fields, stored_searched_text

# Whoosh can write with one process per core (MpWriter); it is not used: on a 2-core machine
# a 300-file rebuild took 12.1 s and 18.8 s with two processes against 10.1 s and 15.1 s with
# one, and children forked by an indexer are what kept the index locked after a crash.


class IndexWriter:
    """Collects changes and makes them visible to readers all at once, or not at all.

    Use inside `store.writer_lock`, as a context manager. The commit has three steps, so that
    another store (the registry) can commit between the first two (`consistency.commit`):

    - `prepare`: everything is written where no reader looks: new segment files in the live
      generation (a rebuild: a whole new generation, committed, with its vocabulary);
    - `publish`: one atomic step makes it visible: Whoosh's new table of contents (a rebuild:
      CURRENT renamed to the new generation);
    - `finish`: derived data of the generation (the vocabulary table) is brought up to the
      new commit, recording its number; data derived from the index joins here (or in
      `prepare`, for a rebuild), keyed by `commit_number` so that a crash in between is seen.

    Leaving the block normally runs the steps not yet run; an exception discards everything
    written (readers keep the previous state, and no half-written file is left behind).
    """

    def __init__(self, root: Path, rebuild: bool = False) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.rebuild = rebuild or store.current_generation(root) is None
        if self.rebuild:
            store.remove_stale_generations(root, keep=store.current_generation(root))
            self.gen = store.new_generation(root)
        else:
            # A rebuild killed before it published left its folder behind, a killed writer
            # its segment files: remove them now.
            store.remove_unfinished_generations(root)
            _, gen = store.open_current(root)
            self.gen = gen
            store.discard_uncommitted(gen)
        self._ix: Index | None = None
        self._writer: SegmentWriter | None = None
        self._segments: list[object] | None = None  # what `publish` commits
        self._words: Counter[str] = Counter()  # paragraph counts to add to the vocabulary
        self._searcher: Searcher | None = None
        self.step = "writing"  # then "prepared", "published", "finished" (or "cancelled")
        self.promised = False  # another store committed to these changes: keep them on failure

    def _w(self) -> SegmentWriter:
        if self._writer is None:
            self._ix = windex.open_dir(str(self.gen))
            # Whoosh's own lock file is not taken: the writer lock is held already, and a
            # second flock would be one more descriptor a forked child could inherit. A bigger
            # memory buffer means fewer, larger segments.
            self._writer = SegmentWriter(self._ix, _lk=False, limitmb=256)
        return self._writer

    @property
    def changed(self) -> bool:
        """Whether there is anything to publish."""
        return self.rebuild or self._writer is not None

    @property
    def commit_number(self) -> int:
        """The number of the Whoosh commit that holds this writer's changes."""
        if self._writer is not None and not self.rebuild:
            return int(self._writer.generation)
        return store.committed(self.gen)

    def delete_document(self, doc_id: str) -> None:
        if not self.rebuild:
            w = self._w()
            old = [stored_searched_text(f) for f in self._old().documents(doc_id=doc_id)]
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
            self._words.update(vocabulary.paragraph_words(rec.searched_text()))

    def _close_old(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def prepare(self) -> None:
        self._close_old()
        w = self._writer
        if self.rebuild:
            if w is not None:
                w.commit(optimize=True)  # one segment; the generation is not live yet
            vocabulary.save(self.gen, self._words, fresh=True, commit=store.committed(self.gen))
        elif w is not None:
            # Whoosh's commit without its last step (the table of contents): merge small
            # segments and write this writer's own.
            segments = w._merge_segments(None, None, None)
            if w._added:
                segments.append(w._finalize_segment())
            else:
                w._close_segment()
            self._segments = segments
        self.step = "prepared"

    def publish(self) -> None:
        if self.rebuild:
            store.publish(self.root, self.gen)
        elif self._writer is not None:
            self._writer._commit_toc(self._segments)
            self._writer._finish()
        self.step = "published"

    def finish(self) -> None:
        if self._writer is not None and not self.rebuild:
            vocabulary.save(self.gen, self._words, fresh=False, commit=self.commit_number)
        decoded.write_for(self.gen)  # what readers would otherwise decode at every open
        self.step = "finished"

    def commit(self) -> None:
        """The steps not yet run, one after the other (nothing else commits in between)."""
        if self.step == "writing":
            self.prepare()
        if self.step == "prepared":
            self.publish()
        if self.step == "published":
            self.finish()

    def promise(self) -> None:
        """The registry now records these changes: should publishing fail, a rebuilt
        generation stays, for the next writer to publish (incremental changes are redone
        from the registry)."""
        self.promised = True

    def cancel(self) -> None:
        """Discard what was written. Never fails on the storage: on a full disk Whoosh's own
        cancel writes (and fails) too; the files are removed whatever it did."""
        with contextlib.suppress(OSError):
            self._close_old()
        if self._writer is not None and not self._writer.is_closed:
            with contextlib.suppress(OSError):
                self._writer.cancel()
        self._writer = None
        if self.rebuild:
            if not self.promised and store.current_generation(self.root) != self.gen:
                shutil.rmtree(self.gen, ignore_errors=True)
        elif self.step in ("writing", "prepared"):
            store.discard_uncommitted(self.gen)
        self.step = "cancelled"

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
        elif self.step != "finished":
            self.cancel()


def stored_paragraphs(root: Path) -> Iterator[dict[str, object]]:
    """The stored fields of every paragraph of the live generation (deleted ones left out)."""
    ix, _ = store.open_current(root)
    with ix.reader() as reader:
        for _, fields in reader.iter_docs():
            yield fields


def derived_stale(root: Path) -> bool:
    """Whether the live generation's derived data describes another commit than its last one
    (a writer died between the two)."""
    gen = store.current_generation(root)
    return gen is not None and vocabulary.described(gen) != store.committed(gen)


def rebuild_derived(root: Path) -> None:
    """Recompute the live generation's derived data from its paragraphs."""
    gen = store.current_generation(root)
    if gen is None:
        return
    words = vocabulary.count_words(str(f["text"]) for f in stored_paragraphs(root))
    vocabulary.save(gen, words, fresh=True, commit=store.committed(gen))
