"""Markdown reader: YAML front matter becomes metadata, the body becomes plain text.

The body keeps the document's wording and drops the markup: emphasis, escapes, link targets,
footnote references and the editors' footnote block at the end. Headings stay as lines
starting with "# " (the one markup the paragraph parser understands: a printed heading).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import yaml

from searchapp.corpus.budget import current
from searchapp.corpus.kinds import kind_from_title
from searchapp.corpus.model import Metadata, UnreadableFile
from searchapp.corpus.readers import RawText, apparatus, register
from searchapp.corpus.readers.front_matter import FrontMatterRefused, load_front_matter
from searchapp.corpus.readers.text import decode_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)

# Inline markup, in the order it is removed. No pattern scans past the next opening of its
# own kind ("[", "(", "<", "**"): an opening that is never closed costs only the text up to
# the next one, so a line of thousands of unclosed openings is read in linear time.
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_FOOTNOTE_LINK = re.compile(r"\[\^?(\d{1,3})\]\(#[^()]*\)")  # "[1](#f1)"
# "Article 51[2]", "Nash,[2]", and after the editors' own brackets: "form[al][2] machinery".
_FOOTNOTE_REF = re.compile(r"(?<=[\w.,;:’'\")\]])\[\^?(\d{1,3})\](?![(\[])")
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


@register(".md", ".markdown")
def read_markdown(data: bytes, path: Path) -> RawText:
    text = decode_text(data)
    front, body = split_front_matter(text)
    metadata = front_matter_metadata(front)
    title = _as_text(front.get("title")) or ""
    title_markers = [
        int(m.group(1)) for rx in (_FOOTNOTE_LINK, _FOOTNOTE_REF) for m in rx.finditer(title)
    ]
    parsed = apparatus.separate(_strip_blocks(body.split("\n")), title_markers)
    plain = "\n".join(parsed.lines).strip("\n") + "\n"
    metadata.classification = metadata.classification or parsed.classification
    metadata.number = metadata.number or parsed.number
    metadata.place = metadata.place or parsed.place
    metadata.references = apparatus.unique_references(metadata.references + parsed.references)
    if not metadata.title:
        # Without a title in the front matter, a first-level heading at the top is the title.
        first, _, rest = plain.partition("\n")
        if first.startswith("# ") and not first.startswith("## "):
            metadata.title = first[2:].strip() or None
            plain = rest.lstrip("\n")
    return RawText(text=plain, metadata=metadata, notes=parsed.notes)


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
        # The title names the kind of paper ("Minute from Shaw to Watt"); a word of the body
        # ("the treaty") does not.
        kind=_as_text(front.get("kind")) or kind_from_title(title),
        place=_as_text(front.get("place")),
        parties=[str(p).strip() for p in parties if str(p).strip()],
        language=_as_text(front.get("language") or front.get("lang")),
        source=_as_text(front.get("source")) or _volume_source(front),
        references=_archive_references(front.get("naa_refs")),
    )


def _volume_source(front: dict[str, Any]) -> str | None:
    """ "Volume 21: The ANZUS Treaty, 1951, Document 100" for a document of an edited volume."""
    volume = _as_text(front.get("vol_full_title"))
    number = _as_text(front.get("doc_num"))
    if volume and number:
        return f"{volume}, Document {number}"
    return volume


def _archive_references(refs: Any) -> list[str]:
    # DFAT front matter: naa_refs: [{reference: "[NAA : A3094, 217/6]", naa_series: …}, …]
    if not isinstance(refs, list):
        return []
    found = [_as_text(r.get("reference")) for r in refs if isinstance(r, dict)]
    return [r for r in found if r]


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
            text = _clean_inline(heading.group(2), markers=True)
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
        out.append(_clean_inline(line, markers=True))
    return out


def _clean_inline(text: str, markers: bool = False) -> str:
    """The words of a line without inline markup; footnote markers become `apparatus.MARK`
    placeholders with `markers` (body lines), else are removed (titles)."""
    mark = apparatus.MARK if markers else ""
    text = _IMAGE.sub(r"\1", text)
    text = _FOOTNOTE_LINK.sub(mark, text)
    text = _FOOTNOTE_REF.sub(mark, text)
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
    # Markdown lets HTML entities stand for characters ("Supps. 1 &amp; 2", "&mdash;").
    return html.unescape(text).rstrip()
