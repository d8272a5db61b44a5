"""Where our search time goes: a pyinstrument profile of whole query mixes, as text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchmarks.ours import OursEngine
from benchmarks.queries import MIXES

MAX_LINES = 80
# Whoosh's frames shown (that is where the time goes), frames under 2 % of the time hidden.
PROCESSOR_OPTIONS = {
    "filter_threshold": 0.02,
    "show_regex": r".*(whoosh|searchapp).*",
    "hide_regex": r".*<built-in>.*",
}


def profile_mixes(index: Path, mixes: Sequence[str], rounds: int) -> dict[str, str]:
    """A text tree per mix (each query `rounds` times, warm); {} without pyinstrument."""
    try:
        from pyinstrument import Profiler
        from pyinstrument.renderers import ConsoleRenderer
    except ImportError:
        return {}
    renderer = ConsoleRenderer(
        unicode=True, color=False, show_all=False, processor_options=PROCESSOR_OPTIONS
    )
    engine = OursEngine(index)
    out: dict[str, str] = {}
    try:
        for mix in mixes:
            for query in MIXES[mix]:
                engine.query(query)
            profiler = Profiler(interval=0.001)
            profiler.start()
            for _ in range(rounds):
                for query in MIXES[mix]:
                    engine.query(query)
            profiler.stop()
            out[mix] = _trim(profiler.output(renderer=renderer))
    finally:
        engine.close()
    return out


def _trim(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) <= MAX_LINES:
        return "\n".join(lines)
    return "\n".join([*lines[:MAX_LINES], f"… ({len(lines) - MAX_LINES} more lines)"])
