"""Markdown reader: YAML front matter becomes metadata, the body becomes plain text.

The body keeps the document's wording and drops the markup: emphasis, escapes, link targets,
footnote references and the editors' footnote block at the end. Headings stay as lines
starting with "# " (the one markup the paragraph parser understands: a printed heading).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from searchapp.corpus.budget import current
from searchapp.corpus.model import Metadata, UnreadableFile
from searchapp.corpus.readers import RawText, register
from searchapp.corpus.readers.front_matter import FrontMatterRefused, load_front_matter
from searchapp.corpus.readers.text import decode_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)

# Inline markup, in the order it is removed. No pattern scans past the next opening of its
# own kind ("[", "(", "<", "**"): an opening that is never closed costs only the text up to
# the next one, so a line of thousands of unclosed openings is read in linear time.
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_FOOTNOTE_LINK = re.compile(r"\[\^?\d{1,3}\]\(#[^()]*\)")  # "[1](#f1)"
_FOOTNOTE_REF = re.compile(r"(?<=[\w.,;:’'\")])\[\^?\d{1,3}\](?!\()")  # "Article 51[2]"
_LINK = re.compile(r"\[([^\[\]]+)\]\((?:[^()]|\([^()]*\))*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_STRONG = re.compile(r"(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1")
_EMPH_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EMPH_UNDER = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_EMPTY_EMPHASIS = re.compile(r"(?<!\S)(?:\*{2,}|_{2,})(?!\S)|(?<!\S)_(?!\S)")
_CODE = re.compile(r"`([^`\n]+)`")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>])")

# Block markup.
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_BULLET = re.compile(r"^(\s*)[*+]\s+")
_EMPHASIS_LINE = re.compile(r"^\s*(?:_([^_\[\]]{2,80})_|\*\*([^*\[\]]{2,80})\*\*)\s*$")
_FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")

# The editors' apparatus at the end of an edited document: numbered footnotes ("1 Not
# published.") and archive references ("[NAA: A1838, 3107/38/18/6, ii]").
_FOOTNOTE_LINE = re.compile(r"^\s*_?\d{1,3}\s+\S")
_REFERENCE_LINE = re.compile(r"^\s*\[[^\[\]]{2,120}\]\s*$")


@register(".md", ".markdown")
def read_markdown(data: bytes, path: Path) -> RawText:
    text = decode_text(data)
    front, body = split_front_matter(text)
    metadata = front_matter_metadata(front)
    plain = markdown_to_text(body)
    if not metadata.title:
        # Without a title in the front matter, a first-level heading at the top is the title.
        first, _, rest = plain.partition("\n")
        if first.startswith("# ") and not first.startswith("## "):
            metadata.title = first[2:].strip() or None
            plain = rest.lstrip("\n")
    return RawText(text=plain, metadata=metadata)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The YAML front matter as a dict ({} when absent or unreadable) and the body after it."""
    text = text.lstrip("\ufeff")
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = load_front_matter(match.group(1), current().limits.max_front_matter_bytes)
    except FrontMatterRefused as exc:
        # Aliases or deep nesting are never needed for a few fields: a hostile header.
        raise UnreadableFile(str(exc)) from exc
    except yaml.YAMLError:
        # A broken header should not cost the user the document: the body is still indexed,
        # and metadata is then extracted from the text.
        return {}, text[match.end() :]
    return (data if isinstance(data, dict) else {}), text[match.end() :]


def front_matter_metadata(front: dict[str, Any]) -> Metadata:
    """Map the front-matter fields this project knows; other fields are ignored."""
    title = _clean_inline(_as_text(front.get("title")) or "") or None
    date = _as_date(front.get("doc_date") or front.get("date"))
    parties = front.get("parties") or []
    if isinstance(parties, str):
        parties = [p.strip() for p in parties.split(";")]
    return Metadata(
        title=title,
        date=date,
        kind=_as_text(front.get("kind")),
        place=_as_text(front.get("place")),
        parties=[str(p).strip() for p in parties if str(p).strip()],
        language=_as_text(front.get("language") or front.get("lang")),
        source=_as_text(front.get("source")) or _as_text(front.get("vol_full_title")),
    )


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


_DATE_TEXT = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def _as_date(value: Any) -> str | None:
    # YAML turns an unquoted 1949-05-18 into a date object; quoted ones stay strings.
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _as_text(value)
    if text and _DATE_TEXT.match(text):
        return text
    return None


def markdown_to_text(body: str) -> str:
    """Plain text of a Markdown body: paragraphs separated by blank lines, headings as "# "."""
    lines = _strip_blocks(body.split("\n"))
    lines = _drop_apparatus(lines)
    return "\n".join(lines).strip("\n") + "\n"


def _strip_blocks(lines: list[str]) -> list[str]:
    out: list[str] = []
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            out.append(line)
            continue
        if _SETEXT_UNDERLINE.match(line) and out and out[-1].strip():
            # "Title\n=====" is a heading; a lone "---" after a blank line is a rule.
            out[-1] = "# " + out[-1].strip()
            continue
        if _RULE.match(line):
            out.append("")
            continue
        line = _QUOTE.sub("", line)
        heading = _HEADING.match(line)
        if heading:
            text = _clean_inline(heading.group(2))
            out.append("# " + text if text else "")
            continue
        emphasised = _EMPHASIS_LINE.match(line)
        if emphasised and not (emphasised.group(1) or emphasised.group(2)).rstrip().endswith(
            (".", ",", ";", ":")
        ):
            # A short line in italics or bold, alone, is how these texts print a heading.
            out.append("# " + _clean_inline(emphasised.group(1) or emphasised.group(2)))
            continue
        line = _BULLET.sub(r"\1- ", line)
        out.append(_clean_inline(line))
    return out


def _clean_inline(text: str) -> str:
    text = _IMAGE.sub(r"\1", text)
    text = _FOOTNOTE_LINK.sub("", text)
    text = _FOOTNOTE_REF.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _CODE.sub(r"\1", text)
    # Twice: emphasis nests ("**_x_**").
    for _ in range(2):
        text = _STRONG.sub(r"\2", text)
        text = _EMPH_STAR.sub(r"\1", text)
        text = _EMPH_UNDER.sub(r"\1", text)
    text = _EMPTY_EMPHASIS.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    return text.rstrip()


def _drop_apparatus(lines: list[str]) -> list[str]:
    """Cut the trailing run of footnotes and archive references that editors append.

    The run is recognised from the end: every non-blank line in it is a numbered note or a
    bracketed reference, and it must contain a note numbered 1 or a reference, so that a
    document that simply ends with a numbered sentence is left alone.
    """
    cut = len(lines)
    saw_start = False
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if not line:
            continue
        if _REFERENCE_LINE.match(line):
            cut, saw_start = i, True
        elif _FOOTNOTE_LINE.match(line):
            cut = i
            saw_start = saw_start or line.lstrip("_").split()[0] == "1"
        else:
            break
    return lines[:cut] if saw_start else lines
