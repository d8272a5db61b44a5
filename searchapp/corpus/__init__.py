"""Ingestion: a file in, a clean document out (paragraphs with metadata and sections).

    read (readers/) → clean (clean.py) → parse (parse.py) → metadata (metadata.py: titles and
    datelines, with dates.py, kinds.py, parties.py, language.py; catalog.py for metadata.csv)
    → thematic sections (sections.py)

`load_document` is the one entry point; the indexer never needs the steps one by one.
"""

from __future__ import annotations

from pathlib import Path

from searchapp.corpus.catalog import load_catalog, save_catalog_row
from searchapp.corpus.clean import clean
from searchapp.corpus.kinds import kind_from_title
from searchapp.corpus.metadata import extract_metadata
from searchapp.corpus.model import Document, Metadata, Paragraph, UnreadableFile
from searchapp.corpus.parse import parse
from searchapp.corpus.readers import read_file, supported_suffixes
from searchapp.corpus.sections import classify

__all__ = [
    "Document",
    "Metadata",
    "Paragraph",
    "UnreadableFile",
    "load_catalog",
    "load_document",
    "save_catalog_row",
    "supported_suffixes",
]


def load_document(path: Path, root: Path, given: Metadata | None = None) -> Document:
    """The document in `path`; `given` metadata (catalog, command line) wins over extracted.

    Raises UnreadableFile, with a reason for the user, for a file that is not text or holds no
    text once page furniture and web chrome are removed.
    """
    path = Path(path)
    relpath = _relative(path, Path(root))
    raw = read_file(path)
    text = raw.text
    if raw.blocks is not None:
        # The format already knows its paragraphs: one per line keeps them apart.
        text = "\n\n".join(" ".join(block.split()) for block in raw.blocks)
    if not text.strip():
        raise UnreadableFile("no text found (empty file)")
    cleaned = clean(text)
    blocks = parse(cleaned.lines)
    known_title = (given.title if given else None) or raw.metadata.title
    extraction = extract_metadata([b.text for b in blocks], cleaned, path.name, known_title)
    kept = [b for i, b in enumerate(blocks) if i not in extraction.drop]
    if not kept and blocks:
        # A text of a single line (taken as its title) is still a text: index that line.
        kept = blocks
    if not kept:
        raise UnreadableFile("no text found (only headers, chrome or metadata)")

    metadata = raw.metadata.merged_over(extraction.metadata)
    if given is not None:
        metadata = given.merged_over(metadata)
    if not metadata.kind:
        # A title given in front matter or the catalog still tells the kind ("Cablegram to…").
        metadata.kind = kind_from_title(metadata.title)
    if not metadata.title:
        metadata.title = _title_from_name(path)
    metadata.language = metadata.language or "en"

    warnings = list(extraction.warnings)
    if metadata.year is None:
        warnings.append("no date found or given: the year is unknown")
    elif len(metadata.date or "") == 4 and not (raw.metadata.date or (given and given.date)):
        # Only for a year found in the text or file name: a year that was given is known.
        warnings.append(f"only the year of this document is known ({metadata.date})")

    themes = classify([b.text for b in kept], [b.section_label for b in kept])
    paragraphs = [
        Paragraph(number=n, text=b.text, section_label=b.section_label, section=theme)
        for n, (b, theme) in enumerate(zip(kept, themes, strict=True), start=1)
    ]
    return Document(
        path=relpath,
        metadata=metadata,
        paragraphs=paragraphs,
        warnings=warnings,
        removed=cleaned.removed + extraction.removed,
    )


def _relative(path: Path, root: Path) -> str:
    # Lexically first: a symlinked file keeps the path it has in the documents folder.
    for p, r in ((path.absolute(), root.absolute()), (path.resolve(), root.resolve())):
        try:
            return p.relative_to(r).as_posix()
        except ValueError:
            continue
    else:
        # A file outside the documents folder (checked by `add` before copying) keeps its name.
        return path.name


def _title_from_name(path: Path) -> str:
    # Last resort so that every paragraph shows a document title: the file name, readable.
    return " ".join(path.stem.replace("_", " ").replace("-", " ").split()) or path.name
