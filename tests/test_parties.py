"""The party gazetteer: canonical names from names, variants, short forms and ISO codes."""

from __future__ import annotations

import pytest

from searchapp.corpus.parties import (
    canonical_party,
    find_parties,
    normalise_parties,
    party_from_iso3,
    query_mentions,
)


@pytest.mark.parametrize(
    ("given", "party"),
    [
        ("CHN", "China"),
        ("RUS", "Russian Federation"),
        ("Russia", "Russian Federation"),
        ("People's Republic of China", "China"),
        ("PRC", "China"),
        ("Mainland China", "China"),
        ("the United Kingdom", "United Kingdom"),
        ("UK", "United Kingdom"),
        ("DPRK", "North Korea"),
        ("Korea, Republic of", "South Korea"),
        ("Formosa", "Taiwan"),
        ("USSR", "Soviet Union"),
        ("Cote d’Ivoire", "Côte d'Ivoire"),
        ("EU", "European Union"),
        ("ASEAN", "Association of Southeast Asian Nations"),
        ("Shanghai Cooperation Organization", "Shanghai Cooperation Organisation"),
        ("Atlantis", None),
    ],
)
def test_canonical_party(given: str, party: str | None) -> None:
    assert canonical_party(given) == party


def test_iso3_codes_of_the_un_corpus() -> None:
    assert party_from_iso3("chn") == "China"
    assert party_from_iso3("EU") is None  # not three letters
    assert party_from_iso3("XXX") is None
    assert canonical_party("EU") == "European Union"


def test_given_parties_are_normalised_and_unknown_ones_kept() -> None:
    assert normalise_parties(["CHN", " Russia ", "China", "Atlantis", ""]) == [
        "China",
        "Russian Federation",
        "Atlantis",
    ]


def test_texts_name_parties_but_not_by_their_capitals_or_lookalikes() -> None:
    text = (
        "Joint Communiqué of the People’s Republic of China and Türkiye, signed in Beijing; "
        "let us help Latin America and the Indian Ocean states, with the US and the uk."
    )
    assert find_parties(text) == ["China", "Türkiye", "United States"]


def test_queries_name_parties_by_adjective_short_form_and_capital() -> None:
    found = [m.party for m in query_mentions("what did the prc, uk and Pyongyang say to us")]
    assert found == ["China", "United Kingdom", "North Korea"]
    assert [m.party for m in query_mentions("Chinese and North Korean")] == [
        "China",
        "North Korea",
    ]


@pytest.mark.parametrize(
    ("query", "parties"),
    [
        ("Doha denounces being cut off by its Gulf neighbours", ["Qatar"]),
        ("Paris pledges more climate finance", ["France"]),
        ("Addis Ababa and Cairo disagree over the dam", ["Ethiopia", "Egypt"]),
        # A capital in the name of an instrument or of talks is a place, not a government.
        ("US withdrawal from the Paris climate agreement", ["United States"]),
        ("the Doha Round of trade negotiations", []),
        ("Beijing Platform for Action", []),
        ("Treaty of Rome", []),
        ("Havana peace talks with the FARC", []),
        ("Minsk agreements on Donbas", []),
    ],
)
def test_a_capital_names_its_government_unless_it_names_an_instrument(
    query: str, parties: list[str]
) -> None:
    assert [m.party for m in query_mentions(query)] == parties
