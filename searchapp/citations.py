"""Citations of one paragraph: CSL-JSON, a formatted reference, BibTeX and RIS.

CSL-JSON is the source of truth; the others are derived from it. The formatted reference
comes from citeproc-py with the Harvard style it ships (no download); RIS is written by rispy.
BibTeX is written here: the maintained libraries write it through a parse tree built for
reading (bibtexparser 2) and would not make it shorter; what bibtexparser reads back is tested.
Parties are the authors, as organisations (CSL `literal`, BibTeX `{{…}}`), never as persons.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from searchapp.registry import DocumentRow, ParagraphRow

CSL_MEDIA_TYPE = "application/vnd.citationstyles.csl+json"
_STYLE = "harvard-cite-them-right"
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_ESCAPES))


def csl_item(doc: DocumentRow, para: ParagraphRow, url: str, number: str) -> dict[str, Any]:
    """The paragraph as a CSL-JSON item; `number` is the paragraph number as cited."""
    meta = doc.metadata
    title = meta.title or doc.doc_id
    item: dict[str, Any] = {
        "id": f"{doc.doc_id}-{para.pid}",
        "type": "document",
        "title": title,
        "author": [{"literal": party} for party in meta.parties],
        "URL": url,
        "locator": number,
        "label": "paragraph",
        "note": f"¶ {number}",
    }
    if meta.date:
        item["issued"] = {"date-parts": [[int(part) for part in meta.date.split("-")]]}
    if meta.kind:
        item["genre"] = meta.kind
    if meta.place:
        item["publisher-place"] = meta.place
    if meta.source:
        item["source"] = meta.source
    return item


def formatted(item: dict[str, Any]) -> str:
    """The reference as plain text in the Harvard style, the paragraph as its locator."""
    # citeproc-py pulls in lxml: imported here so that searching never pays for it.
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    source = CiteProcJSON([{k: v for k, v in item.items() if k not in ("locator", "label")}])
    style = _style()
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    reference = str(bibliography.bibliography()[0]).strip()
    return f"{reference} ¶ {item['locator']}."


@functools.cache
def _style() -> Any:
    from citeproc import CitationStylesStyle

    return CitationStylesStyle(_STYLE, validate=False)


def bibtex(item: dict[str, Any]) -> str:
    """The reference as a BibTeX @misc entry."""
    fields = {
        "title": "{" + _bib(item["title"]) + "}",  # braces keep its capitals
        "author": " and ".join("{" + _bib(a["literal"]) + "}" for a in item["author"]),
        "year": str(item["issued"]["date-parts"][0][0]) if "issued" in item else "",
        "date": _iso(item),
        "howpublished": "\\url{" + item["URL"] + "}",
        "url": item["URL"],
        "note": _bib(
            f"Paragraph {item['locator']}" + (f". {item['source']}" if "source" in item else "")
        ),
        "type": _bib(item.get("genre", "")),
        "address": _bib(item.get("publisher-place", "")),
    }
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@misc{{{_bib_key(item['id'])},\n{body}\n}}\n"


def ris(item: dict[str, Any]) -> str:
    """The reference as RIS (GOVDOC), written by rispy."""
    from rispy import RisWriter

    class _Writer(RisWriter):
        def set_header(self, count: int) -> str:
            return ""  # rispy numbers references ("1."); a single one needs no number

    entry: dict[str, Any] = {
        "type_of_reference": "GOVDOC",
        "title": item["title"],
        "authors": [a["literal"] for a in item["author"]],
        "urls": [item["URL"]],
        "notes": [f"Paragraph {item['locator']}"],
        "id": item["id"],
    }
    if "issued" in item:
        entry["year"] = str(item["issued"]["date-parts"][0][0])
        entry["date"] = _iso(item).replace("-", "/")
    if "publisher-place" in item:
        entry["place_published"] = item["publisher-place"]
    if "genre" in item:
        entry["type_of_work"] = item["genre"]
    if "source" in item:
        entry["name_of_database"] = item["source"]
    return _Writer().formats([entry]).lstrip("\n")


def _source(item: dict[str, Any]) -> list[str]:
    return [item["source"]] if "source" in item else []


def _iso(item: dict[str, Any]) -> str:
    parts = item.get("issued", {}).get("date-parts", [[]])[0]
    return "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(parts))


def _bib(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group()], text)


def _bib_key(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_:-]", "-", text)
