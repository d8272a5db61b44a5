"""Generated paragraphs with a diplomatic vocabulary, for when the real corpus is absent.

Word frequencies follow Zipf's law over a fixed vocabulary: the broad query words sit at the
top ranks, the rare query words near the tail, and pronounceable made-up words fill the long
tail, so that every query mix finds what it should find (many, some, few paragraphs).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from benchmarks import queries


def _wordlist(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COMMON = _wordlist(
    "the of and to in a that is for we on our this with as are be by all have it their an "
    "which has will must not its from at world nations international development peace "
    "security countries people cooperation united states general assembly global support "
    "government country human rights economic also new climate change sustainable region "
    "efforts community council efforts state national time future political continue "
    "commitment important social agenda challenges member president resolution role"
)

THEMATIC = _wordlist(
    "nuclear non-proliferation treaty review disarmament weapons financing small island "
    "goals implementation peaceful settlement disputes south china sea reform permanent "
    "members refugees migration crisis mediterranean covid-19 vaccine equity developing "
    "counter-terrorism extremism terrorism trade investment poverty health education women "
    "youth ocean energy water food agriculture debt conflict humanitarian sanctions borders "
    "sovereignty territorial integrity dialogue partnership multilateralism pandemic recovery"
)

RARE = [w.lower() for q in queries.RARE for w in q.split()]

_SYLLABLES = ("ka", "lo", "mi", "ter", "san", "vo", "re", "dun", "pe", "qui", "bra", "sol")


def _tail_words(count: int) -> list[str]:
    combos = itertools.product(_SYLLABLES, repeat=3)
    return ["".join(c) for c in itertools.islice(combos, count)]


def vocabulary() -> tuple[list[str], list[float]]:
    """Words by rank and their Zipf weights (rare query words placed deep in the tail)."""
    tail = _tail_words(1500)
    words = [*COMMON, *THEMATIC, *tail[:1000], *RARE, *tail[1000:]]
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    return words, weights


def paragraphs(count: int, seed: int) -> Iterator[str]:
    """`count` paragraphs of 20 to 140 words, in sentences."""
    rng = random.Random(seed)
    words, weights = vocabulary()
    cumulative = list(itertools.accumulate(weights))
    for _ in range(count):
        length = rng.randint(20, 140)
        chosen = rng.choices(words, cum_weights=cumulative, k=length)
        yield _sentences(chosen, rng)


def _sentences(chosen: list[str], rng: random.Random) -> str:
    out: list[str] = []
    start = 0
    while start < len(chosen):
        end = min(len(chosen), start + rng.randint(8, 25))
        sentence = " ".join(chosen[start:end])
        out.append(sentence[0].upper() + sentence[1:] + ".")
        start = end
    return " ".join(out)
