"""Restore the paragraphs of a cleaned text, and the printed parts they belong to.

Two shapes of file occur and are told apart per file: one paragraph per line (lines of very
different lengths, often hundreds of characters), and text hard-wrapped at a fixed width (most
lines close to that width, the last line of each paragraph shorter). In both, a paragraph that a
page break split (the blank line or removed page header left behind it) is joined again when
the first part stops mid-sentence and the second goes on in lower case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from searchapp.corpus.formulae import is_address, is_closing
from searchapp.corpus.furniture import PAGE_BREAK

_ROMAN = re.compile(
    r"^(?=[IVXLC])M{0,3}(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})\.?$", re.I
)
_PART = re.compile(
    r"^(?:part|section|chapter|article|annex|title)\s+(?:[IVXLC]+|\d{1,3}|[a-z])\b\.?"
    r"(?:\s*[-–—:.]?\s*[A-Z][^.!?;]{0,80})?$",
    re.I,
)
# "1." or "2. Political relations" alone on a line (no sentence after the heading).
_NUMBERED_HEADING = re.compile(r"^(\d{1,2})\.(?:\s+([A-Z][^.!?;:,]{0,70}))?$")
_SECOND_PART = re.compile(r"^((?:part|section|chapter|article)\s+)(2|II)\b", re.I)
# A numbered heading has a few words and does not stop mid-phrase.
_HEADING_MAX_WORDS = 8
_FUNCTION_WORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "these",
        "this",
        "those",
        "to",
        "was",
        "were",
        "which",
        "with",
        "is",
        "are",
        "be",
    )
)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+)$")

# A list item: dashes and bullets, "(a)", "a)", "(iv)", "1.", "1)" followed by text.
_LIST_ITEM = re.compile(
    r"^(?:[—–\-•·▪●○◦*]\s+|\((?:[a-z]|[ivxlc]{1,5}|\d{1,3})\)\s+|(?:[a-z]|\d{1,3})[.)]\s+)", re.I
)
# Where a sentence can end: final punctuation, possibly followed by closing quotes/brackets.
_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
_WORD_BEFORE_HYPHEN = re.compile(r"([^\W\d_][\w'’]*(?:-[\w'’]+)*)-$")
_FIRST_WORD = re.compile(r"^([^\W\d_]+)")
_WORDS = re.compile(r"[^\W\d_]+")
_INNER_SPACES = re.compile(r"[ \t]+")

# A file is hard-wrapped when its lines cluster under a fixed width.
_MAX_WRAP_WIDTH = 160
_WRAP_SHARE = 0.5
# In wrapped text a line shorter than this share of the width ended its paragraph.
_SHORT_LINE = 0.6
_ENDED_LINE = 0.85


@dataclass
class Block:
    text: str
    section_label: str = ""


@dataclass
class _Para:
    lines: list[str]
    heading: str | None = None  # a printed part label, not a paragraph
    list_item: bool = False
    after_page_break: bool = False  # page furniture stood just before it


def parse(lines: list[str]) -> list[Block]:
    """Paragraphs of the text, in reading order, each with its printed section label."""
    stripped = [line if line == PAGE_BREAK else _squeeze(line) for line in lines]
    width = wrap_width(stripped)
    vocabulary = _Vocabulary(stripped)
    paras = _segment(stripped, width)
    paras = _join_split_paragraphs(paras)
    return _attach_formulae(_label_sections(paras, vocabulary))


def _squeeze(line: str) -> str:
    line = line.strip()
    # The regex only where needed: most lines have no runs of spaces or tabs.
    return _INNER_SPACES.sub(" ", line) if "  " in line or "\t" in line else line


def wrap_width(lines: list[str]) -> int | None:
    """The width the text was hard-wrapped at, or None when each line is a paragraph."""
    lengths = sorted(len(line) for line in lines if line and line != PAGE_BREAK)
    if len(lengths) < 4:
        return None
    width = lengths[int(len(lengths) * 0.9) - 1]
    if width > _MAX_WRAP_WIDTH or width < 30:
        return None
    near = sum(1 for n in lengths if n >= 0.7 * width)
    longer = sum(1 for n in lengths if n > 1.3 * width)
    if near / len(lengths) < _WRAP_SHARE or longer / len(lengths) > 0.05:
        return None
    return width


def heading_label(line: str, width: int | None = None) -> str | None:
    """The printed label when `line` is a section heading ("II", "Part 2", "3.", "# Title").

    In hard-wrapped text a heading is a short line: a full-width line starting "2. Another
    issue is" is the first line of a numbered paragraph, not a heading.
    """
    md = _MD_HEADING.match(line)
    if md:
        return md.group(1).strip()
    if len(line) > 90 or (width is not None and len(line) >= _SHORT_LINE * width):
        return None
    if _ROMAN.match(line):
        return line.rstrip(".").upper()
    if _PART.match(line):
        return line.rstrip(".")
    numbered = _NUMBERED_HEADING.match(line)
    if numbered and not numbered.group(2):
        return numbered.group(1) + "."
    if numbered and _heading_words(numbered.group(2)):
        return line
    return None


def _heading_words(text: str) -> bool:
    """A few words that do not stop mid-phrase: "Ocean Resources", not "the reform of the"."""
    words = text.split()
    return (
        len(words) <= _HEADING_MAX_WORDS
        and words[-1].lower() not in _FUNCTION_WORDS
        and not words[-1].endswith("-")  # "34. Recovery from … of climate-" goes on
    )


def _segment(lines: list[str], width: int | None) -> list[_Para]:
    """Split lines into paragraphs: at blank lines, headings, list items and ended lines."""
    paras: list[_Para] = []
    current: _Para | None = None
    prev = ""
    page_break = False
    for line in lines:
        if not line or line == PAGE_BREAK:
            current = None
            prev = ""
            page_break = page_break or line == PAGE_BREAK
            continue
        label = heading_label(line, width)
        if label is not None:
            paras.append(_Para([line], heading=label))
            current = None
            prev = ""
            page_break = False
            continue
        is_item = bool(_LIST_ITEM.match(line)) and (
            not prev or width is None or _ENDS_SENTENCE.search(prev) or len(prev) < 0.6 * width
        )
        if current is None or width is None or is_item or _ends_paragraph(prev, line, width):
            current = _Para([line], list_item=is_item, after_page_break=page_break)
            paras.append(current)
            page_break = False
        else:
            current.lines.append(line)
        prev = line
    return paras


def _ends_paragraph(prev: str, line: str, width: int) -> bool:
    """In wrapped text: did the paragraph end with `prev`, given that `line` follows?"""
    if prev.endswith("-"):
        return False
    if _ENDS_SENTENCE.search(prev) and len(prev) < _ENDED_LINE * width:
        return True
    return len(prev) < _SHORT_LINE * width and not line[0].islower()


def _join_split_paragraphs(paras: list[_Para]) -> list[_Para]:
    """Join a paragraph that stops mid-sentence to the next one when it goes on in lower case."""
    out: list[_Para] = []
    for para in paras:
        if out and _continues(out[-1], para):
            out[-1].lines.extend(para.lines)
        else:
            out.append(para)
    return out


# "resolution 181" | "(II)": the session numeral of a resolution, on the next line.
_SESSION_NUMERAL = re.compile(r"^\([IVXL]{1,6}\)(?:[\s,.;:)]|$)")
_OPENS_TEXT = re.compile(r"^[\w“\"‘'(]")


def _continues(before: _Para, after: _Para) -> bool:
    """Does `after` go on with the sentence `before` stops in (a line or page break cut it)?"""
    if before.heading is not None or after.heading is not None:
        return False
    last = before.lines[-1]
    first = after.lines[0]
    if _SESSION_NUMERAL.match(first) and last[-1].isdigit():
        return True
    if after.list_item:
        return False
    if last.endswith("-") and not last.endswith(" -"):
        return True
    if _ENDS_SENTENCE.search(last):
        return False
    if first[0].islower() or first[0] == "(":
        return True
    # Across a page break a cut sentence may go on with a capital ("the Charter of the" |
    # "United Nations"); a line ending in a comma is an address ("Excellencies,"), not a cut.
    return after.after_page_break and not last.endswith(",") and bool(_OPENS_TEXT.match(first))


class _Vocabulary:
    """The document's own words, to tell a soft line-end hyphen from a real one."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._words: set[str] | None = None
        self._hyphenated: set[str] = set()

    def _build(self) -> set[str]:
        # Built on the first line-end hyphen only: most files never need it.
        words: set[str] = set()
        for line in self._lines:
            for token in line.lower().split():
                token = token.strip(".,;:!?\"'“”‘’()[]")
                if "-" in token[:-1] and not token.endswith("-"):
                    self._hyphenated.add(token)
                words.update(_WORDS.findall(token) if "-" in token else (token,))
        self._words = words
        return words

    def soft_hyphen(self, left: str, right: str) -> bool:
        """True only when "left-" + "right" is surely one plain word split at the line end.

        The joined word must occur elsewhere in the document unhyphenated and the hyphenated
        form must not: "coordi-" + "nation" joins, "good-" + "neighborliness" keeps its hyphen.
        """
        if "-" in left or not left.islower() or not right.islower():
            return False
        words = self._words if self._words is not None else self._build()
        joined = (left + right).lower()
        return joined in words and f"{left}-{right}".lower() not in self._hyphenated


# The word before a line-end hyphen is looked for in this much of the text before it.
_JOIN_TAIL = 200


def _join_lines(lines: list[str], vocabulary: _Vocabulary) -> str:
    # The pieces are joined once, at the end, and the hyphen rule reads only the tail of the
    # text so far: concatenating and searching the whole text at every line was quadratic in
    # the length of a paragraph (minutes for a long hard-wrapped file).
    pieces = [lines[0]]
    tail = lines[0][-_JOIN_TAIL:]
    for line in lines[1:]:
        joiner = " "
        if tail.endswith("-") and not tail.endswith(" -"):
            joiner = ""
            left = _WORD_BEFORE_HYPHEN.search(tail)
            right = _FIRST_WORD.match(line)
            if left and right and vocabulary.soft_hyphen(left.group(1), right.group(1)):
                pieces[-1] = pieces[-1][:-1]
                tail = tail[:-1]
            # Otherwise a real hyphen ("state-to-" + "state", "Russian-" + "Chinese"): kept.
        elif tail.endswith(("—", "–", "/")) and not tail.endswith((" —", " –")):
            joiner = ""
        pieces.append(joiner + line)
        tail = (tail + joiner + line)[-_JOIN_TAIL:]
    return "".join(pieces)


def _label_sections(paras: list[_Para], vocabulary: _Vocabulary) -> list[Block]:
    """Blocks with the printed part they stand in; headings become labels, not paragraphs."""
    labels = [p.heading for p in paras if p.heading is not None]
    implicit = _implicit_first_label(labels[0]) if labels else ""
    blocks: list[Block] = []
    label = ""
    seen_heading = False
    for para in paras:
        if para.heading is not None:
            label = para.heading
            seen_heading = True
            continue
        text = _join_lines(para.lines, vocabulary)
        blocks.append(Block(text=text, section_label=label if seen_heading else implicit))
    return blocks


def _attach_formulae(blocks: list[Block]) -> list[Block]:
    """Addresses alone open the next paragraph, closing thanks end the one before (see
    formulae.py): the same in every file, and no words lost."""
    if len(blocks) < 2:
        return blocks
    out: list[Block] = []
    waiting: list[str] = []  # addresses not yet attached
    for block in blocks:
        if is_closing(block.text) and out and not waiting:
            out[-1].text += " " + block.text
        elif is_address(block.text) or is_closing(block.text):
            waiting.append(block.text)
        else:
            out.append(Block(" ".join([*waiting, block.text]), block.section_label))
            waiting = []
    if waiting and out:
        # Addresses at the very end ("Mr. President,"): they close the last paragraph.
        out[-1].text += " " + " ".join(waiting)
    return out or blocks


def _implicit_first_label(first: str) -> str:
    """The label of the text before the first printed part, when the numbering implies it.

    A declaration whose first printed numeral is "II" had an unprinted "I": the part before.
    """
    if first.upper() == "II":
        return "I"
    if first == "2.":
        return "1."
    match = _SECOND_PART.match(first)
    if match:
        return match.group(1) + ("I" if match.group(2).upper() == "II" else "1")
    return ""
