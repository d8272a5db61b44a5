"""The project's sanitizer (nh3, the maintained successor of bleach).

Excerpts are built from escaped text plus <mark>; nh3 then guarantees that nothing but
<mark> can reach a page or the JSON, whatever a document or a query contains.
"""

from __future__ import annotations

from html import escape

import nh3

from searchapp.engine import Excerpt

ELLIPSIS = "…"


def marked_html(text: str, marks: list[tuple[int, int]]) -> str:
    """`text` escaped, with <mark> around each span, sanitized."""
    out, pos = [], 0
    for start, end in marks:
        out.append(escape(text[pos:start], quote=False))
        out.append(f"<mark>{escape(text[start:end], quote=False)}</mark>")
        pos = end
    out.append(escape(text[pos:], quote=False))
    return clean("".join(out))


def excerpt_html(ex: Excerpt) -> str:
    body = marked_html(ex.text, ex.marks)
    return f"{ELLIPSIS if ex.cut_start else ''}{body}{ELLIPSIS if ex.cut_end else ''}"


def clean(html: str) -> str:
    return nh3.clean(html, tags={"mark"}, attributes={}, strip_comments=True)
