"""PDF reader: the text layer, page by page, for the plain-text cleaner and parser.

Pages are joined with form feeds, as PDF-to-text tools do, so the repetition-based cleaner
removes running headers, footers and page numbers exactly as it does for converted files, and
the parser rejoins a paragraph that a page break split.

A PDF is refused with a reason the user can act on, never indexed as empty: a scan without a
text layer (it needs OCR), a password-protected file, a damaged or truncated file. pypdf raises
many kinds of exceptions on damaged input (its own, but also ValueError, KeyError, ...): every
call into it is guarded so that only UnreadableFile leaves this module.

A few kilobytes of PDF can hold millions of drawing operators (30 kB of compressed content
stream took 27 s to extract): pypdf's own limits are set from the reading budget for the
whole read (tokens per content stream, decompressed bytes per stream, pages), and the time
budget is checked between pages and every thousand operators.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from searchapp.corpus.budget import OverBudget, current
from searchapp.corpus.clean import clean
from searchapp.corpus.metadata import extract_metadata
from searchapp.corpus.model import Metadata, UnreadableFile
from searchapp.corpus.parse import parse
from searchapp.corpus.readers import RawText, register
from searchapp.corpus.readers.text import normalise_newlines

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

NO_TEXT_LAYER = "the PDF has no text layer (scanned image?); run OCR first"

# A page holds text when it has at least this many letters; fewer is a stamp or a page number
# that a scanner or printer added to an image.
_MIN_PAGE_LETTERS = 30
_LETTER = re.compile(r"[^\W\d_]")
# How many drawing operators are extracted between two looks at the time budget.
_CHECK_EVERY = 1000
# Titles that PDF producers write for the author: a file name, a template name.
_JUNK_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel) - .*|untitled.*|document\d*|title|none|\W*)$"
    r"|\.(?:docx?|rtf|odt|pdf|indd|qxd|txt|html?)$",
    re.I,
)

# pypdf reports every repair of a damaged file through logging; the reason that matters to the
# user is the one in UnreadableFile, the rest is noise on the indexer's terminal.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@register(".pdf")
def read_pdf(data: bytes, path: Path) -> RawText:
    # Readers accept the header anywhere in the first kilobyte (some tools prepend junk).
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile("not a PDF file (no PDF header)")
    from pypdf import apply_configuration

    limits = current().limits
    with apply_configuration(
        stream_parsing_work_maximum_count=limits.max_pdf_stream_tokens,
        zlib_maximum_output_length=limits.max_pdf_stream_bytes,
        lzw_maximum_output_length=limits.max_pdf_stream_bytes,
        run_length_maximum_output_length=limits.max_pdf_stream_bytes,
        page_tree_maximum_entries=limits.max_pdf_pages,
    ):
        reader = _open(data)
        pages = _page_texts(reader)
        _require_text_layer(reader, pages)
        text = "\f".join(pages)
        return RawText(text=text, metadata=_fallback_metadata(reader, text))


def _open(data: bytes) -> PdfReader:
    # Imported here, not at the top: pypdf costs 0.16 s at every start of the command line.
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _decrypt(reader)
        pages = len(reader.pages)
        if pages == 0:
            raise UnreadableFile("the PDF has no pages")
        limit = current().limits.max_pdf_pages
        if pages > limit:
            raise OverBudget(f"the PDF has {pages:,} pages, over the limit of {limit:,}")
        return reader
    except UnreadableFile:
        raise
    except Exception as exc:  # any failure of the parser means a damaged file
        raise UnreadableFile(f"damaged or invalid PDF ({_reason(exc)})") from exc


def _decrypt(reader: PdfReader) -> None:
    # Many published PDFs are "encrypted" only to forbid editing: they open with an empty
    # password. A real password cannot be guessed.
    from pypdf.errors import DependencyError

    try:
        opened = reader.decrypt("")
    except DependencyError as exc:
        raise UnreadableFile(
            "the PDF is encrypted with AES, which needs the 'cryptography' package to open"
        ) from exc
    except Exception as exc:  # pypdf's decryption errors, unsupported algorithms included
        raise UnreadableFile(f"the PDF is encrypted and cannot be opened ({_reason(exc)})") from exc
    if not opened:
        raise UnreadableFile("the PDF is password-protected; save an unprotected copy first")


def _page_texts(reader: PdfReader) -> list[str]:
    from pypdf.errors import LimitReachedError

    budget = current()
    operators = itertools.count()

    def check_time(*_operation: object) -> None:
        if next(operators) % _CHECK_EVERY == 0:
            budget.check(f"PDF page {len(texts) + 1}")

    texts: list[str] = []
    try:
        for page in reader.pages:
            budget.check(f"PDF page {len(texts) + 1}")
            # Form feeds are the page separator: one inside a page would split it twice.
            text = normalise_newlines(page.extract_text(visitor_operand_before=check_time) or "")
            texts.append(text.replace("\f", "\n").strip("\n"))
    except UnreadableFile:
        raise
    except LimitReachedError as exc:
        raise OverBudget(
            f"PDF page {len(texts) + 1} is too large to extract safely ({_reason(exc)})"
        ) from exc
    except Exception as exc:  # a damaged page stream, see the module docstring
        page_number = len(texts) + 1
        reason = f"damaged PDF: page {page_number} cannot be read ({_reason(exc)})"
        raise UnreadableFile(reason) from exc
    return texts


def _require_text_layer(reader: PdfReader, pages: list[str]) -> None:
    """Refuse scans: no page with text, or more pictures of pages than pages of text."""
    with_text = [len(_LETTER.findall(text)) >= _MIN_PAGE_LETTERS for text in pages]
    if not any(with_text):
        raise UnreadableFile(NO_TEXT_LAYER)
    scanned = sum(
        1
        for page, has_text in zip(reader.pages, with_text, strict=True)
        if not has_text and _has_image(page)
    )
    if scanned > sum(with_text):
        raise UnreadableFile(
            f"{NO_TEXT_LAYER} ({scanned} of {len(pages)} pages are images without text)"
        )


def _has_image(page: PageObject) -> bool:
    try:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if xobjects is None:
            return False
        return any(
            xobjects.get_object()[name].get_object().get("/Subtype") == "/Image"
            for name in xobjects.get_object()
        )
    except Exception:  # a damaged resource dictionary: no image then
        return False


def _fallback_metadata(reader: PdfReader, text: str) -> Metadata:
    """The PDF's own Title, only when the text itself shows none.

    Whatever a reader returns wins over what is extracted from the text, and the Title of the
    document information is often a file name or the title of a template. The CreationDate is
    never used as the document's date: it is when the file was made (a 2002 declaration is
    often a PDF of 2015), and a wrong year is worse than an unknown one, which is reported.
    """
    title = _info_title(reader)
    if title is None:
        return Metadata()
    cleaned = clean(text)
    blocks = [block.text for block in parse(cleaned.lines)]
    if extract_metadata(blocks, cleaned, "").metadata.title:
        return Metadata()
    return Metadata(title=title)


def _info_title(reader: PdfReader) -> str | None:
    try:
        info = reader.metadata
        title = info.title if info is not None else None
    except Exception:  # a damaged info dictionary: the text is still good
        return None
    title = " ".join(str(title or "").split())
    if len(title) < 4 or _JUNK_TITLE.search(title):
        return None
    return title


def _reason(exc: BaseException) -> str:
    message = " ".join(str(exc).split())[:200]
    return message or type(exc).__name__
