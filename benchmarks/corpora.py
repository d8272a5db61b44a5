"""The corpora: the UN General Debate speeches, scaled corpora made from their paragraphs, and
generated ones (for `--size tiny` and for machines without ../shared).

Everything is written under the work folder (git-ignored); the shared corpus is only linked.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import synthetic

UN_FOLDER = Path("corpora") / "ungdc-2015-2024"
METADATA_HEADER = ("file", "title", "date", "kind", "place", "parties", "language", "source")
UN_SOURCE = "UN General Debate Corpus v13 (Jankin, Baturo & Dasandi)"
SCALED_VERSION = 2

# Target sizes in paragraphs for the named sizes (the UN corpus is whatever it holds).
TARGETS = {"tiny": 400, "un": 65_000, "250k": 250_000, "1m": 1_000_000}


@dataclass(frozen=True)
class Corpus:
    """A documents folder with its metadata.csv, ready to be indexed."""

    name: str  # the size name: tiny, un, 250k, 1m
    label: str  # what it is, for the report
    documents: Path
    files: int


@dataclass(frozen=True)
class SourceDoc:
    """One document's paragraphs, the raw material of scaled corpora."""

    party: str
    paragraphs: tuple[str, ...]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def write_metadata(documents: Path, rows: Iterable[Sequence[str]]) -> None:
    with (documents / "metadata.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(METADATA_HEADER)
        writer.writerows(rows)


def un_available(shared: Path) -> bool:
    return (shared / UN_FOLDER / "index.csv").is_file()


def prepare_un(shared: Path, work: Path) -> Corpus:
    """A folder of symlinks to the UN speeches plus a generated metadata.csv."""
    source = shared / UN_FOLDER
    documents = work / "corpus-un" / "documents"
    if documents.exists():
        shutil.rmtree(documents)
    documents.mkdir(parents=True)
    rows = []
    with (source / "index.csv").open(newline="", encoding="utf-8") as fh:
        for entry in csv.DictReader(fh):
            rows.append(_link_un_file(source, documents, entry))
    write_metadata(documents, rows)
    return Corpus("un", "UN General Debate 2015-2024 (real)", documents, len(rows))


def _link_un_file(source: Path, documents: Path, entry: dict[str, str]) -> list[str]:
    target = (source / entry["path"]).resolve()
    relative = f"{entry['year']}/{target.name}"
    link = documents / relative
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(target)
    iso3, session, year = entry["country_iso3"], int(entry["session"]), entry["year"]
    title = f"Statement by {iso3} at the {ordinal(session)} session of the UN General Assembly"
    return [relative, title, year, "speech", "New York", iso3, "en", UN_SOURCE]


def generated_sources(paragraph_count: int, seed: int) -> list[SourceDoc]:
    """Generated documents of 10 to 60 paragraphs, used when the real corpus is absent."""
    rng = random.Random(seed)
    texts = list(synthetic.paragraphs(paragraph_count, seed))
    docs: list[SourceDoc] = []
    start = 0
    while start < len(texts):
        size = rng.randint(10, 60)
        party = "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ", k=3))
        docs.append(SourceDoc(party, tuple(texts[start : start + size])))
        start += size
    return docs


def prepare_resampled(
    name: str, label: str, sources: Sequence[SourceDoc], target: int, work: Path, seed: int
) -> Corpus:
    """New documents of resampled real paragraphs, years spread over 1946-2024.

    Reused from an earlier run when made from the same sources with the same parameters.
    """
    documents = work / f"corpus-{name}" / "documents"
    stamp = {
        "version": SCALED_VERSION,
        "target": target,
        "seed": seed,
        "sources": len(sources),
        "paragraphs": sum(len(d.paragraphs) for d in sources),
    }
    marker = documents.parent / "complete.json"
    if marker.is_file() and json.loads(marker.read_text()) == stamp:
        files = sum(1 for _ in documents.rglob("*.txt"))
        return Corpus(name, label, documents, files)
    if documents.parent.exists():
        shutil.rmtree(documents.parent)
    documents.mkdir(parents=True)
    rows = _write_resampled(documents, sources, target, random.Random(seed))
    write_metadata(documents, rows)
    marker.write_text(json.dumps(stamp))
    return Corpus(name, label, documents, len(rows))


def _write_resampled(
    documents: Path, sources: Sequence[SourceDoc], target: int, rng: random.Random
) -> list[list[str]]:
    pool = [p for doc in sources for p in doc.paragraphs]
    lengths = [len(doc.paragraphs) for doc in sources if doc.paragraphs]
    parties = sorted({doc.party for doc in sources})
    rows: list[list[str]] = []
    written = 0
    while written < target:
        size = min(rng.choice(lengths), target - written)
        year = rng.randint(1946, 2024)
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        party = rng.choice(parties)
        relative = f"{year}/{party}_{date}_{len(rows):06d}.txt"
        path = documents / relative
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(rng.choices(pool, k=size)) + "\n", encoding="utf-8")
        title = f"Statement by {party} ({date}, resampled)"
        rows.append([relative, title, date, "speech", "New York", party, "en", "resampled"])
        written += size
    return rows
