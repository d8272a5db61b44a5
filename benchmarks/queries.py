"""The three query mixes, identical for every engine and every corpus size.

No stop words in the queries: Whoosh drops them, FTS5 and Tantivy would not, and a query
term such as "of" would make the peers do work ours skips.
"""

from __future__ import annotations

import math
import re

RARE = (
    "desalination",
    "blockchain",
    "Sargassum",
    "mangroves",
    "Bougainville",
    "polio",
    "geothermal",
    "Chagos archipelago",
)

MULTI_WORD = (
    "nuclear non-proliferation treaty review",
    "climate change financing small island states",
    "sustainable development goals implementation",
    "peaceful settlement disputes South China Sea",
    "reform Security Council permanent members",
    "refugees migration crisis Mediterranean",
    "covid-19 vaccine equity developing countries",
    "counter-terrorism cooperation extremism",
)

BROAD = (
    "development",
    "peace",
    "countries",
    "international",
    "security",
    "world",
    "people",
    "cooperation",
)

MIXES: dict[str, tuple[str, ...]] = {"rare": RARE, "multi-word": MULTI_WORD, "broad": BROAD}

_WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    """The query's words as the peers see them (hyphenated words split, like their tokenizers)."""
    return _WORD.findall(query.lower())


def min_should(n: int) -> int:
    """How many of n words a paragraph needs to be a hit: our engine's rule (all of 1 or 2
    words, else 60 % and at least 2), so that the peers match the same paragraphs."""
    return n if n <= 2 else max(2, math.ceil(0.6 * n))


def all_queries() -> list[str]:
    return [q for mix in MIXES.values() for q in mix]
