"""Search results as files to take away: CSV and JSON Lines rows, one per hit.

The rows are the same for the web exports (`/search.csv`, `/search.jsonl`) and for
`searchapp search --format csv|jsonl`. Writers are generators of text chunks, so a caller can
stream any number of hits with flat memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from searchapp.search import HitStream

COLUMNS = (
    "doc_id",
    "doc_title",
    "date",
    "year",
    "parties",
    "section",
    "section_label",
    "paragraph",
    "pid",
    "text",
    "permalink",
    "score",
)
# Excel and LibreOffice read UTF-8 CSV right only when it starts with a byte-order mark.
CSV_BOM = "\ufeff"
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection);
# OWASP's advice is to prefix such cells with a quote, which spreadsheets show as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_row(hit: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A hit of the search JSON as an export row, its permalink made absolute."""
    return {
        "doc_id": hit["doc_id"],
        "doc_title": hit.get("doc_title"),
        "date": hit.get("date"),
        "year": hit.get("year"),
        "parties": list(hit.get("parties") or []),
        "section": hit.get("section"),
        "section_label": hit.get("section_label"),
        "paragraph": hit.get("paragraph"),
        "pid": hit["pid"],
        "text": hit.get("text"),
        "permalink": base_url.rstrip("/") + hit["url"],
        "score": hit.get("score"),
    }


def safe_cell(value: Any) -> str:
    """A CSV cell as text that no spreadsheet evaluates."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_line(cells: Iterable[str]) -> str:
    # The csv module quotes as RFC 4180 asks (double quotes, doubled inside) and ends rows
    # with CRLF; one small buffer per row keeps memory flat.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def truncation_note(stream: HitStream) -> str | None:
    """What to say at the end of the file: that the cap stopped it, if it did."""
    if not getattr(stream, "truncated", False):
        return None
    return (
        f"Export stopped at its cap of {stream.cap:,} rows; the search has {stream.total:,}"
        " hits. Narrow the search (filters, years) to export the rest."
    )


def csv_chunks(hits: HitStream | list[dict[str, Any]], base_url: str) -> Iterator[str]:
    """The CSV file: BOM, header, a line per hit; a last row says so when the cap cut it."""
    yield CSV_BOM + _csv_line(COLUMNS)
    for hit in hits:
        row = export_row(hit, base_url)
        yield _csv_line(safe_cell(row[c]) for c in COLUMNS)
    if note := truncation_note(hits):  # type: ignore[arg-type]
        yield _csv_line([note] + [""] * (len(COLUMNS) - 1))


def jsonl_chunks(hits: HitStream | list[dict[str, Any]], base_url: str) -> Iterator[str]:
    """JSON Lines: an object per hit; a last `{"truncated": true, …}` when the cap cut it."""
    for hit in hits:
        yield json.dumps(export_row(hit, base_url), ensure_ascii=False) + "\n"
    if note := truncation_note(hits):  # type: ignore[arg-type]
        yield json.dumps({"truncated": True, "message": note}, ensure_ascii=False) + "\n"


WRITERS = {"csv": csv_chunks, "jsonl": jsonl_chunks}
