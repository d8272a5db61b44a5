"""Configuration in one place: folders, limits and the admin password.

Command-line flags win over environment variables, which win over the defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DOCUMENTS = "documents"
DEFAULT_INDEX = "index"


@dataclass(frozen=True)
class Settings:
    documents: Path
    index: Path
    admin_password: str | None = None
    max_query_length: int = 500
    max_prefix_expansion: int = 2000
    max_upload_bytes: int = 20 * 1024 * 1024
    per_page_max: int = 100
    extra: dict[str, object] = field(default_factory=dict)


def load_settings(
    documents: str | os.PathLike[str] | None = None,
    index: str | os.PathLike[str] | None = None,
) -> Settings:
    """Settings from explicit values, else SEARCHAPP_* environment variables, else defaults."""
    docs = documents or os.environ.get("SEARCHAPP_DOCUMENTS") or DEFAULT_DOCUMENTS
    idx = index or os.environ.get("SEARCHAPP_INDEX") or DEFAULT_INDEX
    return Settings(
        documents=Path(docs).resolve(),
        index=Path(idx).resolve(),
        admin_password=os.environ.get("SEARCHAPP_ADMIN_PASSWORD") or None,
    )


FUSIONS = ("rrf", "blend", "dense")  # "dense": the dense ranking alone, for measuring only


@dataclass(frozen=True)
class DenseSettings:
    """Meaning-level retrieval (engine/dense.py). `SEARCHAPP_DENSE=0` switches it off: then
    nothing is embedded and every search ranks exactly as the lexical engine alone."""

    enabled: bool = True
    # How lexical and dense scores combine: "blend" (linear, measured better on the relevance
    # collections: README, "Meaning-level search") or "rrf" (reciprocal-rank fusion).
    fusion: str = "blend"


def dense_settings() -> DenseSettings:
    """Read at each use, so that the switch needs no restart of a one-shot command."""
    enabled = os.environ.get("SEARCHAPP_DENSE", "1").strip().lower() not in {"0", "off", "false"}
    fusion = os.environ.get("SEARCHAPP_FUSION", "").strip().lower()
    return DenseSettings(enabled, fusion if fusion in FUSIONS else DenseSettings.fusion)
