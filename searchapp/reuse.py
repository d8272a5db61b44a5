"""Same formulation elsewhere: the paragraphs of other documents whose wording largely
matches a paragraph's, found at index time and kept in the registry.

How: every paragraph that is not boilerplate gets a MinHash signature of its word pairs
(datasketch); the signature's bands are stored as keys (`reuse_bands`, and the latest ones
in the small `reuse_bands_recent` until they are merged in bulk), and a paragraph's
candidates are the stored paragraphs that share a band key with it (locality-sensitive
hashing: never all pairs). Each candidate is then checked on its words (`wording.similarity`)
and kept, both ways, in `reuse_links` when it reaches `ReuseSettings.threshold`.

The tables live in the registry and are written inside the registry transaction of
`consistency.commit` (`update`), so a crash can never make them disagree with the paragraphs
they link. Adding a document costs that document: its paragraphs are looked up by their band
keys, then inserted; removing one deletes its keys and its links, both ways. The settings the
links were computed with are recorded; when they change, `update` recomputes every link.
"""

from __future__ import annotations

import json
import re
import sqlite3
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from itertools import pairwise

import numpy as np

from searchapp.config import REUSE, ReuseSettings, reuse_enabled
from searchapp.registry import DocumentRow, ParagraphRow, Registry
from searchapp.wording import words

SCHEMA = """
CREATE TABLE IF NOT EXISTS reuse_bands (
    key INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    PRIMARY KEY (key, seq, pid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reuse_bands_recent (
    key INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    PRIMARY KEY (key, seq, pid)
) WITHOUT ROWID;
-- Each document's distinct band keys (int64, little-endian), so that forgetting a document
-- deletes its rows by key: an index of the band rows on seq took random inserts (8 of a UN
-- build's 28 CPU-s of reuse) and as much room as the band table.
CREATE TABLE IF NOT EXISTS reuse_doc_keys (
    seq INTEGER PRIMARY KEY,
    keys BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS reuse_links (
    seq INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    other_seq INTEGER NOT NULL,
    other_pid INTEGER NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (seq, pid, other_seq, other_pid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reuse_links_other ON reuse_links(other_seq);
CREATE TABLE IF NOT EXISTS reuse_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    settings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reuse_hashing (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    hashing TEXT NOT NULL
);
"""

ROWS_AT_ONCE = 100_000  # band rows turned into Python tuples at a time, for the insert
# The band keys of the latest small index runs wait in `reuse_bands_recent` until there are
# this many, then go into `reuse_bands` at once, in key order. Keys are random: adding one
# document's thousand rows to the big table dirtied a page per row (4 MB of WAL and a 30 ms
# checkpoint per add at UN size); the small table keeps them on a few pages.
RECENT_ROWS = 10_000
BAND_TABLES = ("reuse_bands", "reuse_bands_recent")
KEY_TABLES = (*BAND_TABLES, "reuse_doc_keys")
# The index on seq of registries made before reuse_doc_keys (see `_without_seq_index`).
SEQ_INDEXES = ("reuse_bands_doc", "reuse_bands_recent_doc")
# Documents linked in one batch, in paragraphs: a full build of 250k paragraphs found and
# held the candidates of every document at once (3.4 GB resident). A later batch finds the
# earlier ones' keys stored, as the next index run would: the links are the same.
PARAGRAPHS_AT_ONCE = 60_000
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
# Share of the shorter paragraph's word pairs, per unit of similarity threshold, that a pair
# of paragraphs at the threshold keeps at the least (a light edit breaks two pairs a word).
PAIRS_AT_THRESHOLD = 0.7
# Odd 64-bit multipliers that fold a band's rows into one key (uint64 arithmetic wraps).
_FOLD = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)
# MurmurHash3's 32-bit finalizer (shift, multiplier, shift, multiplier, shift): datasketch's
# "affine32" scheme mixes every input hash with it before its permutations.
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)


@dataclass(frozen=True)
class Elsewhere:
    """A paragraph of another document with the same formulation."""

    document: DocumentRow
    paragraph: ParagraphRow
    similarity: float


def _computed_with(settings: ReuseSettings) -> str:
    """What the stored links depend on (the read-time rules are left out)."""
    fields = asdict(settings)
    for read_time in ("max_documents", "changed", "contained"):
        fields.pop(read_time)
    return repr(sorted(fields.items()))


@dataclass(frozen=True)
class Hashing:
    """What datasketch derives from the settings: the bands x rows that best separate pairs
    around `lsh_threshold`, and its MinHash permutations (a, b) for `num_perm`. Kept with
    the band keys they made (`reuse_hashing`), so that adding a document does not import
    datasketch and, with it, SciPy (0.6 s, most of a one-document add)."""

    bands: int
    rows: int
    a: tuple[int, ...]
    b: tuple[int, ...]

    @classmethod
    def derive(cls, settings: ReuseSettings) -> Hashing:
        from datasketch import MinHash, MinHashLSH

        lsh = MinHashLSH(threshold=settings.lsh_threshold, num_perm=settings.num_perm)
        a, b = MinHash(num_perm=settings.num_perm, hashfunc=zlib.crc32).permutations
        return cls(int(lsh.b), int(lsh.r), tuple(a.tolist()), tuple(b.tolist()))

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Hashing:
        fields = json.loads(text)
        return cls(fields["bands"], fields["rows"], tuple(fields["a"]), tuple(fields["b"]))


class Detector:
    """Signatures, band keys and checked candidates under one set of settings."""

    def __init__(self, settings: ReuseSettings = REUSE, hashing: Hashing | None = None) -> None:
        self.settings = settings
        self.hashing = hashing or Hashing.derive(settings)
        self.bands, self.rows = self.hashing.bands, self.hashing.rows
        # `keys` applies datasketch's permutations to a whole document at once, as
        # MinHash.update_batch would one sentence at a time.
        self._a = np.array(self.hashing.a, dtype=np.uint32)
        self._b = np.array(self.hashing.b, dtype=np.uint32)
        self.boilerplate = {" ".join(words(b)) for b in settings.boilerplate}

    def eligible(self, tokens: list[str]) -> bool:
        """Whether a paragraph or sentence of these words can be reuse (not boilerplate)."""
        return len(tokens) >= self.settings.min_words and " ".join(tokens) not in self.boilerplate

    def units(self, text: str) -> list[list[str]]:
        """What is hashed: the paragraph's sentences (a sentence can return alone), the
        paragraph itself when none is long enough, nothing for boilerplate."""
        sentences = [words(s) for s in SENTENCE_END.split(text)]
        # The split falls on whitespace, never inside a word: the sentences' words are the
        # paragraph's, without splitting it a second (and third) time.
        tokens = [w for sentence in sentences for w in sentence]
        if not self.eligible(tokens):
            return []
        return [t for t in sentences if self.eligible(t)] or [tokens]

    def shingles(self, tokens: list[str]) -> list[bytes]:
        n = self.settings.shingle_words
        return [" ".join(tokens[i : i + n]).encode() for i in range(len(tokens) - n + 1)]

    def keys(self, units: Sequence[list[str]]) -> np.ndarray:
        """One row of band keys (int64) per unit."""
        signatures = self.signatures(units).astype(np.uint64)
        used = signatures[:, : self.bands * self.rows].reshape(len(units), self.bands, self.rows)
        folded = (used * _FOLD[: self.rows]).sum(axis=2, dtype=np.uint64)
        folded ^= np.arange(self.bands, dtype=np.uint64) * _FOLD[-1]
        return folded.view(np.int64)

    def signatures(self, units: Sequence[list[str]]) -> np.ndarray:
        """Each unit's MinHash (uint32, num_perm values), equal to datasketch's
        `MinHash(num_perm, hashfunc=zlib.crc32)` updated with its shingles, but for all the
        units in one NumPy pass: a MinHash object per sentence cost a fifth of the build.
        crc32 rather than datasketch's default sha1: as good for shingles, several times
        cheaper, and stable across processes (the keys are stored)."""
        shingles = [self.shingles(t) for t in units]
        counts = np.fromiter((len(s) for s in shingles), dtype=np.int64, count=len(shingles))
        hashed = np.fromiter(
            (zlib.crc32(s) for unit in shingles for s in unit), dtype=np.uint32, count=counts.sum()
        )
        s1, m1, s2, m2, s3 = _FMIX32
        hashed ^= hashed >> s1
        hashed *= np.uint32(m1)
        hashed ^= hashed >> s2
        hashed *= np.uint32(m2)
        hashed ^= hashed >> s3
        permuted = hashed[:, None] * self._a[None, :] + self._b[None, :]  # wraps mod 2**32
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        return np.minimum.reduceat(permuted, starts, axis=0)

    def matches(
        self,
        tokens: Sequence[Hashable],
        others: Sequence[Hashable],
        pairs: tuple[set, set] | None = None,
    ) -> float | None:
        """The similarity of two paragraphs if they are the same formulation (similar
        enough, or sharing a long enough passage), else None. `pairs`: the word pairs of
        each, when the caller keeps them (a paragraph is compared with many)."""
        ours, theirs = pairs or (set(pairwise(tokens)), set(pairwise(others)))
        close, long_run = self._may_match(tokens, ours, theirs)
        if not (close or long_run):
            return None
        threshold = self.settings.threshold
        reachable = _can_reach(tokens, others, threshold)
        if not (reachable or long_run):
            return None
        matcher = SequenceMatcher(None, tokens, others, autojunk=False)
        if reachable and matcher.ratio() >= threshold:
            return matcher.ratio()
        if not long_run:
            return None
        run = matcher.find_longest_match(0, len(tokens), 0, len(others)).size
        return matcher.ratio() if run >= self.settings.shared_words else None

    def _may_match(self, tokens: Sequence[Hashable], ours: set, theirs: set) -> tuple[bool, bool]:
        """Cheap conditions on shared word pairs: (worth difflib's ratio, may share a run of
        `shared_words`, a necessary condition). Most candidates the LSH brings up share a
        stock phrase only, and difflib costs a hundred times more than this."""
        shared = len(ours & theirs)
        # A pair of paragraphs at `threshold` shares most of the shorter one's word pairs.
        close = shared >= PAIRS_AT_THRESHOLD * self.settings.threshold * min(len(ours), len(theirs))
        if not close and shared < self.settings.shared_words - 1:
            return False, False  # too few shared pairs for a long run either
        # A run of `shared_words` words is that many word pairs less one, all shared and
        # one after the other (the count of distinct shared pairs can be lower: a run may
        # repeat a pair).
        streak = longest = 0
        for pair in pairwise(tokens):
            streak = streak + 1 if pair in theirs else 0
            longest = max(longest, streak)
        return True, longest >= self.settings.shared_words - 1


def _can_reach(tokens: Sequence[Hashable], others: Sequence[Hashable], threshold: float) -> bool:
    """Whether difflib's ratio of the two can reach `threshold`: the ratio is at most what
    their lengths, then the words they share (counted with repeats), allow. These are
    SequenceMatcher's real_quick_ratio and quick_ratio, computed the same way (2.0 * n /
    total), without SequenceMatcher's index of `others`, which costs a third of a ratio."""
    total = len(tokens) + len(others)
    if not total:
        return True  # two empty paragraphs: ratio 1
    if 2.0 * min(len(tokens), len(others)) / total < threshold:
        return False
    common = Counter(tokens) & Counter(others)
    return 2.0 * sum(common.values()) / total >= threshold


def ensure(db: sqlite3.Connection) -> None:
    # Statement by statement: executescript would commit the caller's transaction first.
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    _without_seq_index(db)


def _without_seq_index(db: sqlite3.Connection) -> None:
    """A registry made with an index of the band rows on seq gets each document's keys
    from it, once, a thousand documents at a time, and loses the index."""
    names = ",".join(f"'{n}'" for n in SEQ_INDEXES)
    found = [r[0] for r in db.execute(f"SELECT name FROM sqlite_master WHERE name IN ({names})")]
    if not found:
        return
    last = db.execute("SELECT COALESCE(MAX(seq), 0) FROM documents").fetchone()[0]
    select = " UNION ".join(
        f"SELECT seq, key FROM {t} WHERE seq >= ?1 AND seq < ?2" for t in BAND_TABLES
    )
    for low in range(0, last + 1, 1000):
        keys: dict[int, list[int]] = defaultdict(list)
        for seq, key in db.execute(select, (low, low + 1000)):
            keys[seq].append(key)
        db.executemany(
            "INSERT OR REPLACE INTO reuse_doc_keys VALUES (?, ?)",
            [(seq, _as_blob(np.array(k, dtype=np.int64))) for seq, k in keys.items()],
        )
    for name in found:
        db.execute(f"DROP INDEX {name}")


def update(
    db: sqlite3.Connection,
    added: Sequence[tuple[int, list[ParagraphRow]]],
    removed: Iterable[int],
    detector: Detector | None = None,
) -> None:
    """Inside the registry transaction: drop the links of the `removed` documents and of the
    `added` ones' previous versions, then link each added document (seq, paragraphs) with
    the stored ones and the added ones before it. With changed settings, every live
    document's links are recomputed instead; switched off (`reuse_enabled`), the tables are
    emptied."""
    ensure(db)
    if not reuse_enabled():
        for table in (*KEY_TABLES, "reuse_links", "reuse_settings", "reuse_hashing"):
            db.execute(f"DELETE FROM {table}")  # nothing stale left for a later run to trust
        return
    detector = detector or _detector(db)
    wanted = _computed_with(detector.settings)
    row = db.execute("SELECT settings FROM reuse_settings").fetchone()
    if row is None or row[0] != wanted:
        for table in (*KEY_TABLES, "reuse_links"):
            db.execute(f"DELETE FROM {table}")
        db.execute("INSERT OR REPLACE INTO reuse_settings VALUES (1, ?)", (wanted,))
        added = list(_live(db))
    # The same settings always derive the same hashing: rewriting it is always right, and
    # keeps a registry made before it was stored from deriving it at every add.
    db.execute("INSERT OR REPLACE INTO reuse_hashing VALUES (1, ?)", (detector.hashing.to_json(),))
    for seq in [s for s, _ in added] + list(removed):
        _forget(db, seq)
    for part in _parts(added):
        _link(db, detector, part)
    _merge_recent(db)


def _parts(
    added: Sequence[tuple[int, list[ParagraphRow]]],
) -> Iterator[Sequence[tuple[int, list[ParagraphRow]]]]:
    """The added documents in runs of about `PARAGRAPHS_AT_ONCE` paragraphs."""
    start = size = 0
    for end, (_, paragraphs) in enumerate(added, 1):
        size += len(paragraphs)
        if size >= PARAGRAPHS_AT_ONCE:
            yield added[start:end]
            start, size = end, 0
    if start < len(added):
        yield added[start:]


def _link(
    db: sqlite3.Connection, detector: Detector, added: Sequence[tuple[int, list[ParagraphRow]]]
) -> None:
    """Links the `added` documents with the stored ones and with each other, then stores
    their band keys (for the next part, and the next index run)."""
    bands = _Bands(detector, added)
    known = _Words(db, added)
    links = []
    for (seq, _), candidates in zip(added, bands.candidates(db), strict=True):
        links += _verify(detector, known, seq, candidates)
    db.executemany("INSERT OR REPLACE INTO reuse_links VALUES (?, ?, ?, ?, ?)", links)
    table = "reuse_bands" if len(bands.new) >= RECENT_ROWS else "reuse_bands_recent"
    db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", bands.rows())
    db.executemany("INSERT OR REPLACE INTO reuse_doc_keys VALUES (?, ?)", bands.doc_keys)


def _merge_recent(db: sqlite3.Connection) -> None:
    """The recent band rows into the big table, in key order, once there are enough."""
    count = db.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM reuse_bands_recent LIMIT ?)", (RECENT_ROWS,)
    ).fetchone()[0]
    if count >= RECENT_ROWS:
        db.execute("INSERT INTO reuse_bands SELECT * FROM reuse_bands_recent ORDER BY key")
        db.execute("DELETE FROM reuse_bands_recent")


def _detector(db: sqlite3.Connection, settings: ReuseSettings = REUSE) -> Detector:
    """A detector for `settings`, with the hashing stored with the keys when they were made
    under the same settings (else `update` recomputes every key anyway)."""
    row = db.execute(
        "SELECT hashing FROM reuse_settings, reuse_hashing WHERE settings = ?",
        (_computed_with(settings),),
    ).fetchone()
    if row is None:
        return Detector(settings)
    return Detector(settings, Hashing.from_json(row[0]))


def _live(db: sqlite3.Connection) -> Iterable[tuple[int, list[ParagraphRow]]]:
    docs = db.execute("SELECT seq, doc_id FROM documents WHERE live = 1 ORDER BY seq").fetchall()
    for seq, doc_id in docs:
        rows = db.execute(
            "SELECT pid, text FROM paragraphs WHERE doc_id = ? ORDER BY number", (doc_id,)
        )
        yield seq, [ParagraphRow(doc_id, pid, 0, text, "", "") for pid, text in rows]


def _forget(db: sqlite3.Connection, seq: int) -> None:
    row = db.execute("SELECT keys FROM reuse_doc_keys WHERE seq = ?", (seq,)).fetchone()
    if row is not None:
        keys = json.dumps(np.frombuffer(row[0], dtype="<i8").tolist())
        for table in BAND_TABLES:
            db.execute(
                f"DELETE FROM {table} WHERE key IN (SELECT value FROM json_each(?)) AND seq = ?",
                (keys, seq),
            )
        db.execute("DELETE FROM reuse_doc_keys WHERE seq = ?", (seq,))
    db.execute("DELETE FROM reuse_links WHERE seq = ?", (seq,))
    db.execute("DELETE FROM reuse_links WHERE other_seq = ?", (seq,))


class _Bands:
    """The band keys of the documents one `update` adds, and the candidates they bring up.

    Each added document is a candidate of the stored paragraphs and of the added documents
    before it that share one of its keys, unless that key already belongs to `max_bucket`
    paragraphs or more (a stock phrase: no evidence). That is what looking the documents up
    one by one in `reuse_bands` would give; here the keys of the whole batch are sorted
    once with the stored rows they meet, so that a full build neither queries nor grows the
    band table document by document (a random B-tree insert per key was a fifth of the
    reuse step), and the new rows go in once, in key order."""

    def __init__(self, detector: Detector, added: Sequence[tuple[int, list[ParagraphRow]]]):
        self.max_bucket = detector.settings.max_bucket
        parts = [
            _keys_of(detector, n, seq, paragraphs) for n, (seq, paragraphs) in enumerate(added)
        ]
        # One row per (key, document, pid): key, added document's number, seq, pid.
        self.new = np.concatenate(parts) if parts else np.empty((0, 4), dtype=np.int64)
        self.count = len(added)
        self.doc_keys = [  # (seq, its distinct keys) of each document that has keys
            (seq, _as_blob(_unique_rows(part[:, :1])[:, 0]))
            for (seq, _), part in zip(added, parts, strict=True)
            if len(part)
        ]

    def rows(self) -> Iterator[tuple[int, int, int]]:
        """The new (key, seq, pid) rows in key order, made a slice at a time: as one list
        of tuples, 7M rows at 250k paragraphs held a gigabyte."""
        ordered = self.new[np.lexsort((self.new[:, 3], self.new[:, 2], self.new[:, 0]))]
        for start in range(0, len(ordered), ROWS_AT_ONCE):
            part = ordered[start : start + ROWS_AT_ONCE]
            yield from zip(*(part[:, column].tolist() for column in (0, 2, 3)), strict=True)

    def candidates(self, db: sqlite3.Connection) -> list[dict[tuple[int, int], set[int]]]:
        """For each added document: (seq, pid) of a stored or earlier paragraph -> the pids
        of the document that share a band key with it."""
        found: list[dict[tuple[int, int], set[int]]] = [defaultdict(set) for _ in range(self.count)]
        everything = np.concatenate((self._stored(db), self.new))
        everything = everything[np.lexsort((everything[:, 1], everything[:, 0]))]
        keys = everything[:, 0]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        # Only the keys of more than one document bring up candidates (most keys have one).
        shared = sizes > 1
        shared[shared] = (
            everything[starts[shared], 1] != everything[(starts + sizes - 1)[shared], 1]
        )
        members = everything[np.repeat(shared, sizes), 1:].tolist()
        bounds = np.r_[0, np.cumsum(sizes[shared])].tolist()
        for start, end in pairwise(bounds):
            self._pair(members[start:end], found)
        return found

    def _pair(self, members: list[list[int]], found: list[dict]) -> None:
        """One key's members, (document number, seq, pid) in document order (stored: -1)."""
        first = 0
        while first < len(members):
            number = members[first][0]
            last = first
            while last < len(members) and members[last][0] == number:
                last += 1
            if first >= self.max_bucket:
                return  # later documents see at least as many: a stock phrase for them too
            if first:
                ours = {pid for _, _, pid in members[first:last]}
                for _, seq, pid in members[:first]:
                    found[number][(seq, pid)] |= ours
            first = last

    def _stored(self, db: sqlite3.Connection) -> np.ndarray:
        """The stored rows that share a key with the batch (document number -1)."""
        stored = [t for t in BAND_TABLES if db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]
        if not stored:
            return np.empty((0, 4), dtype=np.int64)  # a full build: nothing to look up
        keys = json.dumps(_unique_rows(self.new[:, :1])[:, 0].tolist())
        rows = db.execute(
            " UNION ALL ".join(
                f"SELECT key, -1, seq, pid FROM {t} WHERE key IN (SELECT value FROM json_each(?1))"
                for t in stored
            ),
            (keys,),
        ).fetchall()
        return np.array(rows, dtype=np.int64).reshape(-1, 4)


def _keys_of(
    detector: Detector, number: int, seq: int, paragraphs: list[ParagraphRow]
) -> np.ndarray:
    """The document's distinct (key, number, seq, pid) rows, one per band of each unit."""
    units, owner = [], []  # every hashed unit, and the paragraph (pid) it belongs to
    for p in paragraphs:
        for unit in detector.units(p.text):
            units.append(unit)
            owner.append(p.pid)
    if not units:
        return np.empty((0, 4), dtype=np.int64)
    keys = detector.keys(units)
    rows = np.empty((keys.size, 4), dtype=np.int64)
    rows[:, 0] = keys.ravel()
    rows[:, 1] = number
    rows[:, 2] = seq
    rows[:, 3] = np.repeat(np.asarray(owner, dtype=np.int64), keys.shape[1])
    return _unique_rows(rows)


def _as_blob(keys: np.ndarray) -> bytes:
    return np.ascontiguousarray(keys, dtype="<i8").tobytes()


def _unique_rows(rows: np.ndarray) -> np.ndarray:
    """`np.unique(rows, axis=0)`: NumPy's own imports numpy.ma at its first call, 0.15 s of
    a `searchapp add`."""
    if not len(rows):
        return rows
    rows = rows[np.lexsort(rows.T[::-1])]
    return rows[np.r_[True, (rows[1:] != rows[:-1]).any(axis=1)]]


class _Words:
    """The words of each paragraph one `update` compares, split once and kept as small
    ints: in a full build a paragraph is the candidate of many later ones, and reading and
    splitting it again each time was a third of the reuse step. The paragraphs being added
    are at hand; the stored ones are read in one statement per added document."""

    def __init__(self, db: sqlite3.Connection, added: Sequence[tuple[int, list[ParagraphRow]]]):
        self.db = db
        self.texts = {(seq, p.pid): p.text for seq, paragraphs in added for p in paragraphs}
        self.ids: dict[str, int] = {}
        self.split: dict[tuple[int, int], array] = {}

    def of(self, key: tuple[int, int]) -> array:
        found = self.split.get(key)
        if found is None:
            ids = self.ids
            tokens = [ids.setdefault(w, len(ids)) for w in words(self.texts.pop(key))]
            found = self.split[key] = array("i", tokens)
        return found

    def read(self, keys: Iterable[tuple[int, int]]) -> None:
        """Fetches the stored paragraphs among `keys` not yet at hand."""
        missing = [k for k in keys if k not in self.split and k not in self.texts]
        if not missing:
            return
        rows = self.db.execute(
            "SELECT d.seq, p.pid, p.text FROM json_each(?) w"
            " JOIN documents d ON d.seq = json_extract(w.value, '$[0]')"
            " JOIN paragraphs p ON p.doc_id = d.doc_id AND p.pid = json_extract(w.value, '$[1]')",
            (json.dumps(missing),),
        )
        self.texts.update(((seq, pid), text) for seq, pid, text in rows)


def _verify(
    detector: Detector,
    known: _Words,
    seq: int,
    candidates: dict[tuple[int, int], set[int]],
) -> list[tuple[int, int, int, int, float]]:
    """The links, both ways, between the added document `seq` and the candidates that are
    the same formulation."""
    known.read(candidates)
    links = []
    ours: dict[int, set] = {}  # the word pairs of the document's paragraphs, made once
    for other_key, pids in candidates.items():
        if other_key not in known.texts and other_key not in known.split:
            continue  # a stale key of a paragraph no longer stored
        other = known.of(other_key)
        theirs: set | None = None  # made for the first candidate that is not a copy
        for pid in pids:
            tokens = known.of((seq, pid))
            if tokens == other:  # a verbatim copy: ratio 1, without difflib or pair sets
                value: float | None = 1.0
            else:
                theirs = set(pairwise(other)) if theirs is None else theirs
                if pid not in ours:
                    ours[pid] = set(pairwise(tokens))
                value = detector.matches(tokens, other, (ours[pid], theirs))
            if value is not None:
                value = round(value, 4)
                links += [(seq, pid, *other_key, value), (*other_key, seq, pid, value)]
    return links


# -- reading ---------------------------------------------------------------------------------


def elsewhere(
    registry: Registry, doc_id: str, pid: int, settings: ReuseSettings = REUSE
) -> list[Elsewhere]:
    """The paragraph's links to live paragraphs of other documents, oldest first (undated
    last); none for a paragraph matched in `max_documents` documents or more (boilerplate by
    recurrence)."""
    try:
        rows = registry.db.execute(
            "SELECT o.doc_id, l.other_pid, l.similarity FROM reuse_links l"
            " JOIN documents d ON d.seq = l.seq"
            " JOIN documents o ON o.seq = l.other_seq AND o.live = 1"
            " WHERE d.doc_id = ? AND l.pid = ?",
            (doc_id, pid),
        ).fetchall()
    except sqlite3.OperationalError:  # a registry indexed before reuse: no links yet
        return []
    if len({r[0] for r in rows}) >= settings.max_documents:
        return []
    found = []
    for other_id, other_pid, value in rows:
        doc, para = registry.document(other_id), registry.paragraph(other_id, other_pid)
        if doc is not None and para is not None:
            found.append(Elsewhere(doc, para, value))
    return sorted(found, key=_reading_order)


def _reading_order(e: Elsewhere) -> tuple[bool, str, int, int]:
    date = e.document.metadata.date
    return (date is None, date or "", e.document.seq, e.paragraph.number)


def between(registry: Registry, a_id: str, b_id: str) -> set[tuple[int, int]]:
    """The (pid in a, pid in b) pairs of two documents linked as the same formulation."""
    try:
        rows = registry.db.execute(
            "SELECT l.pid, l.other_pid FROM reuse_links l"
            " JOIN documents d ON d.seq = l.seq JOIN documents o ON o.seq = l.other_seq"
            " WHERE d.doc_id = ? AND o.doc_id = ?",
            (a_id, b_id),
        ).fetchall()
    except sqlite3.OperationalError:
        return set()
    return {(r[0], r[1]) for r in rows}


def shared(registry: Registry, doc_id: str, limit: int = 5) -> list[tuple[str, int]]:
    """The live documents sharing the most linked paragraphs with this one: (doc_id, count)."""
    try:
        rows = registry.db.execute(
            "SELECT o.doc_id, COUNT(DISTINCT l.pid) AS n FROM reuse_links l"
            " JOIN documents d ON d.seq = l.seq"
            " JOIN documents o ON o.seq = l.other_seq AND o.live = 1"
            " WHERE d.doc_id = ? GROUP BY o.doc_id ORDER BY n DESC, o.doc_id LIMIT ?",
            (doc_id, limit),
        ).fetchall()
    except sqlite3.OperationalError:
        return []
    return [(r[0], r[1]) for r in rows]
