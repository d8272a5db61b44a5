"""What the SPEC fixes and several tests check: the keys of a search hit, in the JSON API and in
`searchapp search --json`."""

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
}
