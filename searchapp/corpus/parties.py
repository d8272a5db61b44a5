"""Parties: the countries and organisations a text names, by their canonical names."""

from __future__ import annotations

import re

import pycountry

from searchapp.corpus.kinds import JOINT_KINDS

# Country names and the forms that point at them; the value is the name used for `parties`.
# Longest forms are matched first, so "People's Republic of China" wins over "China".
_COUNTRY_FORMS: dict[str, tuple[str, ...]] = {
    "China": (
        "People's Republic of China",
        "People’s Republic of China",
        "PRC",
        "China",
        "Chinese",
    ),
    "Russia": ("Russian Federation", "Russia", "Russian", "USSR", "Soviet Union", "Soviet"),
    "United States": ("United States of America", "United States", "USA", "U.S.", "American"),
    "United Kingdom": ("United Kingdom", "Great Britain", "Britain", "British", "UK"),
    "Australia": ("Australia", "Australian"),
    "New Zealand": ("New Zealand",),
    "Japan": ("Japan", "Japanese"),
    "India": ("India", "Indian"),
    "Pakistan": ("Pakistan",),
    "France": ("France", "French Republic"),
    "Germany": ("Germany", "Federal Republic of Germany", "German"),
    "Italy": ("Italy", "Italian Republic"),
    "Spain": ("Spain", "Kingdom of Spain"),
    "Canada": ("Canada", "Canadian"),
    "Brazil": ("Brazil", "Brazilian"),
    "South Africa": ("South Africa",),
    "Mongolia": ("Mongolia", "Mongolian"),
    "Kazakhstan": ("Kazakhstan",),
    "Kyrgyzstan": ("Kyrgyzstan", "Kyrgyz Republic"),
    "Tajikistan": ("Tajikistan",),
    "Uzbekistan": ("Uzbekistan",),
    "Turkmenistan": ("Turkmenistan",),
    "Belarus": ("Belarus",),
    "Ukraine": ("Ukraine", "Ukrainian"),
    "Iran": ("Iran", "Islamic Republic of Iran"),
    "Turkey": ("Turkey", "Türkiye", "Turkish"),
    "Vietnam": ("Viet Nam", "Vietnam", "Vietnamese"),
    "Indonesia": ("Indonesia", "Indonesian"),
    "Malaysia": ("Malaysia",),
    "Philippines": ("Philippines",),
    "Thailand": ("Thailand",),
    "Singapore": ("Singapore",),
    "North Korea": ("Democratic People's Republic of Korea", "DPRK", "North Korea"),
    "South Korea": ("Republic of Korea", "ROK", "South Korea"),
    "Egypt": ("Egypt", "Arab Republic of Egypt"),
    "Saudi Arabia": ("Saudi Arabia",),
    "Israel": ("Israel",),
    "Syria": ("Syria", "Syrian Arab Republic"),
    "Cuba": ("Cuba",),
    "Venezuela": ("Venezuela",),
    "Argentina": ("Argentina",),
    "Mexico": ("Mexico",),
    "Serbia": ("Serbia",),
    "Netherlands": ("Netherlands",),
    "European Union": ("European Union", "EU"),
}
_COUNTRY_LOOKUP = {form.lower(): name for name, forms in _COUNTRY_FORMS.items() for form in forms}
_COUNTRY = re.compile(
    r"(?<![\w])("
    + "|".join(re.escape(f) for f in sorted(_COUNTRY_LOOKUP, key=len, reverse=True))
    + r")(?![\w])",
    re.I,
)
# Forms that are words in lower case ("chinese" is fine, but "us" and "uk" must be capitals).
_CASE_SENSITIVE = frozenset({"u.s.", "us", "uk", "eu", "usa", "prc", "rok", "dprk", "ussr"})


def find_parties(text: str) -> list[str]:
    """Countries named in `text`, in the order of their first mention."""
    parties: list[str] = []
    for m in _COUNTRY.finditer(text):
        form = m.group(1)
        if form.lower() in _CASE_SENSITIVE and not form.isupper():
            continue
        name = _COUNTRY_LOOKUP[form.lower()]
        if name not in parties:
            parties.append(name)
    return parties


def find_document_parties(title: str | None, body: list[str], kind: str | None) -> list[str]:
    """The parties of a document: those its title names, else (joint texts) its opening."""
    parties = find_parties(title or "")
    if parties or kind not in JOINT_KINDS or not body:
        # Only joint texts name their parties at the start; a speech or cable mentions many
        # countries that are not parties to it.
        return parties
    return find_parties(body[0])[:4]


def party_from_iso3(code: str) -> str | None:
    """The canonical party of an ISO 3166 alpha-3 code ("CHN" -> "China"), or None."""
    country = (
        pycountry.countries.get(alpha_3=code.strip().upper()) if len(code.strip()) == 3 else None
    )
    if country is None:
        return None
    return str(getattr(country, "common_name", None) or country.name)
