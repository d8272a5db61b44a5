"""Metadata that a collection writes into its file names.

The UN General Debate corpus names each speech `<ISO3>_<session>_<year>` ("CHN_79_2024.txt",
"EU_70_2015.txt"): the speaker's country, the session of the General Assembly and its year.
That is all the metadata such a file has; its text has no title and no date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from searchapp.corpus.parties import find_parties, party_from_iso3

_DEBATE_NAME = re.compile(
    r"^(?P<code>[A-Z]{2,3})_(?P<session>\d{1,3})_(?P<year>(?:19|20)\d{2})$", re.ASCII
)
# Parties whose names take the article in English ("Statement by the Russian Federation").
_WITH_ARTICLE = re.compile(
    r"\b(?:Republic|Kingdom|States|Federation|Union|Islands|Emirates|See|Netherlands"
    r"|Philippines|Bahamas|Gambia|Comoros|Maldives|Seychelles)\b"
)


@dataclass(frozen=True)
class DebateSpeech:
    party: str
    session: int
    year: int

    @property
    def title(self) -> str:
        """ "Statement by China at the 79th session of the UN General Assembly, 2024"."""
        article = "the " if _WITH_ARTICLE.search(self.party) else ""
        return (
            f"Statement by {article}{self.party} at the {ordinal(self.session)} session"
            f" of the UN General Assembly, {self.year}"
        )


def debate_speech(filename: str) -> DebateSpeech | None:
    """The speech a `<ISO3>_<session>_<year>` file name describes, or None for other names."""
    match = _DEBATE_NAME.match(Path(filename).stem)
    if not match:
        return None
    code = match.group("code")
    # "EU" is the collection's code for the European Union, which has no ISO 3166 code.
    party = party_from_iso3(code) or next(iter(find_parties(code)), None)
    if party is None:
        return None
    return DebateSpeech(party, int(match.group("session")), int(match.group("year")))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
