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
    # Served over HTTPS: the admin session cookie is sent only over HTTPS (Secure).
    secure_cookies: bool = False
    # Reverse proxies in front whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
    proxies: int = 0
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
        secure_cookies=_flag("SEARCHAPP_SECURE_COOKIES"),
        proxies=_count("SEARCHAPP_PROXY_FIX"),
    )


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _count(name: str) -> int:
    text = os.environ.get(name, "").strip() or "0"
    if not text.isdigit():
        raise ValueError(f"{name} must be a number of proxies (0, 1, 2 …), not {text!r}")
    return int(text)
