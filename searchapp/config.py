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
    # Where the site is served: the command line's exports make permalinks absolute with it.
    base_url: str = "http://127.0.0.1:5000"
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
        base_url=os.environ.get("SEARCHAPP_BASE_URL") or Settings.base_url,
    )
