"""An Atom 1.0 feed of a search, so that a reader can follow a topic.

Entries are the search's matching paragraphs, newest documents first (by when they entered the
index). A document with more than GROUP_OVER matching paragraphs is one entry that lists them,
so a long new declaration does not flood the reader. Entry ids are permalinks (the first
matching paragraph's for a grouped entry), so they never change. Written by feedgen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

FEED_DOCUMENTS = 50  # documents in a feed, newest first
GROUP_OVER = 3  # more matching paragraphs than this in one document make one entry
FEED_HITS_SCANNED = 2000  # the newest hits a feed looks at


@dataclass
class FeedDocument:
    doc_id: str
    title: str
    date: str | None
    added: str
    hits: list[dict[str, Any]] = field(default_factory=list)


def group_by_document(hits: Iterable[dict[str, Any]], added: dict[str, str]) -> list[FeedDocument]:
    """The hits' documents, newest in the index first (ties: later date, then id)."""
    docs: dict[str, FeedDocument] = {}
    for hit in hits:
        doc_id = hit["doc_id"]
        if doc_id not in docs:
            title = hit.get("doc_title") or doc_id
            docs[doc_id] = FeedDocument(doc_id, title, hit.get("date"), added.get(doc_id, ""))
        docs[doc_id].hits.append(hit)
    ordered = sorted(docs.values(), key=lambda d: (d.added, d.date or "", d.doc_id), reverse=True)
    return ordered[:FEED_DOCUMENTS]


def atom(
    documents: list[FeedDocument], *, title: str, feed_url: str, page_url: str, base_url: str
) -> bytes:
    """The feed as Atom XML."""
    # feedgen pulls in lxml: imported here so that searching never pays for it.
    from feedgen.feed import FeedGenerator

    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(title)
    fg.author({"name": "Declarations search"})
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    fg.updated(max((_time(d.added) for d in documents), default=datetime(1970, 1, 1, tzinfo=UTC)))
    for doc in documents:
        _add_entry(fg, doc, base)
    return bytes(fg.atom_str(pretty=True))


def _add_entry(fg: Any, doc: FeedDocument, base: str) -> None:
    entry = fg.add_entry(order="append")
    first = doc.hits[0]
    entry.id(base + first["url"])
    entry.updated(_time(doc.added))
    when = f" ({doc.date})" if doc.date else ""
    if len(doc.hits) > GROUP_OVER:
        entry.title(f"{doc.title}{when}: {len(doc.hits)} matching paragraphs")
        entry.link(href=f"{base}/documents/{doc.doc_id}", rel="alternate", type="text/html")
        items = "".join(
            f'<li><a href="{escape(base + h["url"])}">¶ {h["paragraph"]}</a>: '
            f"{escape(h['text'])}</li>"
            for h in doc.hits
        )
        entry.content(f"<ul>{items}</ul>", type="html")
    else:
        entry.title(f"{doc.title}{when}, ¶ {first['paragraph']}")
        entry.link(href=base + first["url"], rel="alternate", type="text/html")
        entry.content(f"<p>{escape(first['text'])}</p>", type="html")
        for hit in doc.hits[1:]:
            _add_entry(fg, FeedDocument(doc.doc_id, doc.title, doc.date, doc.added, [hit]), base)


def _time(iso: str) -> datetime:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
