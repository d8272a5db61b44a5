"""YAML front matter, parsed safely: no aliases, bounded size and nesting.

PyYAML's safe loader builds no objects from tags, but it still resolves aliases: nine
anchors of nine aliases each ("billion laughs") are 390 bytes that expand to 387 million
strings as soon as a field is turned into text, and deep nesting ("[[[[...") exhausts the
recursion of its composer. Front matter is a handful of flat fields, so this loader refuses
both, and anything over the size budget, before a single node is built.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import Node

# Front matter is flat (title, date, a list of parties): a few levels are plenty.
MAX_DEPTH = 16


class FrontMatterRefused(ValueError):
    """Front matter that is unsafe to load; the message says why, for the user."""


class _Loader(yaml.SafeLoader):
    """The safe loader without aliases and with a nesting limit."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None, None, "YAML aliases (*name) are not allowed", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def load_front_matter(text: str, max_bytes: int) -> Any:
    """The YAML document `text`. Raises FrontMatterRefused for an unsafe one (aliases, deep
    nesting, over `max_bytes`) and yaml.YAMLError for a broken one."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise FrontMatterRefused(
            f"front matter too large: {size / 1024:.0f} kB, over the {max_bytes / 1024:.0f} kB"
            " limit"
        )
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except ComposerError as exc:
        if exc.problem and exc.problem.startswith(("YAML aliases", "nested deeper")):
            raise FrontMatterRefused(f"unsafe front matter: {exc.problem}") from exc
        raise
    finally:
        loader.dispose()
