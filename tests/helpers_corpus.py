"""Helpers for the tests of ingestion on fixtures cut from the corpora."""

from __future__ import annotations

from pathlib import Path

from searchapp.corpus import Document, load_document


def load_text(folder: Path, name: str, text: str) -> Document:
    """The document that `text`, written to `folder/name`, becomes."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return load_document(path, folder)
