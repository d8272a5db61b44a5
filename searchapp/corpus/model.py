"""The values that flow from files to the index: metadata, paragraphs, documents."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Metadata:
    """What is known about a document. Every field may be unknown (None / empty)."""

    title: str | None = None
    date: str | None = None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    kind: str | None = None  # "joint declaration", "joint statement", "communiqué", "treaty", ...
    place: str | None = None
    parties: list[str] = field(default_factory=list)
    language: str | None = None
    source: str | None = None
    signatories: list[str] = field(default_factory=list)
    # The editors' apparatus of an edited collection, kept with the document, not as text:
    # the marking printed at the head of the paper ("Immediate Top Secret"), its printed
    # serial number (the cable number "1824") and archival references ("[NAA: A1838, 250/7]").
    classification: str | None = None
    number: str | None = None
    references: list[str] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    def merged_over(self, base: Metadata) -> Metadata:
        """This metadata, with its empty fields filled from `base` (given wins over extracted)."""
        out = Metadata()
        for name in self.__dataclass_fields__:
            mine = getattr(self, name)
            setattr(out, name, mine if mine else getattr(base, name))
        return out


@dataclass
class Paragraph:
    number: int  # 1..N in reading order
    text: str  # the document's own wording, unwrapped
    section_label: str  # the printed part ("II", "3.", a heading) or "" when the document has none
    section: str  # thematic section name from the taxonomy ("Trade and economy")
    # Editorial footnotes on this paragraph, without their numbers: shown with it, searched
    # with it (a search that only matches a note still finds the paragraph).
    notes: list[str] = field(default_factory=list)
    printed: str = ""  # the number the document prints before it ("13"), if it numbers them


@dataclass
class Document:
    path: str  # relative to the documents folder, with "/" separators
    metadata: Metadata
    paragraphs: list[Paragraph]
    warnings: list[str] = field(default_factory=list)
    # What ingestion took out of the text, by kind ("title", "dateline", "page furniture",
    # "source", "signature", "chrome", "classification"): metadata, not paragraphs.
    removed: list[tuple[str, str]] = field(default_factory=list)


class UnreadableFile(Exception):
    """A file that cannot be turned into a document; the message says why, for the user."""
