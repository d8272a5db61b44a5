"""Relevance evaluation of searchapp over its own test collection.

The collection (`collection.yaml`, next to this file) holds queries written in analysts' words,
each with the paragraphs that answer it (grade 2) or are relevant to it (grade 1). A paragraph
is named by its file and a distinctive substring of its text, so the judgments do not depend on
how ingestion splits paragraphs.

The evaluation builds a documents folder of symlinks in a temporary directory (the two seed
declarations of `documents/`, the UN speeches that the collection refers to, and a fixed sample
of other UN speeches as distractors, or the whole UN corpus with `--full`), writes a
`metadata.csv` for the UN speeches, indexes it with `searchapp.indexer.update_index`, runs every
query through `searchapp.search.SearchService` and reports MRR@10, Success@1, Success@10 and
nDCG@10, overall, by kind of query and per query.

    .venv/bin/python -m tests.relevance.evaluate            # seeds + referenced + 300 sampled
    .venv/bin/python -m tests.relevance.evaluate --full     # seeds + all 1,938 UN speeches
    .venv/bin/python -m tests.relevance.evaluate --seeds-only

The shared corpora are never copied into the repository: the folder that is indexed lives in a
temporary directory and links to them.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
COLLECTION = HERE / "collection.yaml"
FLOORS = HERE / "floors.yaml"
SEEDS_DIR = REPO / "documents"
UNGDC_DIR = Path(
    os.environ.get("SEARCHAPP_UNGDC", REPO.parent / "shared" / "corpora" / "ungdc-2015-2024")
)
DFAT_DIR = Path(
    os.environ.get("SEARCHAPP_DFAT", REPO.parent / "shared" / "corpora" / "dfat-historical-docs")
)
HARD = HERE / "hard.yaml"  # the harder collection (paraphrases, questions, typos, acronyms)
UN_FOLDER = "ungdc"  # sub-folder of the built documents folder that holds the UN speeches
DFAT_FOLDER = "dfat"  # and the one that holds the DFAT volumes
SAMPLE_SIZE = 300
DFAT_SAMPLE_SIZE = 60
K = 10
CONTAINS_MIN, CONTAINS_MAX = 40, 120
METADATA_HEADER = ["file", "title", "date", "kind", "place", "parties", "language", "source"]
UN_SOURCE = "UN General Debate Corpus (Jankin, Baturo & Dasandi), doi:10.7910/DVN/0TJX8Y"
UN_NAME = re.compile(r"^Session (\d+) - (\d{4})/([A-Z]{2,3})_\d+_\d{4}\.txt$")


# --------------------------------------------------------------------------- the collection


@dataclass(frozen=True)
class Judgment:
    file: str
    corpus: str  # "seeds", "ungdc" or "dfat"
    contains: str
    grade: int

    @property
    def key(self) -> str:
        """The path of the judged file inside the built documents folder."""
        return doc_key(self.corpus, self.file)


@dataclass(frozen=True)
class Query:
    id: str
    query: str
    relevant: tuple[Judgment, ...]
    years: tuple[int, ...] = ()
    sections: tuple[str, ...] = ()
    note: str = ""
    kind: tuple[str, ...] = ()
    split: str = "tuned"  # "heldout": never looked at while tuning the ranking
    collection: str = "base"  # "base" (collection.yaml) or "hard" (hard.yaml)

    @property
    def corpora(self) -> set[str]:
        return {j.corpus for j in self.relevant}

    def restricted_to(self, corpus: str) -> Query | None:
        """The same query judged only on one corpus (None when nothing is left to find)."""
        kept = tuple(j for j in self.relevant if j.corpus == corpus)
        if not kept:
            return None
        return Query(
            self.id,
            self.query,
            kept,
            self.years,
            self.sections,
            self.note,
            self.kind,
            self.split,
            self.collection,
        )


def doc_key(corpus: str, file: str) -> str:
    if corpus == "seeds":
        return file
    return f"{DFAT_FOLDER if corpus == 'dfat' else UN_FOLDER}/{file}"


def load_all() -> list[Query]:
    """Both collections: the base one and the harder one."""
    return load_collection() + load_collection(HARD)


def load_collection(path: Path = COLLECTION) -> list[Query]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    queries = []
    for item in raw:
        judgments = tuple(
            Judgment(str(j["file"]), str(j["corpus"]), str(j["contains"]), int(j["grade"]))
            for j in item["relevant"]
        )
        queries.append(
            Query(
                id=str(item["id"]),
                query=str(item["query"]),
                relevant=judgments,
                years=tuple(int(y) for y in item.get("years") or ()),
                sections=tuple(str(s) for s in item.get("sections") or ()),
                note=str(item.get("note") or ""),
                kind=tuple(str(k) for k in item.get("kind") or ()),
                split=str(item.get("split") or "tuned"),
                collection="hard" if path == HARD else "base",
            )
        )
    return queries


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def normalize(text: str) -> str:
    """Text compared for matching: typographic quotes made plain, runs of whitespace collapsed."""
    return " ".join(text.translate(_QUOTES).split())


def corpus_root(corpus: str, ungdc: Path = UNGDC_DIR) -> Path:
    return {"seeds": SEEDS_DIR, "dfat": DFAT_DIR}.get(corpus, ungdc)


def verify_collection(queries: Sequence[Query], ungdc: Path = UNGDC_DIR) -> list[str]:
    """Problems of the collection: unknown files, substrings absent, ambiguous or out of bounds.

    A `contains` must lie inside one line of its file (so that it survives unwrapping) and
    occur on exactly one line of it (so that it names one paragraph). UN judgments are only
    checked when the UN corpus is present.
    """
    problems: list[str] = []
    seen: set[str] = set()
    lines_cache: dict[Path, list[str]] = {}
    for q in queries:
        if q.id in seen:
            problems.append(f"{q.id}: duplicate id")
        seen.add(q.id)
        if not q.relevant:
            problems.append(f"{q.id}: no relevant paragraph")
        if not any(j.grade == 2 for j in q.relevant):
            problems.append(f"{q.id}: no answer of grade 2")
        for j in q.relevant:
            where = f"{q.id}: {j.file}: {j.contains[:50]!r}"
            if j.corpus not in ("seeds", "ungdc", "dfat") or j.grade not in (1, 2):
                problems.append(f"{where}: bad corpus or grade")
                continue
            if not CONTAINS_MIN <= len(j.contains) <= CONTAINS_MAX:
                problems.append(f"{where}: {len(j.contains)} characters")
            root = corpus_root(j.corpus, ungdc)
            if j.corpus != "seeds" and not root.is_dir():
                continue
            path = root / j.file
            if not path.is_file():
                problems.append(f"{where}: no such file")
                continue
            if path not in lines_cache:
                text = path.read_text(encoding="utf-8")
                lines_cache[path] = [normalize(line) for line in text.splitlines()]
            needle = normalize(j.contains)
            count = sum(line.count(needle) for line in lines_cache[path])
            if count != 1:
                problems.append(f"{where}: found {count} times in the file")
    return problems


# --------------------------------------------------------------------------- the documents


def un_files(ungdc: Path = UNGDC_DIR) -> list[str]:
    """Every UN speech, relative to the corpus root, in sorted order."""
    return sorted(p.relative_to(ungdc).as_posix() for p in ungdc.glob("Session */*.txt"))


def select_un(
    queries: Sequence[Query], full: bool, sample_size: int = SAMPLE_SIZE, ungdc: Path = UNGDC_DIR
) -> list[str]:
    """The UN files to index: all referenced ones plus evenly spaced others (by sorted path)."""
    every = un_files(ungdc)
    if full:
        return every
    referenced = {j.file for q in queries for j in q.relevant if j.corpus == "ungdc"}
    others = [f for f in every if f not in referenced]
    n = min(sample_size, len(others))
    sample = [others[i * len(others) // n] for i in range(n)] if n else []
    return sorted(referenced | set(sample))


def select_dfat(
    queries: Sequence[Query], full: bool, sample_size: int = DFAT_SAMPLE_SIZE
) -> list[str]:
    """The DFAT files to index: the referenced ones plus evenly spaced others (all with `full`)."""
    if not DFAT_DIR.is_dir():
        return []
    every = sorted(p.relative_to(DFAT_DIR).as_posix() for p in DFAT_DIR.glob("volume-*/*.md"))
    if full:
        return every
    referenced = {j.file for q in queries for j in q.relevant if j.corpus == "dfat"}
    others = [f for f in every if f not in referenced]
    n = min(sample_size, len(others))
    sample = [others[i * len(others) // n] for i in range(n)] if n else []
    return sorted(referenced | set(sample))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def un_metadata_row(file: str) -> list[str]:
    match = UN_NAME.match(file)
    if not match:
        raise ValueError(f"not a UN General Debate file name: {file}")
    session, year, iso3 = int(match[1]), match[2], match[3]
    title = f"Statement by {iso3} at the {ordinal(session)} session of the UN General Assembly"
    return [f"{UN_FOLDER}/{file}", title, year, "speech", "New York", iso3, "en", UN_SOURCE]


def build_documents(
    target: Path, un: Iterable[str], ungdc: Path = UNGDC_DIR, dfat: Iterable[str] = ()
) -> int:
    """A documents folder of symlinks: the seeds at the top, UN speeches below `ungdc/`, DFAT
    documents (whose front matter gives their metadata) below `dfat/`.

    Returns the number of files linked. Rows of `documents/metadata.csv`, if the repository has
    one, are kept; a row per UN speech is added.
    """
    target.mkdir(parents=True, exist_ok=True)
    rows: list[list[str]] = []
    count = 0
    for seed in sorted(SEEDS_DIR.iterdir()):
        if seed.name == "metadata.csv":
            with seed.open(newline="", encoding="utf-8") as fh:
                rows.extend(list(r.values()) for r in csv.DictReader(fh))
        elif seed.is_file() and not seed.name.startswith("."):
            (target / seed.name).symlink_to(seed.resolve())
            count += 1
    for file in un:
        link = target / UN_FOLDER / file
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to((ungdc / file).resolve())
        rows.append(un_metadata_row(file))
        count += 1
    for file in dfat:
        link = target / DFAT_FOLDER / file
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to((DFAT_DIR / file).resolve())
        count += 1
    with (target / "metadata.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(METADATA_HEADER)
        writer.writerows(rows)
    return count


# --------------------------------------------------------------------------- searching


class Searcher:
    """The search service, with each hit's document mapped back to its file in the folder."""

    def __init__(self, index: Path, documents: Path) -> None:
        from searchapp.search import SearchRequest, SearchService

        self._request = SearchRequest
        self.service = SearchService(index)
        self.index = index
        self.documents = documents
        self._files: dict[str, str] = {}
        self._names: dict[str, str] | None = None

    def search(self, q: Query, per_page: int = K) -> list[dict[str, Any]]:
        request = self._request(
            q=q.query,
            years=[str(y) for y in q.years],
            sections=list(q.sections),
            page=1,
            per_page=per_page,
        )
        result = self.service.search(request)
        hits = list(result.get("hits") or [])[:per_page]
        for hit in hits:
            hit["_file"] = self.file_of(hit)
        return hits

    def file_of(self, hit: dict[str, Any]) -> str:
        """The path, relative to the documents folder, of the document of a hit."""
        for name in ("path", "file", "doc_path"):
            if hit.get(name):
                return self._relative(str(hit[name]))
        doc_id = str(hit.get("doc_id"))
        if doc_id not in self._files:
            self._files[doc_id] = self._relative(self._lookup(doc_id))
        return self._files[doc_id]

    def _relative(self, path: str) -> str:
        p = Path(path)
        if p.is_absolute():
            try:
                p = p.relative_to(self.documents)
            except ValueError:
                p = p.relative_to(self.documents.resolve())
        rel = p.as_posix()
        if not os.path.lexists(self.documents / rel):
            # The engine recorded something other than the path in the folder (a bare file
            # name, say): file names are unique in the built folder, so map it back.
            rel = self._by_name().get(p.name, rel)
        return rel

    def _by_name(self) -> dict[str, str]:
        if self._names is None:
            names: dict[str, list[str]] = {}
            for link in self.documents.rglob("*"):
                if link.name != "metadata.csv" and not link.is_dir():
                    names.setdefault(link.name, []).append(
                        link.relative_to(self.documents).as_posix()
                    )
            self._names = {name: paths[0] for name, paths in names.items() if len(paths) == 1}
        return self._names

    def _lookup(self, doc_id: str) -> str:
        """The file of a document: from the service if it tells, else from the index registry."""
        sources: list[Any] = [self.service, getattr(self.service, "registry", None)]
        for source in sources:
            for name in ("document", "get_document"):
                getter = getattr(source, name, None)
                path = _path_of(getter(doc_id)) if callable(getter) else None
                if path:
                    return path
        from searchapp.registry import Registry

        path = _path_of(Registry(self.index, readonly=True).document(doc_id))
        if path:
            return path
        raise LookupError(f"cannot find the file of document {doc_id!r}")


def _path_of(doc: Any) -> str | None:
    path = doc.get("path") if isinstance(doc, dict) else getattr(doc, "path", None)
    return str(path) if path else None


# --------------------------------------------------------------------------- metrics


@dataclass
class QueryResult:
    query: Query
    hits: list[dict[str, Any]]
    gains: list[int]  # grade of each of the top-K hits (0 when not judged relevant)
    error: str = ""
    matched: set[int] = field(default_factory=set)

    @property
    def first_relevant(self) -> int | None:
        return next((i + 1 for i, g in enumerate(self.gains) if g > 0), None)

    @property
    def rr(self) -> float:
        rank = self.first_relevant
        return 1.0 / rank if rank else 0.0

    @property
    def s1(self) -> float:
        return 1.0 if self.first_relevant == 1 else 0.0

    @property
    def s10(self) -> float:
        return 1.0 if self.first_relevant else 0.0

    @property
    def ndcg(self) -> float:
        ideal = sorted((j.grade for j in self.query.relevant), reverse=True)[:K]
        idcg = _dcg(ideal)
        return _dcg(self.gains) / idcg if idcg else 0.0


def _dcg(gains: Sequence[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:K]))


def judge(query: Query, hits: Sequence[dict[str, Any]]) -> tuple[list[int], set[int]]:
    """The gain of each hit; each judged paragraph counts once, at its best rank."""
    gains: list[int] = []
    used: set[int] = set()
    for hit in hits[:K]:
        text = normalize(str(hit.get("text") or ""))
        gain = 0
        for n, j in enumerate(query.relevant):
            if n in used or hit.get("_file") != j.key:
                continue
            if normalize(j.contains) in text:
                used.add(n)
                gain = max(gain, j.grade)
        gains.append(gain)
    return gains, used


def evaluate(searcher: Searcher, queries: Sequence[Query]) -> list[QueryResult]:
    results = []
    for q in queries:
        try:
            hits = searcher.search(q)
        except Exception as exc:  # a query that breaks the engine is a failed query, reported
            results.append(QueryResult(q, [], [], error=f"{type(exc).__name__}: {exc}"))
            continue
        gains, used = judge(q, hits)
        results.append(QueryResult(q, hits, gains, matched=used))
    return results


def summarize(results: Sequence[QueryResult]) -> dict[str, float]:
    n = len(results) or 1
    return {
        "queries": len(results),
        "mrr10": sum(r.rr for r in results) / n,
        "s1": sum(r.s1 for r in results) / n,
        "s10": sum(r.s10 for r in results) / n,
        "ndcg10": sum(r.ndcg for r in results) / n,
    }


# --------------------------------------------------------------------------- the report


def _snippet(hit: dict[str, Any], width: int = 70) -> str:
    text = " ".join(str(hit.get("text") or "").split())
    text = text if len(text) <= width else text[: width - 1] + "…"
    return f"[{hit.get('_file', '?')} ¶{hit.get('paragraph', '?')}] {text}"


def groups(results: Sequence[QueryResult]) -> dict[str, list[QueryResult]]:
    """The results by collection, the harder one split into its tuned and held-out parts."""
    named: dict[str, list[QueryResult]] = {}
    for r in results:
        name = r.query.collection
        if name == "hard":
            name = f"hard-{r.query.split}"
        named.setdefault(name, []).append(r)
    return named


def _summary_line(label: str, s: dict[str, float]) -> str:
    return (
        f"{label:<14} {s['queries']:>3}  MRR@10 {s['mrr10']:.3f}  S@1 {s['s1']:.3f}  "
        f"S@10 {s['s10']:.3f}  nDCG@10 {s['ndcg10']:.3f}"
    )


def report(
    results: Sequence[QueryResult],
    out: Any = sys.stdout,
    failures_only: bool = False,
    show_heldout: bool = False,
) -> None:
    """Figures overall, per collection and per kind; per query and failures. The held-out
    part's queries are only counted unless `show_heldout`: nobody tunes on what they see."""
    print(_summary_line("all", summarize(results)), file=out)
    for name, part in groups(results).items():
        print(f"\n{_summary_line(name, summarize(part))}", file=out)
        for kind in sorted({k for r in part for k in r.query.kind}):
            s = summarize([r for r in part if kind in r.query.kind])
            print(f"  {_summary_line(kind, s)}", file=out)
    if not show_heldout:
        results = [r for r in results if r.query.split != "heldout"]
    if not failures_only:
        print("\nper query:", file=out)
        print(f"  {'id':<28} {'rank':>4} {'RR':>5} {'nDCG':>5}  query", file=out)
        for r in results:
            rank = r.first_relevant or "-"
            print(
                f"  {r.query.id:<28} {rank!s:>4} {r.rr:5.2f} {r.ndcg:5.2f}  {r.query.query}",
                file=out,
            )
    failures = sorted((r for r in results if r.first_relevant != 1), key=lambda r: (r.rr, r.ndcg))
    print(f"\nfailures (first relevant hit not at rank 1): {len(failures)}", file=out)
    for r in failures:
        filters = "".join(
            [
                f" years={list(r.query.years)}" if r.query.years else "",
                f" sections={list(r.query.sections)}" if r.query.sections else "",
            ]
        )
        print(
            f"\n  {r.query.id}: {r.query.query!r}{filters}  rank {r.first_relevant or '-'}",
            file=out,
        )
        if r.error:
            print(f"    error: {r.error}", file=out)
        if not r.hits and not r.error:
            print("    no hits", file=out)
        for i, hit in enumerate(r.hits[:3], 1):
            print(f"    {i}. {_snippet(hit)}", file=out)
        wanted = next((j for j in r.query.relevant if j.grade == 2), r.query.relevant[0])
        print(f"    wanted: [{wanted.key}] …{wanted.contains}…", file=out)


def as_json(results: Sequence[QueryResult]) -> dict[str, Any]:
    return {
        "overall": summarize(results),
        "queries": [
            {
                "id": r.query.id,
                "query": r.query.query,
                "rank": r.first_relevant,
                "rr": r.rr,
                "ndcg10": r.ndcg,
                "error": r.error or None,
                "top": [{"file": h.get("_file"), "paragraph": h.get("paragraph")} for h in r.hits],
            }
            for r in results
        ],
    }


# --------------------------------------------------------------------------- running it


@dataclass
class Run:
    results: list[QueryResult]
    documents: int
    build_seconds: float
    search_seconds: float


def seeds_only(queries: Sequence[Query]) -> list[Query]:
    """The queries that have an answer in the seeds, judged on the seeds alone."""
    kept = (q.restricted_to("seeds") for q in queries)
    return [q for q in kept if q is not None]


def run(
    queries: Sequence[Query] | None = None,
    *,
    full: bool = False,
    with_un: bool = True,
    sample_size: int = SAMPLE_SIZE,
    index: Path | None = None,
    workdir: Path | None = None,
) -> Run:
    """Build (or reuse) an index and evaluate the queries on it.

    With `with_un=False` only the seeds are indexed and the queries are judged on the seeds.
    With `index` given, that index is used as is; it must have been built by this module over
    a folder laid out the same way (`--keep` prints where one was built).
    """
    from searchapp.indexer import update_index

    queries = list(queries if queries is not None else load_collection())
    if not with_un:
        queries = seeds_only(queries)
    with tempfile.TemporaryDirectory(prefix="searchapp-relevance-") as tmp:
        base = workdir or Path(tmp)
        documents = base / "documents"
        un = select_un(queries, full, sample_size) if with_un else []
        dfat = select_dfat(queries, full) if with_un else []
        if index is None or not documents.exists():
            count = build_documents(documents, un, dfat=dfat)
        else:
            count = len(un) + len(dfat) + 2
        started = time.perf_counter()
        if index is None:
            index = base / "index"
            update_index(documents, index, rebuild=True)
        build_seconds = time.perf_counter() - started
        searcher = Searcher(index, documents)
        started = time.perf_counter()
        results = evaluate(searcher, queries)
        search_seconds = time.perf_counter() - started
        close = getattr(searcher.service, "close", None)
        if callable(close):
            close()
    return Run(results, count, build_seconds, search_seconds)


def load_floors(path: Path = FLOORS) -> dict[str, dict[str, float]]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.relevance.evaluate", description=__doc__.split("\n\n")[0]
    )
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--full", action="store_true", help="index the whole UN corpus")
    scope.add_argument("--seeds-only", action="store_true", help="index the two seeds only")
    parser.add_argument(
        "--sample", type=int, default=SAMPLE_SIZE, help="UN distractors (default %(default)s)"
    )
    parser.add_argument(
        "--keep", type=Path, help="build in this folder and keep it (documents/, index/)"
    )
    parser.add_argument("--index", type=Path, help="use this index (built earlier with --keep)")
    parser.add_argument("--failures", action="store_true", help="leave out the per-query table")
    parser.add_argument(
        "--collection",
        choices=("base", "hard", "all"),
        default="all",
        help="which collection to run (default: both)",
    )
    parser.add_argument(
        "--show-heldout",
        action="store_true",
        help="also list the held-out queries one by one (never while tuning)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument(
        "--verify", action="store_true", help="only check the collection's substrings"
    )
    args = parser.parse_args(argv)

    queries = {"base": load_collection(), "hard": load_collection(HARD), "all": load_all()}[
        args.collection
    ]
    problems = verify_collection(queries)
    if problems:
        print("collection problems:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    if args.verify:
        print(
            f"{len(queries)} queries, {sum(len(q.relevant) for q in queries)} judgments: all found"
        )
        return 0
    with_un = not args.seeds_only and UNGDC_DIR.is_dir()
    if not with_un and not args.seeds_only:
        print(f"no UN corpus at {UNGDC_DIR}: evaluating the seeds-only queries", file=sys.stderr)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    outcome = run(
        queries,
        full=args.full,
        with_un=with_un,
        sample_size=args.sample,
        index=args.index,
        workdir=args.keep,
    )
    scope_name = "full" if args.full else ("sample" if with_un else "seeds")
    print(
        f"scope {scope_name}: {outcome.documents} files, "
        f"index built in {outcome.build_seconds:.1f} s, "
        f"{len(outcome.results)} queries in {outcome.search_seconds:.1f} s\n"
    )
    report(outcome.results, failures_only=args.failures, show_heldout=args.show_heldout)
    if args.json:
        args.json.write_text(json.dumps(as_json(outcome.results), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
