"""`load_document`: a file in, a clean document out, within the reading budgets."""

from __future__ import annotations

import logging
from pathlib import Path

from searchapp.config import ReadLimits, load_read_limits
from searchapp.corpus import budget, language
from searchapp.corpus.clean import clean
from searchapp.corpus.kinds import kind_from_title
from searchapp.corpus.metadata import display_title, extract_metadata
from searchapp.corpus.model import Document, Metadata, Paragraph, UnreadableFile
from searchapp.corpus.notes import attach_notes
from searchapp.corpus.numbering import printed_numbers
from searchapp.corpus.parse import parse
from searchapp.corpus.parties import normalise_parties
from searchapp.corpus.readers import read_file
from searchapp.corpus.readers.text import reject_mojibake
from searchapp.corpus.sections import classify
from searchapp.corpus.split import split_long_blocks

log = logging.getLogger(__name__)


def load_document(
    path: Path, root: Path, given: Metadata | None = None, limits: ReadLimits | None = None
) -> Document:
    """The document in `path`; `given` metadata (catalog, command line) wins over extracted.

    Raises UnreadableFile, with a reason for the user, for a file that is not text, holds no
    text once page furniture and web chrome are removed, or costs more to read than `limits`
    (by default config's, with the environment's overrides) allow.
    """
    path = Path(path)
    language.model()
    with budget.reading(limits or load_read_limits()) as spent:
        try:
            return _load(path, Path(root), given, spent)
        except UnreadableFile:
            raise
        except Exception as exc:
            # A bug in a reader (none recurses on a file's structure or trusts its content),
            # but one file must not stop the indexing of the others: it is refused by name.
            # Logged below warning level so that the command line shows no traceback.
            log.info("unexpected failure reading %s", path, exc_info=True)
            raise UnreadableFile(
                f"could not be read (unexpected {type(exc).__name__} in the reader)"
            ) from exc


def _load(path: Path, root: Path, given: Metadata | None, spent: budget.Budget) -> Document:
    relpath = _relative(path, root)
    raw = read_file(path)
    spent.check("read")
    text = raw.text
    if raw.blocks is not None:
        # The format already knows its paragraphs: one per line keeps them apart.
        text = "\n\n".join(" ".join(block.split()) for block in raw.blocks)
    if not text.strip():
        raise UnreadableFile("no text found (empty file)")
    reject_mojibake(text)
    cleaned = clean(text)
    spent.check("clean")
    split = split_long_blocks(parse(cleaned.lines), spent.limits.max_paragraph_chars)
    blocks = split.blocks
    spent.check("paragraphs")
    known_title = (given.title if given else None) or raw.metadata.title
    extraction = extract_metadata([b.text for b in blocks], cleaned, path.name, known_title)
    kept = [b for i, b in enumerate(blocks) if i not in extraction.drop]
    if not kept and blocks:
        # A text of a single line (taken as its title) is still a text: index that line.
        kept = blocks
    if not kept:
        raise UnreadableFile("no text found (only headers, chrome or metadata)")

    if raw.metadata.title:
        # As published (front matter, an HTML <title>), not as given by the user or catalog.
        raw.metadata.title = display_title(raw.metadata.title)
    metadata = raw.metadata.merged_over(extraction.metadata)
    if given is not None:
        metadata = given.merged_over(metadata)
    if not metadata.kind:
        # A title given in front matter or the catalog still tells the kind ("Cablegram to…").
        metadata.kind = kind_from_title(metadata.title)
    if not metadata.title:
        metadata.title = _title_from_name(path)
    metadata.language = metadata.language or "en"
    # Given parties ("CHN", "Russia", "PRC") by their canonical names, like extracted ones.
    metadata.parties = normalise_parties(metadata.parties)

    warnings = list(extraction.warnings)
    if raw.metadata.date or (given and given.date):
        # The date found in the text was not used: its warning would send the reader astray.
        warnings = [w for w in warnings if not w.startswith("date ")]
    split_warning = split.warning(spent.limits.max_paragraph_chars)
    if split_warning:
        warnings.append(split_warning)
    if metadata.year is None:
        warnings.append("no date found or given: the year is unknown")
    elif len(metadata.date or "") == 4 and not (raw.metadata.date or (given and given.date)):
        # Only for a year found in the text or file name: a year that was given is known.
        warnings.append(f"only the year of this document is known ({metadata.date})")

    themes = classify([b.text for b in kept], [b.section_label for b in kept])
    spent.check("sections")
    notes = attach_notes(raw.notes, [b.text for b in kept])
    printed = printed_numbers([b.text for b in kept])
    paragraphs = [
        Paragraph(n, b.text, b.section_label, theme, notes=own)
        for n, (b, theme, own) in enumerate(zip(kept, themes, notes, strict=True), start=1)
    ]
    for paragraph, number in zip(paragraphs, printed, strict=True):
        paragraph.printed = number
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
