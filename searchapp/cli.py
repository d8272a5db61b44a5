"""The command line: index, search, add, compare, serve.

Exit status: 0 success, 1 a partial failure (some files could not be indexed), 2 wrong
usage, a refused query, or an index busy with another writer.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from searchapp.config import Settings, load_settings

# Each command imports what it needs when it runs: `searchapp --help` must not pay for the
# engine, the readers or the web stack, nor `searchapp search` for the readers.
if TYPE_CHECKING:
    from searchapp.indexer import IndexSummary
    from searchapp.search import SearchService

OK, PARTIAL, USAGE = 0, 1, 2
WATCH_INTERVAL = 2.0
ADD_WAIT = 120.0  # seconds `add` waits for another indexer (another add, say) to finish
SKIPPED_SHOWN = 20  # files named one by one in the summary; a folder of pictures is not listed


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(USAGE, f"searchapp: error: {message}\n")


def _folders(p: argparse.ArgumentParser) -> None:
    p.add_argument("--documents", metavar="DIR", help="documents folder (default: documents/)")
    p.add_argument("--index", metavar="DIR", help="index folder (default: index/)")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="searchapp", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)

    p = sub.add_parser("index", help="bring the index up to date with the documents folder")
    _folders(p)
    p.add_argument("--rebuild", action="store_true", help="rebuild the whole index")
    p.add_argument("--watch", action="store_true", help="keep indexing as files change")
    p.add_argument(
        "--check",
        action="store_true",
        help="compare the index with the registry and repair any difference",
    )

    p = sub.add_parser("search", help="search from the command line")
    _folders(p)
    p.add_argument("query", nargs="?", default="", help="the query (empty: browse)")
    _filters(p)
    p.add_argument("--limit", type=int, default=10, help="hits to show (default 10, any number)")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--sort", default="relevance", choices=["relevance", "newest", "oldest"])
    p.add_argument("--json", action="store_true", help="print the HTTP API's JSON")
    p.add_argument(
        "--format",
        choices=["text", "json", "jsonl", "csv"],
        default="text",
        help="json: the HTTP API's JSON (as --json); jsonl, csv: the rows of /search.csv",
    )
    p.add_argument(
        "--all", action="store_true", help="with --format csv|jsonl: every hit (up to the cap)"
    )

    p = sub.add_parser("trend", help="how a query's hits spread over the years")
    _folders(p)
    p.add_argument("query", nargs="?", default="", help="the query (empty: every paragraph)")
    _filters(p)
    p.add_argument("--json", action="store_true", help="print the JSON of /api/trend")

    p = sub.add_parser("add", help="add new texts and index them")
    _folders(p)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--title")
    p.add_argument("--date", help="YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--kind", help='e.g. "joint statement"')
    p.add_argument("--parties", help='separated by ";", e.g. "China;Russia"')

    p = sub.add_parser("compare", help="compare two documents paragraph by paragraph")
    _folders(p)
    p.add_argument("a", metavar="A", help="the earlier document's id")
    p.add_argument("b", metavar="B", help="the document compared with it")
    p.add_argument("--json", action="store_true", help="print the JSON of /api/compare")

    p = sub.add_parser("serve", help="serve the web UI (development server)")
    _folders(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # --help and usage errors end here, quickly
    from searchapp.consistency import IndexNotWritten
    from searchapp.engine.store import IndexBusy

    try:
        settings = load_settings(args.documents, args.index)
    except ValueError as exc:  # a setting in the environment that cannot be used
        print(f"searchapp: {exc}", file=sys.stderr)
        return USAGE
    if settings.index.exists() and not settings.index.is_dir():
        print(f"searchapp: the index path {settings.index} is not a folder", file=sys.stderr)
        return USAGE
    command = {
        "index": cmd_index,
        "search": cmd_search,
        "trend": cmd_trend,
        "add": cmd_add,
        "compare": cmd_compare,
        "serve": cmd_serve,
    }
    try:
        return command[args.command](args, settings)
    except IndexBusy as exc:
        print(f"searchapp: {exc}", file=sys.stderr)
        return USAGE
    except IndexNotWritten as exc:
        print(f"searchapp: {exc}", file=sys.stderr)
        return PARTIAL
    except KeyboardInterrupt:
        print("searchapp: interrupted; the index is as it was before this run", file=sys.stderr)
        return PARTIAL


class ProgressBar:
    """A progress bar on a terminal; silent when stderr is a file or a pipe."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{total} {name[-40:]:<40}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _report(summary: IndexSummary) -> int:
    for rel, reason in summary.failed:
        print(f"searchapp: cannot index {rel}: {reason}", file=sys.stderr)
    for rel, reason in summary.skipped[:SKIPPED_SHOWN]:
        print(f"searchapp: skipped {rel}: {reason}", file=sys.stderr)
    if len(summary.skipped) > SKIPPED_SHOWN:
        print(
            f"searchapp: ... and {len(summary.skipped) - SKIPPED_SHOWN} more skipped",
            file=sys.stderr,
        )
    for line in _warning_lines(summary.warnings):
        print(line, file=sys.stderr)
    print(summary.line())
    return PARTIAL if summary.failed else OK


def _warning_lines(warnings: list[tuple[str, str]]) -> list[str]:
    """Each warning once per file, but a warning most files share (a corpus where only the
    year of every speech is known) is named SKIPPED_SHOWN times and then counted."""
    by_kind: dict[str, int] = {}
    lines = []
    for rel, warning in warnings:
        kind = warning.split(" (", 1)[0]
        by_kind[kind] = by_kind.get(kind, 0) + 1
        if by_kind[kind] <= SKIPPED_SHOWN:
            lines.append(f"searchapp: warning: {rel}: {warning}")
    for kind, count in by_kind.items():
        if count > SKIPPED_SHOWN:
            lines.append(f"searchapp: ... and {count - SKIPPED_SHOWN} more files: {kind}")
    return lines


def _check_documents(settings: Settings) -> bool:
    if not settings.documents.is_dir():
        print(f"searchapp: no documents folder at {settings.documents}", file=sys.stderr)
        return False
    return True


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from searchapp.engine.store import IndexBusy
    from searchapp.indexer import update_index

    if args.check:
        return _check(args, settings)
    if not _check_documents(settings):
        return USAGE
    # Taken before the first run: a file that appears while it runs is picked up next.
    seen = _snapshot(settings.documents) if args.watch else {}
    status = _report(update_index(settings.documents, settings.index, args.rebuild, ProgressBar()))
    if not args.watch:
        return status
    print(f"watching {settings.documents} (Ctrl-C to stop)")
    while True:
        time.sleep(WATCH_INTERVAL)
        now = _snapshot(settings.documents)
        if now != seen:
            seen = now
            try:
                _report(update_index(settings.documents, settings.index))
            except IndexBusy as exc:
                print(f"searchapp: {exc}", file=sys.stderr)
                seen = {}


def _check(args: argparse.Namespace, settings: Settings) -> int:
    """`index --check`: exit 0 when index and registry agree, 1 when drift was found (and
    repaired: a second check says "consistent")."""
    from searchapp.indexer import check_index

    if args.rebuild or args.watch:
        print("searchapp: --check goes alone (no --rebuild, no --watch)", file=sys.stderr)
        return USAGE
    if not (settings.index / "registry.sqlite").is_file():
        print(
            f"searchapp: no index in {settings.index}: run `searchapp index` first", file=sys.stderr
        )
        return USAGE
    report = check_index(settings.index)
    for line in report.lines():
        print(line)
    return OK if report.consistent else PARTIAL


def _snapshot(documents: Path) -> dict[str, tuple[float, int]]:
    """What changes when a file appears, changes or goes: names, times and sizes."""
    from searchapp.indexer import scan

    out = {}
    for rel in [*scan(documents), "metadata.csv"]:
        try:
            st = (documents / rel).stat()
        except FileNotFoundError:
            continue
        out[rel] = (st.st_mtime, st.st_size)
    return out


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", action="append", default=[], help="filter by year (repeatable)")
    p.add_argument("--section", action="append", default=[], help="filter by section")
    p.add_argument(
        "--party", action="append", default=[], help="filter by party (repeatable): China, RUS"
    )


def _service(settings: Settings) -> SearchService:
    from searchapp.search import SearchService

    return SearchService(
        settings.index,
        settings.max_query_length,
        settings.max_prefix_expansion,
        settings.per_page_max,
    )


TREND_BAR = 40  # characters of the longest bar


def cmd_trend(args: argparse.Namespace, settings: Settings) -> int:
    from searchapp.engine.query import QueryRefused
    from searchapp.engine.store import IndexMissing
    from searchapp.search import BadRequest, SearchRequest

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    req = SearchRequest(q=args.query, years=args.year, sections=args.section, parties=args.party)
    try:
        result = _service(settings).trend(req)
    except (BadRequest, QueryRefused, IndexMissing) as exc:
        print(f"searchapp: {exc}", file=sys.stderr)
        return USAGE
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return OK
    top = max((b["per_1000"] for b in result["buckets"]), default=0) or 1
    print(f"{'year':>4}  {'hits':>6}  {'paragraphs':>10}  {'per 1,000':>9}")
    for b in result["buckets"]:
        bar = "█" * round(TREND_BAR * b["per_1000"] / top)
        print(
            f"{b['year']:>4}  {b['hits']:>6}  {b['paragraphs']:>10}  {b['per_1000']:>9.1f}  {bar}"
        )
    if result["unknown_year_hits"]:
        print(f"and {result['unknown_year_hits']} hits in texts whose year is unknown")
    return OK


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    # Piping the hits into `head` must end quietly, as for any Unix tool.
    from searchapp import exports
    from searchapp.engine.query import QueryRefused
    from searchapp.engine.store import IndexMissing
    from searchapp.search import BadRequest, SearchRequest

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        service = _service(settings)
        req = SearchRequest(
            q=args.query,
            years=args.year,
            sections=args.section,
            parties=args.party,
            page=args.page,
            sort=args.sort,
        )
        result = service.search_many(req, args.limit)
    except (BadRequest, QueryRefused) as exc:
        print(f"searchapp: {exc}", file=sys.stderr)
        return USAGE
    except IndexMissing as exc:
        print(f"searchapp: {exc}", file=sys.stderr)
        return USAGE
    if args.json or args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return OK
    if args.format in ("csv", "jsonl"):
        hits = service.all_hits(req) if args.all else result["hits"]
        writer = exports.WRITERS[args.format]
        sys.stdout.writelines(writer(hits, settings.base_url))
        return OK
    _print_hits(result)
    return OK


def _print_hits(result: dict) -> None:  # type: ignore[type-arg]
    for notice in result["notices"]:
        print(f"note: {notice}")
    if result["suggestion"]:
        used = " (showing its results)" if result["suggestion_used"] else ""
        print(f"did you mean: {result['suggestion']}{used}")
    print(f"{result['total']} paragraphs")
    for hit in result["hits"]:
        label = f" {hit['section_label']}" if hit["section_label"] else ""
        print(
            f"\n{hit['doc_title']} ({hit['date'] or 'undated'}) ¶{hit['paragraph']}"
            f" · {hit['section']}{label}"
        )
        print(f"  {hit['url']}")
        print(f"  {hit['text'][:300]}{'…' if len(hit['text']) > 300 else ''}")


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from searchapp.adding import RejectedFile, check_date, place, record_metadata
    from searchapp.corpus.model import Metadata, UnreadableFile
    from searchapp.corpus.readers import check_size
    from searchapp.indexer import update_index
    from searchapp.search import SearchService, document_url, paragraph_url

    try:
        date = check_date(args.date)
    except RejectedFile as exc:
        print(f"searchapp: {exc}", file=sys.stderr)
        return USAGE
    parties = [p.strip() for p in (args.parties or "").split(";") if p.strip()]
    given = Metadata(title=args.title, date=date, kind=args.kind, parties=parties)
    settings.documents.mkdir(parents=True, exist_ok=True)
    placed, status = [], OK
    for name in args.files:
        path = Path(name)
        try:
            # Refused before it is read or copied: a file over the limit would never be indexed.
            check_size(path.stat().st_size, settings.read_limits.max_file_bytes)
            data = path.read_bytes()
            spot = place(settings.documents, path.name, data)
        except (OSError, RejectedFile, UnreadableFile) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            print(f"searchapp: cannot add {name}: {reason}", file=sys.stderr)
            status = PARTIAL
            continue
        record_metadata(settings.documents, spot.relpath, given)
        placed.append(spot.relpath)
    if not placed:
        return USAGE if status == PARTIAL and len(args.files) == 1 else status
    summary = update_index(settings.documents, settings.index, wait=ADD_WAIT)
    if summary.unreplicated:
        print(f"searchapp: warning: {summary.unreplicated}", file=sys.stderr)
    failed = dict(summary.failed) | dict(summary.skipped)
    service = SearchService(settings.index)
    for rel in placed:
        if rel in failed:
            print(f"searchapp: cannot index {rel}: {failed[rel]}", file=sys.stderr)
            status = PARTIAL
            continue
        doc = service.registry.document_for_path(rel)
        if doc is not None:
            first = service.paragraphs(doc.doc_id)
            url = paragraph_url(doc.doc_id, first[0].pid) if first else ""
            print(f"{doc.doc_id}\t{document_url(doc.doc_id)}\t{url}")
    return status


def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 2 when the comparison cannot be made (a document unknown, or twice the same)."""
    from searchapp.compare import CannotCompare, compare, summary
    from searchapp.registry import Registry

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # into `head`, quietly, as `search`
    try:
        found = compare(Registry(settings.index, readonly=True), args.a, args.b)
    except CannotCompare as exc:
        print(f"searchapp: {exc}", file=sys.stderr)
        return USAGE
    if args.json:
        print(json.dumps(found.json(), ensure_ascii=False, indent=2))
        return OK
    counts = summary(found.pairs)
    print(
        f"{found.a.doc_id} → {found.b.doc_id}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    )
    for pair in found.pairs:
        where = " → ".join(f"¶{side.number}" for side in (pair.a, pair.b) if side is not None)
        shown = pair.b or pair.a
        assert shown is not None
        print(f"{pair.status:<8} {where:<12} {shown.text[:100]}")
    return OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from searchapp import create_app
    from searchapp.consistency import IndexNotWritten
    from searchapp.engine.dense import SYNC_LIMIT, allow_background
    from searchapp.engine.store import IndexBusy
    from searchapp.indexer import update_index

    # A browser that cancels a request (htmx does, while the user types) closes its socket:
    # the write to it must fail in that request's thread (the server logs it and goes on),
    # never raise SIGPIPE, whose default action would end the whole server.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if not _check_documents(settings):
        return USAGE
    try:
        # A big folder's vectors are embedded by the server in the background (engine/dense.py).
        allow_background()
        _report(
            update_index(
                settings.documents, settings.index, progress=ProgressBar(), embed_limit=SYNC_LIMIT
            )
        )
    except (IndexBusy, IndexNotWritten) as exc:
        print(f"searchapp: {exc}; serving the index as it is", file=sys.stderr)
    app = create_app(settings)
    app.run(host=args.host, port=args.port)
    return OK


if __name__ == "__main__":
    sys.exit(main())
