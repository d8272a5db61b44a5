"""A paragraph has a maximum length: a longer block is split at sentence boundaries.

One paragraph of megabytes (a file saved on one line, a text without paragraph breaks) would
make every later step, from section classification to highlighting a hit, cost as much as the
whole file. The longest real paragraph of the UN, DFAT and ToTA corpora is about 3,200
characters, so the maximum (`ReadLimits.max_paragraph_chars`, 5,000) never cuts a real one.
A block over it is cut at the last sentence end that keeps each part within the maximum; a
single sentence longer than that at the last space; a run without spaces at the maximum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from searchapp.corpus.parse import Block

# After a sentence's final punctuation and its closing quotes or brackets: a space (Latin
# scripts) or nothing (CJK full stops).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+|[。！？][\"'”’»)\]」』]*\s*")


@dataclass
class Split:
    blocks: list[Block]
    long_blocks: int = 0  # blocks that were over the maximum
    hard_cuts: int = 0  # cuts that found no sentence end

    def warning(self, limit: int) -> str | None:
        if not self.long_blocks:
            return None
        how = "at sentence boundaries"
        if self.hard_cuts:
            how += f" ({self.hard_cuts} cuts found no sentence end)"
        return (
            f"{self.long_blocks} paragraph(s) longer than the maximum of {limit:,} characters "
            f"were split {how}"
        )


def split_long_blocks(blocks: list[Block], limit: int) -> Split:
    """The blocks, each over `limit` characters split into parts within it."""
    out: list[Block] = []
    split = Split(out)
    for block in blocks:
        if len(block.text) <= limit:
            out.append(block)
            continue
        parts, hard = split_text(block.text, limit)
        split.long_blocks += 1
        split.hard_cuts += hard
        out.extend(replace(block, text=part) for part in parts)
    return split


def split_text(text: str, limit: int) -> tuple[list[str], int]:
    """`text` cut into parts of at most `limit` characters, and how many cuts were hard.

    One pass over the sentence ends: linear in the length of the text.
    """
    parts: list[str] = []
    hard = 0
    start = 0
    last_end = 0  # the last sentence end after `start` that keeps the part within the limit
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    for end in [*ends, len(text)]:
        while end - start > limit:
            if last_end > start:
                cut = last_end
            else:
                cut = _hard_cut(text, start, limit)
                hard += 1
            _append(parts, text[start:cut])
            start = cut
        last_end = end
    _append(parts, text[start:])
    return parts, hard


def _hard_cut(text: str, start: int, limit: int) -> int:
    # The last space in the second half of the allowed span, else exactly at the limit.
    space = text.rfind(" ", start + limit // 2, start + limit)
    return space + 1 if space > start else start + limit


def _append(parts: list[str], part: str) -> None:
    part = part.strip()
    if part:
        parts.append(part)
