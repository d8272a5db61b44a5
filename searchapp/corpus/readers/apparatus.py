"""The editorial apparatus of an edited collection, told apart from the text it annotates.

Edited documents (the DFAT *Historical Documents* volumes) print around each paper what the
editors and registries added: the paper's serial number and security marking ("1824. IMMEDIATE
TOP SECRET"), footnotes (a marker "[1]" in the text, the note "1 See Document 37." after it),
and archive references ("[NAA: A1838, 250/7/10, i]"). They are kept with the document, not as
its paragraphs: markings, numbers and references as metadata, footnotes as notes of the
paragraph their marker stands in.

Input is the body as plain lines (inline markup gone, footnote markers replaced by `MARK`
placeholders, headings as "# " lines); output is the lines of the text and what was taken out.
A numbered line is a footnote only when a marker with its number is waiting for its note, or
when it opens the run of notes and references that ends the document: "2. I refer to…" (a
numbered paragraph) and "2 divisions were sent" (a sentence) stay text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from searchapp.corpus.notes import Note

# The placeholder a reader puts where a footnote marker stood (a `re.sub` template over a
# match whose group 1 is the note number): private-use characters no markup rule touches.
MARK = "\ue000\\1\ue001"
_MARKER = re.compile("\ue000(\\d{1,3})\ue001")

# "1 Not published.", "_1 See Document 37._", "- 2 Document 99." (a list), "[^3]: Ernest Bevin".
_NOTE = re.compile(
    r"^\s*(?:-\s+)?(?:\[\^(?P<pandoc>\d{1,3})\]:\s*"
    r"|_?\s*(?P<n>\d{1,3})(?:\s+(?=[^\s.])|(?=[A-Z][a-z])))"
    r"(?P<text>.*?)_?\s*$"
)
_ARCHIVE_REFERENCE = re.compile(r"^_?\[\s*[A-Z][A-Za-z]{1,5}\s*:\s*\S.{0,160}\]_?\.?$")

# Security markings and cable priorities, as registries typed them at the head of a paper.
_STRONG_MARKING = (
    r"top\s+secret|secret|confidential|restricted|unclassified|austeo|eclipse|guard"
    r"|cabinet[- ]in[- ]confidence|for\s+official\s+use\s+only"
)
_WEAK_MARKING = (
    r"(?:most\s+)?immediate|emergency|priority|urgent|important|routine|deferred|personal"
    r"|cypher|o\.\s?tel|and|&"
)
_MARKING = re.compile(
    r"^(?:(?P<number>(?:UN|NO\.)?\s*\d{1,5}(?:/\d{1,5})?)\s*\.\s*)?"
    rf"(?P<marking>(?:(?:{_STRONG_MARKING}|{_WEAK_MARKING})(?:[\s,]+|$))+)\.?$",
    re.I,
)
_STRONG = re.compile(rf"\b(?:{_STRONG_MARKING})\b", re.I)
# The editors' mark where they left text out: a note on the text before it, not a paragraph.
_OMISSION = re.compile(
    r"^_?\[\s*_?(?:matter|text|sentence|words?|paragraphs?)\s+(?:omitted|expunged)_?\s*\]_?\.?$",
    re.I,
)
# The document's own number and title printed as its first heading ("## 29 Defence Committee
# Minute"): the volume's numbering, metadata (the source names it), not a printed part.
_NUMBERED_TITLE = re.compile(r"^# \d{1,4}\s+\S")
# A bare serial number heading a cable ("432.").
_SERIAL = re.compile(r"^(?:UN|NO\.)?\s*(\d{1,5}(?:/\d{1,5})?)\.$", re.I)
# How far into a paper its head (dateline, number, marking) reaches, in blocks.
_HEAD_BLOCKS = 4
# "Cablegram, Washington, 16 March 1949", "Extract, Washington, 18 January 1951", "Canberra,
# undated": the place is the part before the date, never the kind of paper before it.
_DATELINE = re.compile(
    r"^(?:[A-Z][\w’' ]{1,40},\s+)*(?P<place>[A-Z][\w’'. -]{1,40}),\s+"
    r"(?:undated|(?:\d{1,2}(?:\s*(?:-|–|and)\s*\d{1,2})?\s+)?[A-Z][a-z]+\.?\s+\d{4}|\d{4})\b"
)


@dataclass
class Apparatus:
    lines: list[str]  # the text, blank lines between paragraphs
    notes: list[Note] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    classification: str | None = None
    number: str | None = None
    place: str | None = None


def separate(lines: list[str], title_markers: list[int] | None = None) -> Apparatus:
    """Take the apparatus out of `lines` (see the module docstring). `title_markers` are the
    numbers of markers in the title: their notes go to the first paragraph."""
    return _Separator(_blocks(lines), title_markers or []).run()


class _Separator:
    """One pass over the blocks of a body, in reading order."""

    def __init__(self, blocks: list[list[str]], title_markers: list[int]) -> None:
        self.blocks = blocks
        self.out = Apparatus(lines=[])
        self.markings: list[str] = []
        self.waiting: dict[int, tuple[str, str]] = {}  # note number -> words around its marker
        self.pending = list(title_markers)  # markers in headings: anchored on the next text
        self.last_text = ""  # the latest text, for notes whose markers were lost
        self.last_note: int | None = None  # the note a following unnumbered block continues
        self.trailing = _trailing_apparatus(blocks)

    def run(self) -> Apparatus:
        for i, block in enumerate(self.blocks):
            if not self._apparatus(i, block):
                self.last_note = None
                self._text(block, head=i < _HEAD_BLOCKS)
        if self.markings:
            self.out.classification = "; ".join(dict.fromkeys(self.markings))
        return self.out

    def _apparatus(self, i: int, block: list[str]) -> bool:
        """Take `block` into the metadata or the notes if it is apparatus; False for text."""
        first = block[0].strip()
        head = i < _HEAD_BLOCKS
        if _ARCHIVE_REFERENCE.match(first) and len(block) == 1:
            self.out.references.append(first.strip("_").rstrip("."))
        elif head and not self.out.lines and _NUMBERED_TITLE.match(first):
            self.pending += _marker_numbers(first)
        elif _OMISSION.match(_strip_markers(first)) and len(block) == 1:
            omission = " ".join(_strip_markers(first).strip("_ .[]").split())
            self.out.notes.append(Note(f"[{omission}]", self.last_text))
        elif _marking(first, head, self.out, self.markings):
            # "161.[1] IMMEDIATE TOP SECRET": the note is on the paper, given to its text.
            self.pending += _marker_numbers(first)
        elif self._is_note(_note_number(first), i):
            self._notes(block, i)
        elif self.last_note is not None and (
            i >= self.trailing or any(n > self.last_note for n in self.waiting)
        ):
            # A note printed over more than one paragraph.
            for line in block:
                _continue_note(self.out, line)
        else:
            return False
        return True

    def _is_note(self, number: int | None, i: int) -> bool:
        return number is not None and (number in self.waiting or i >= self.trailing)

    def _notes(self, block: list[str], i: int) -> None:
        for line in block:
            # One note a line in a list of notes; other lines go on with the last note.
            number = _note_number(line)
            if number is None or not self._is_note(number, i):
                _continue_note(self.out, line)
                continue
            before, after = self.waiting.pop(number, (self.last_text, ""))
            text = _NOTE.match(line).group("text")  # type: ignore[union-attr]
            self.out.notes.append(Note(_strip_markers(text).strip(), before, after))
            self.last_note = number

    def _text(self, block: list[str], head: bool) -> None:
        first = block[0].strip()
        dateline = _DATELINE.match(first) if head else None
        if dateline and self.out.place is None:
            self.out.place = dateline.group("place").strip()
        for line in block:
            plain, found = _take_markers(line)
            heading = plain.startswith("# ")
            for number, before, after in found:
                if heading:
                    self.pending.append(number)
                else:
                    self.waiting[number] = (before, after)
            if not heading and not dateline:
                # (A dateline is metadata, no paragraph: its notes go to the text after it.)
                for number in self.pending:
                    self.waiting[number] = ("", plain)
                self.pending = []
                self.last_text = plain
            lines = self.out.lines
            if heading and len(lines) >= 2 and lines[-2].startswith("# ") and not lines[-1]:
                # A heading right under another ("The Political Problems of a Korean
                # Armistice", "Introduction"): one label, so that no heading's words are lost.
                # (A heading is a block of its own: nothing follows it in this block.)
                lines[-2] = f"{lines[-2]} · {plain[2:]}"
                return
            lines.append(plain)
        self.out.lines.append("")


def _marker_numbers(line: str) -> list[int]:
    return [number for number, _, _ in _take_markers(line)[1]]


def _note_number(line: str) -> int | None:
    found = _NOTE.match(line)
    if not found:
        return None
    return int(found.group("pandoc") or found.group("n"))


def _continue_note(out: Apparatus, line: str) -> None:
    prev = out.notes[-1]
    extra = _strip_markers(line).strip().strip("_").strip()
    if extra:
        out.notes[-1] = Note(f"{prev.text} {extra}", prev.before, prev.after)


def unique_references(references: list[str]) -> list[str]:
    """Each archive reference once ("[NAA : A1838, 250/7]" and "[NAA: A1838, 250/7]" are one),
    in the form whose brackets balance (front matter sometimes lost the last one)."""
    seen: dict[str, str] = {}
    for ref in references:
        key = re.sub(r"\W+", "", ref).lower()
        if key not in seen or ref.count("[") == ref.count("]"):
            seen[key] = ref
    return list(seen.values())


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines; a heading is a block of its own."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if not line.strip() or line.startswith("# "):
            if current:
                blocks.append(current)
            current = [line] if line.strip() else []
            if current:
                blocks.append(current)
                current = []
            continue
        current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _trailing_apparatus(blocks: list[list[str]]) -> int:
    """Where the run of notes and references that ends the document starts (len: none).

    Recognised from the end: only notes and references, and a note numbered 1 or a
    reference among them, so that a text that simply ends with a numbered line keeps it.
    """
    start = len(blocks)
    found = False
    for i in range(len(blocks) - 1, -1, -1):
        first = blocks[i][0].strip()
        if _ARCHIVE_REFERENCE.match(first):
            start, found = i, True
            continue
        number = _note_number(first)
        if number is None:
            break
        start = i
        found = found or number == 1
    return start if found else len(blocks)


def _marking(line: str, head: bool, out: Apparatus, markings: list[str]) -> bool:
    """Take a security marking or serial number line into `out`; False for text."""
    found = _MARKING.match(_strip_markers(line))
    marking = " ".join(found.group("marking").replace(",", " ").split()) if found else ""
    if not re.sub(r"\band\b|&", "", marking, flags=re.I).strip():
        found = None  # "And" alone is a word, not a marking
    if found and (head or _STRONG.search(marking)):
        markings.append(_marking_case(marking))
        if found.group("number") and out.number is None:
            out.number = " ".join(found.group("number").split())
        return True
    serial = _SERIAL.match(line) if head else None
    if serial and out.number is None:
        out.number = serial.group(1)
        return True
    return False


def _marking_case(marking: str) -> str:
    """ "TOP SECRET AND PERSONAL" -> "Top Secret and Personal"; mixed case stays as printed."""
    if not marking.isupper():
        return marking
    return " ".join(w.lower() if w.lower() == "and" else w.capitalize() for w in marking.split())


def _take_markers(line: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The line without its markers, and each marker's number with the words around it."""
    found = []
    for m in _MARKER.finditer(line):
        before = _strip_markers(line[: m.start()])
        after = _strip_markers(line[m.end() :])
        found.append((int(m.group(1)), before, after))
    return _strip_markers(line), found


def _strip_markers(text: str) -> str:
    return _MARKER.sub("", text)
