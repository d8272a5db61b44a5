"""What the SPEC fixes and several tests check: the keys of a search, of its hits (the JSON API
and `searchapp search --json`), and of a paragraph permalink asked for as JSON."""

from __future__ import annotations

HIT_KEYS = {
    "doc_id",
    "doc_title",
    "date",
    "year",
    "paragraph",
    "pid",
    "section",
    "section_label",
    "text",
    "excerpt",
    "score",
    "url",
    "parties",
}

SEARCH_KEYS = {"query", "total", "page", "per_page", "hits", "facets", "suggestion", "took_ms"}

PARAGRAPH_KEYS = {
    "doc_id",
    "pid",
    "paragraph",
    "text",
    "section",
    "section_label",
    "year",
    "date",
    "doc_title",
    "url",
    "reuse",
}

# Each entry of a permalink's "reuse" list (SPEC, "Following a formulation across documents").
REUSE_KEYS = {"doc_id", "pid", "date", "doc_title", "similarity", "url"}
