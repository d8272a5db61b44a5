"""Configuration in one place: folders, limits and the admin password.

Command-line flags win over environment variables, which win over the defaults.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DOCUMENTS = "documents"
DEFAULT_INDEX = "index"
_MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """What reading one document file may cost; a file over a limit is refused by name.

    Indexing, `searchapp add` and the admin preview all read through these, so a hostile file
    costs the same bounded work wherever it arrives. `SEARCHAPP_MAX_FILE_MB` and
    `SEARCHAPP_READ_SECONDS` override the two a user may need to raise.
    """

    max_file_bytes: int = 20 * _MB  # the upload limit too: a declaration is far smaller
    read_seconds: float = 30.0  # wall time to turn one file into paragraphs
    max_paragraph_chars: int = 5000  # longer blocks are split at sentence boundaries
    max_front_matter_bytes: int = 64 * 1024  # YAML front matter of a Markdown file
    max_pdf_pages: int = 2000
    max_pdf_stream_tokens: int = 100_000  # operands and operators of one content stream
    max_pdf_stream_bytes: int = 16 * _MB  # one stream, decompressed
    max_xml_elements: int = 200_000


def load_read_limits() -> ReadLimits:
    """The default limits, with the environment's overrides."""
    defaults = ReadLimits()
    return ReadLimits(
        max_file_bytes=int(
            _env_number("SEARCHAPP_MAX_FILE_MB", defaults.max_file_bytes / _MB) * _MB
        ),
        read_seconds=_env_number("SEARCHAPP_READ_SECONDS", defaults.read_seconds),
    )


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        number = float(value) if value else default
    except ValueError:
        number = -1.0
    if not number > 0:
        # A wrong setting is the operator's mistake: say which, and stop (usage error).
        print(f"searchapp: {name} must be a positive number, not {value!r}", file=sys.stderr)
        raise SystemExit(2)
    return number


@dataclass(frozen=True)
class ReuseSettings:
    """When two paragraphs of different documents are the same formulation (README, "Same
    formulation elsewhere"). Changing any of these makes the next `searchapp index` recompute
    every link (the registry keeps the settings its links were computed with)."""

    # Kept as reuse: paragraphs whose word similarity (difflib's ratio on lower-cased words)
    # is at least `threshold`, or that share a passage of `shared_words` words or more in a
    # row (a sentence that returns inside a rewritten paragraph).
    threshold: float = 0.7
    shared_words: int = 15
    # Candidates come from MinHash/LSH over each sentence's word pairs: two sentences whose
    # word-pair Jaccard is `lsh_threshold` are found about half of the time, 0.7 almost always.
    lsh_threshold: float = 0.4
    num_perm: int = 32
    shingle_words: int = 2
    # Boilerplate, never reuse: paragraphs shorter than this many words, these formulas
    # (compared without case and punctuation), a sentence already in `max_bucket`
    # paragraphs or more (a stock phrase), and a paragraph matched in `max_documents` other
    # documents or more (a salutation or closing formula every speech has).
    min_words: int = 8
    boilerplate: tuple[str, ...] = (
        "mr president",
        "madam president",
        "mr secretary general",
        "thank you",
        "thank you mr president",
        "thank you madam president",
        "i thank you",
    )
    max_documents: int = 25
    max_bucket: int = 40
    # Comparing two documents: paragraphs this similar are one paragraph "changed"; a
    # paragraph whose words lie at least `contained` within one of the other side is a piece
    # of it (split or merged) rather than new or dropped.
    changed: float = 0.5
    contained: float = 0.75


REUSE = ReuseSettings()


def reuse_enabled() -> bool:
    """`SEARCHAPP_REUSE=0` switches reuse detection off, read at each index run: the run
    keeps no band keys and no links (permalinks then list none), and the first run with it
    on again computes every link."""
    return _env_on("SEARCHAPP_REUSE")


def _env_on(name: str) -> bool:
    return os.environ.get(name, "1").strip().lower() not in {"0", "off", "false"}


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
    read_limits: ReadLimits = field(default_factory=ReadLimits)
    # Served over HTTPS: the admin session cookie is sent only over HTTPS (Secure).
    secure_cookies: bool = False
    # Reverse proxies in front whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
    proxies: int = 0
    extra: dict[str, object] = field(default_factory=dict)


ENGINES = ("embedded", "typesense")


@dataclass(frozen=True)
class EngineSettings:
    """Which search engine serves the index: the embedded one (default, no server) or a
    Typesense cluster (`SEARCHAPP_ENGINE=typesense`, README "Running on a cluster")."""

    name: str = "embedded"
    nodes: tuple[str, ...] = ()  # http(s)://host:port of every node the client may ask
    api_key: str = ""


def load_engine_settings() -> EngineSettings:
    """SEARCHAPP_ENGINE, SEARCHAPP_TYPESENSE_NODES (comma-separated URLs) and
    SEARCHAPP_TYPESENSE_API_KEY; a wrong setting stops with a usage error."""
    name = os.environ.get("SEARCHAPP_ENGINE", "").strip().lower() or "embedded"
    if name not in ENGINES:
        _usage(f"SEARCHAPP_ENGINE must be one of {', '.join(ENGINES)}, not {name!r}")
    if name == "embedded":
        return EngineSettings()
    raw = os.environ.get("SEARCHAPP_TYPESENSE_NODES", "")
    nodes = tuple(n.strip().rstrip("/") for n in raw.split(",") if n.strip())
    if not nodes or not all(re.fullmatch(r"https?://[^/:\s]+:\d+", n) for n in nodes):
        _usage(
            f"SEARCHAPP_TYPESENSE_NODES must list the nodes as http://host:port,..., not {raw!r}"
        )
    api_key = os.environ.get("SEARCHAPP_TYPESENSE_API_KEY", "")
    if not api_key:
        _usage("SEARCHAPP_TYPESENSE_API_KEY must be set with SEARCHAPP_ENGINE=typesense")
    return EngineSettings(name, nodes, api_key)


def _usage(message: str) -> None:
    print(f"searchapp: {message}", file=sys.stderr)
    raise SystemExit(2)


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
        read_limits=load_read_limits(),
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
    enabled = _env_on("SEARCHAPP_DENSE")
    fusion = os.environ.get("SEARCHAPP_FUSION", "").strip().lower()
    return DenseSettings(enabled, fusion if fusion in FUSIONS else DenseSettings.fusion)


def cache_folder() -> Path:
    """Where derived copies of packaged data are kept between runs (the language model,
    decompressed): `SEARCHAPP_CACHE`, else `$XDG_CACHE_HOME/searchapp`, else
    `~/.cache/searchapp`. Only a cache: anything in it may be deleted at any time."""
    explicit = os.environ.get("SEARCHAPP_CACHE", "").strip()
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "searchapp"
