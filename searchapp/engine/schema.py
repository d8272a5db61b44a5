"""The index schema: one Whoosh document per paragraph."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import columns
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from searchapp.engine.analysis import text_analyzer

PARTY_SEPARATOR = ","
UNKNOWN_YEAR = 0  # stored for documents whose date is unknown; shown as "unknown"


@dataclass(frozen=True)
class ParagraphRecord:
    """What the engine stores and searches for one paragraph."""

    doc_id: str
    pid: int
    paragraph: int
    text: str
    section: str
    section_label: str
    year: int | None
    date: str | None
    doc_title: str
    order: int  # position in "oldest document first, reading order" over the whole corpus
    parties: tuple[str, ...] = ()  # canonical names (corpus/parties.py)
    notes: tuple[str, ...] = ()  # editorial footnotes on the paragraph (shown and searched)
    heading: str = ""  # the printed heading this paragraph opens (searched, not shown)

    def searched_text(self) -> str:
        """What the paragraph is found by: its heading, its text and its notes."""
        return "\n".join(filter(None, (self.heading, self.text, *self.notes)))


def build_schema() -> Schema:
    analyzer = text_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),  # "doc_id/pid"
        doc_id=ID(stored=True, sortable=True),
        pid=STORED(),
        paragraph=STORED(),
        # phrase=True keeps positions: exact phrases and proximity boosts need them.
        text=TEXT(analyzer=analyzer, stored=True, phrase=True),
        notes=STORED(),
        heading=STORED(),
        doc_title=TEXT(analyzer=analyzer, stored=True, phrase=False),
        section_text=TEXT(analyzer=analyzer, phrase=False),
        section=ID(stored=True, sortable=True),
        section_label=STORED(),
        year=NUMERIC(int, stored=True, sortable=True, signed=False, bits=32),
        date=STORED(),
        # Only sorted on, never searched: a column costs nothing in the inverted index.
        order=COLUMN(columns.NumericColumn("q")),
        # One term per party, exact (the party filter, facet and tier); stored "A,B".
        parties=KEYWORD(stored=True, commas=True, scorable=True),
    )


def stored_searched_text(stored: dict[str, object]) -> str:
    """`ParagraphRecord.searched_text` of a paragraph as stored in the index."""
    notes = stored.get("notes") or []
    parts = [str(stored.get("heading") or ""), str(stored["text"]), *map(str, notes)]  # type: ignore[call-overload]
    return "\n".join(filter(None, parts))


def record_to_fields(rec: ParagraphRecord) -> dict[str, object]:
    return {
        "key": f"{rec.doc_id}/{rec.pid}",
        "doc_id": rec.doc_id,
        "pid": rec.pid,
        "paragraph": rec.paragraph,
        # The text field indexes the heading and notes too (so every query form finds them)
        # but stores only the paragraph's own words, which hits show.
        "text": rec.searched_text(),
        "_stored_text": rec.text,
        "notes": list(rec.notes),
        "heading": rec.heading,
        "doc_title": rec.doc_title,
        "section_text": rec.section,
        "section": rec.section,
        "section_label": rec.section_label,
        "year": rec.year or UNKNOWN_YEAR,
        "date": rec.date,
        "order": rec.order,
        "parties": PARTY_SEPARATOR.join(p.replace(PARTY_SEPARATOR, " ") for p in rec.parties),
    }


def stored_parties(fields: dict[str, object]) -> list[str]:
    """The parties of a stored paragraph (none in an index built before the field existed)."""
    value = str(fields.get("parties") or "")
    return [p for p in value.split(PARTY_SEPARATOR) if p]
