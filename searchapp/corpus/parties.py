"""Parties: the countries and organisations a text names, by their canonical names.

The gazetteer is pycountry's ISO 3166 list (every country, its ISO, common and official names
and its codes) plus `searchapp/data/parties.yaml` (canonical names where pycountry's is not
the one a reader expects, variants, adjectives, short forms, historical names, capitals used
for their governments, organisations). A country is named by pycountry's common name, or
else its ISO name ("China", "Russian Federation", "United States"), unless the data file
names it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pycountry

from searchapp.corpus.kinds import JOINT_KINDS
from searchapp.data import load_yaml

# Short forms in capitals that are English words in lower case: in a query too, only their
# capital form names the party ("US" is the United States, "us" is not).
WORDS_IN_LOWER_CASE = frozenset({"us", "un", "au", "cis"})
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "\u00a0": " "})
# A capital in the name of an instrument, meeting or place of talks ("the Paris Agreement",
# "Doha Round", "Beijing Platform for Action", "Havana peace talks", "Treaty of Rome") is
# where it was made, not the government: such a metonym names no party.
_NAME_NOUNS = (
    r"(?:agreements?|accords?|declarations?|round|statute|conventions?|protocols?|process"
    r"|summits?|conferences?|wall|consensus|platform|principles|plan|charter|treaty|pact"
    r"|format|group|club|talks|negotiations|olympics|games|document|commitments?"
    r"|communiques?|framework|formula|initiative|programme|program|memorandum|appeal"
    r"|peace|rules)"
)
_NAME_AFTER = re.compile(r"\s+(?:[\w'-]+\s+)?" + _NAME_NOUNS + r"(?!\w)")
_NAME_BEFORE = re.compile(r"(?<!\w)" + _NAME_NOUNS + r"\s+(?:of|in)\s+$")


class GazetteerError(ValueError):
    """parties.yaml names one form for two parties, or is not shaped as documented."""


def fold(text: str) -> str:
    """`text` lowercased, without accents, with plain apostrophes: the same length as `text`,
    so that a match in the folded text is a match at the same place in the original."""
    out = []
    for ch in text.translate(_APOSTROPHES):
        base = unicodedata.normalize("NFKD", ch)[:1] or ch
        out.append(base if len(base.lower()) == 1 else ch)
    return "".join(out).lower()


def _key(name: str) -> str:
    key = " ".join(fold(name).split())
    return key[4:] if key.startswith("the ") else key


def _is_short_form(form: str) -> bool:
    """A form written in capitals ("PRC", "U.S."): in a text it names the party only so."""
    letters = form.replace(".", "")
    return letters.isalpha() and letters.isupper() and len(letters) <= 5


@dataclass(frozen=True)
class Mention:
    """A party named in a text: where (character offsets) and which."""

    start: int
    end: int
    party: str


@dataclass
class Gazetteer:
    names: dict[str, str]  # folded form -> canonical party (all forms, metonyms included)
    iso_names: dict[str, str]  # folded ISO names such as "korea, republic of": lookups only
    codes: dict[str, str]  # ISO3 (and ISO2) code, upper case -> canonical party
    metonyms: frozenset[str]  # folded forms that name a party only in queries
    short_forms: frozenset[str]  # folded forms written in capitals in the data
    excluded: frozenset[str]  # folded phrases that are not parties
    pattern: re.Pattern[str]

    def mentions(self, text: str, in_query: bool) -> list[Mention]:
        found = []
        folded = fold(text)
        for m in self.pattern.finditer(folded):
            form = m.group(0)
            if form in self.excluded or (form in self.metonyms and not in_query):
                continue
            if form in self.metonyms and _in_a_name(folded, m.start(), m.end()):
                continue
            lowered = form in self.short_forms and not _written_short(text[m.start() : m.end()])
            if lowered and (not in_query or form.replace(".", "") in WORDS_IN_LOWER_CASE):
                continue
            found.append(Mention(m.start(), m.end(), self.names[form]))
        return found


def _in_a_name(folded: str, start: int, end: int) -> bool:
    return bool(_NAME_AFTER.match(folded, end) or _NAME_BEFORE.search(folded[:start]))


def _written_short(original: str) -> bool:
    return original.replace(".", "").isupper()


@cache
def gazetteer() -> Gazetteer:
    data = load_yaml("parties.yaml")
    names: dict[str, str] = {}
    iso_names: dict[str, str] = {}
    codes: dict[str, str] = {}
    metonyms: set[str] = set()
    short_forms: set[str] = set()

    def add(form: str, party: str, metonym: bool = False) -> None:
        key = _key(form)
        if names.setdefault(key, party) != party:
            raise GazetteerError(f"parties.yaml: {form!r} names both {names[key]} and {party}")
        if metonym:
            metonyms.add(key)
        if _is_short_form(form):
            short_forms.add(key)

    def add_entry(party: str, entry: dict[str, list[str]]) -> None:
        add(party, party)
        for form in entry.get("forms") or ():
            add(str(form), party)
        for form in entry.get("metonyms") or ():
            add(str(form), party, metonym=True)

    extra = data.get("countries") or {}
    for country in pycountry.countries:
        entry = extra.get(country.alpha_3) or {}
        party = entry.get("name") or getattr(country, "common_name", None) or country.name
        codes[country.alpha_3] = codes[country.alpha_2] = party
        for name in (country.name, getattr(country, "official_name", None)):
            # ISO names such as "Korea, Republic of" are lookups, not forms found in texts.
            if name and "," not in name and "(" not in name:
                add(name, party)
            elif name:
                iso_names[_key(name)] = party
        add_entry(party, entry)
    for section in ("organisations", "historical"):
        for party, entry in (data.get(section) or {}).items():
            entry = entry or {}
            if entry.get("code"):
                codes[str(entry["code"]).upper()] = party
            add_entry(party, entry)
    excluded = {_key(p) for p in data.get("not_parties") or ()}
    alternatives = sorted(set(names) | excluded, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\w)")
    return Gazetteer(
        names,
        iso_names,
        codes,
        frozenset(metonyms),
        frozenset(short_forms),
        frozenset(excluded),
        pattern,
    )


def party_from_iso3(code: str) -> str | None:
    """The canonical party of an ISO 3166 alpha-3 code ("CHN" -> "China"), or None."""
    return gazetteer().codes.get(code.strip().upper()) if len(code.strip()) == 3 else None


def canonical_party(name_or_code: str) -> str | None:
    """The canonical party of a name, variant, short form or ISO code, or None if unknown."""
    text = name_or_code.strip()
    g = gazetteer()
    if text.isupper() and text.isalpha() and text in g.codes:
        return g.codes[text]
    return g.names.get(_key(text)) or g.iso_names.get(_key(text))


def normalise_parties(values: Iterable[str]) -> list[str]:
    """Given parties (metadata.csv, front matter, the upload form) by canonical name; a name
    the gazetteer does not know is kept as given. No duplicates, order kept."""
    parties: list[str] = []
    for value in values:
        text = " ".join(str(value).split())
        if not text:
            continue
        party = canonical_party(text) or text
        if party not in parties:
            parties.append(party)
    return parties


def find_parties(text: str) -> list[str]:
    """Parties named in `text` (not by their capitals), in the order of their first mention."""
    return list(dict.fromkeys(m.party for m in gazetteer().mentions(text, in_query=False)))


def query_mentions(text: str) -> list[Mention]:
    """Parties a query names, by name, adjective, short form (in any case unless it is an
    English word) or capital ("Beijing")."""
    return gazetteer().mentions(text, in_query=True)


def find_document_parties(
    title: str | None, body: list[str], kind: str | None, given_title: str | None = None
) -> list[str]:
    """The parties of a document: those its title names, else (joint texts) its opening."""
    if kind in JOINT_KINDS and given_title:
        # A treaty's front matter names its parties ("… Between Australia, New Zealand and
        # the United States") where its text says "Draft". Not a cable's: "From Menzies to
        # Holland" names people and posts, not parties.
        title = f"{given_title} {title or ''}"
    parties = find_parties(title or "")
    if parties or kind not in JOINT_KINDS or not body:
        # Only joint texts name their parties at the start; a speech or cable mentions many
        # countries that are not parties to it.
        return parties
    return find_parties(body[0])[:4]
