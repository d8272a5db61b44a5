"""Ingestion: a file in, a clean document out (paragraphs with metadata and sections).

    read (readers/) → clean (clean.py) → parse (parse.py) → metadata (metadata.py: titles and
    datelines, with dates.py, kinds.py, parties.py, language.py; catalog.py for metadata.csv)
    → thematic sections (sections.py)

`load_document` is the one entry point; the indexer never needs the steps one by one.
"""

from __future__ import annotations

import importlib
from typing import Any

# The package's names, each from the module that holds it, imported when first used: the
# engine reads parties (corpus/parties.py) at every query and must not pay for the readers.
_HOMES = {
    "Document": "searchapp.corpus.model",
    "Metadata": "searchapp.corpus.model",
    "Paragraph": "searchapp.corpus.model",
    "UnreadableFile": "searchapp.corpus.model",
    "load_catalog": "searchapp.corpus.catalog",
    "save_catalog_row": "searchapp.corpus.catalog",
    "load_document": "searchapp.corpus.loading",
    "skip_reason": "searchapp.corpus.readers",
    "supported_suffixes": "searchapp.corpus.readers",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'searchapp.corpus' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
