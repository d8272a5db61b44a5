"""The editable data files (taxonomy, parties, synonyms, spelling variants), read from the
installed package."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

# libyaml's loader reads these files about ten times faster than the pure-Python one (the
# gazetteer is read at the first query of every process); the same safe subset of YAML.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(name: str) -> Any:
    """A data file of this package, parsed as safe YAML."""
    text = resources.files(__name__).joinpath(name).read_text("utf-8")
    return yaml.load(text, Loader=_LOADER)
