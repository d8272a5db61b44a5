"""Parties in search, through the user's doors: the JSON API over HTTP (a served app) and the
`searchapp search` console script, on the seeds and on UN speeches whose party is given in
`metadata.csv` as the ISO3 code of their file name."""

from __future__ import annotations

import csv
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import serve
from helpers_index import copy_seeds, index_folder, run_cli

from searchapp import create_app
from searchapp.config import load_settings

UNGDC = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "ungdc-2015-2024"
UN_FILES = (
    "Session 73 - 2018/CUB_73_2018.txt",
    "Session 72 - 2017/JPN_72_2017.txt",
    "Session 72 - 2017/RUS_72_2017.txt",
    "Session 71 - 2016/CHN_71_2016.txt",
    "Session 75 - 2020/PRK_75_2020.txt",
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Seeds, plus five UN speeches (linked, never copied) when the corpus is there."""
    base = tmp_path_factory.mktemp("parties")
    documents = copy_seeds(base / "documents")
    if UNGDC.is_dir():
        rows = []
        for name in UN_FILES:
            link = documents / "un" / Path(name).name
            link.parent.mkdir(exist_ok=True)
            link.symlink_to(UNGDC / name)
            iso3 = Path(name).name[:3]
            year = Path(name).stem[-4:]
            rows.append([f"un/{link.name}", f"Statement by {iso3}", year, "speech", iso3])
        with (documents / "metadata.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["file", "title", "date", "kind", "parties"])
            writer.writerows(rows)
    index = base / "index"
    index_folder(documents, index)
    return documents, index


@pytest.fixture(scope="module")
def base_url(folders: tuple[Path, Path]) -> Iterator[str]:
    documents, index = folders
    app = create_app(load_settings(documents, index))
    yield from serve(app)


def api(base_url: str, **params: str | list[str]) -> dict:  # type: ignore[type-arg]
    query = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(f"{base_url}/api/search?{query}", timeout=30) as response:
        return json.load(response)


def cli_search(folders: tuple[Path, Path], *args: str) -> dict:  # type: ignore[type-arg]
    documents, index = folders
    done = run_cli("search", *args, "--json", "--documents", str(documents), "--index", str(index))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def facet(data: dict, name: str) -> dict[str, int]:  # type: ignore[type-arg]
    return {f["value"]: f["count"] for f in data["facets"][name]}


def test_every_hit_carries_its_parties_and_the_facet_counts_them(base_url: str) -> None:
    data = api(base_url, q="Taiwan", year="2002")
    assert data["hits"][0]["parties"] == ["Russian Federation", "China"]
    assert facet(data, "party") == {"Russian Federation": 1, "China": 1}


def test_party_filter_or_within_and_across_facets(base_url: str) -> None:
    everything = api(base_url, q="cooperation", per_page="1")["total"]
    china = api(base_url, q="cooperation", party="China", per_page="1")
    assert 0 < china["total"] <= everything
    both = api(base_url, q="cooperation", party=["China", "Cuba"], per_page="1")
    assert both["total"] >= china["total"]
    in_2012 = api(base_url, q="cooperation", party="China", year="2012", per_page="1")
    assert 0 < in_2012["total"] < china["total"]
    # Disjunctive: the party facet is counted as if no party were chosen.
    assert facet(china, "party") == facet(api(base_url, q="cooperation", per_page="1"), "party")


def test_results_page_has_a_party_facet_that_filters(base_url: str) -> None:
    def page(query: str) -> str:
        with urllib.request.urlopen(f"{base_url}/search?{query}", timeout=30) as response:
            return response.read().decode("utf-8")

    html = page("q=Taiwan")
    assert 'id="facet-party-china"' in html
    assert "party=China" in html
    chosen = page("q=Taiwan&party=China")
    after_id = chosen.split('id="facet-party-china"')[1]
    assert 'aria-current="true"' in after_id[: after_id.index(">")]


def test_party_filter_on_the_command_line_takes_any_name_of_the_party(
    folders: tuple[Path, Path], base_url: str
) -> None:
    by_short_form = cli_search(folders, "Taiwan", "--party", "Russia")
    by_name = api(base_url, q="Taiwan", party="Russian Federation")
    assert by_short_form["total"] == by_name["total"] > 0
    assert all("Russian Federation" in h["parties"] for h in by_short_form["hits"])
    assert api(base_url, q="Taiwan", party="Atlantis")["total"] == 0


def test_party_field_in_the_query(base_url: str) -> None:
    field = api(base_url, q="party:China Taiwan")
    assert field["total"] == api(base_url, q="Taiwan", party="China")["total"] > 0
    assert api(base_url, q='party:"Russian Federation" Taiwan')["total"] == field["total"]
    assert api(base_url, q="party:PRC Taiwan")["total"] == field["total"]


@pytest.mark.corpus
def test_un_speeches_get_their_party_from_the_iso3_code(base_url: str) -> None:
    if not UNGDC.is_dir():
        pytest.skip(f"UN corpus absent at {UNGDC}")
    parties = facet(api(base_url, q="", per_page="1"), "party")
    for party in ("Cuba", "Japan", "Russian Federation", "China", "North Korea"):
        assert parties.get(party, 0) > 0, party


@pytest.mark.corpus
def test_a_party_named_in_the_query_ranks_its_paragraphs_first(base_url: str) -> None:
    if not UNGDC.is_dir():
        pytest.skip(f"UN corpus absent at {UNGDC}")
    # The adjective is the party: Cuba's own paragraphs about the embargo come first.
    assert api(base_url, q="Cuban embargo")["hits"][0]["parties"] == ["Cuba"]
    # The short form also searches the party's other names ("DPRK" finds "North Korea").
    top = api(base_url, q="DPRK abducted girl")["hits"][0]
    assert "Megumi Yokota was abducted by North Korea" in top["text"]
    # A speech's paragraphs are its party's even where they do not write its name: North
    # Korea's paragraph on blockades names no Cuba, and Cuba's own one comes first.
    top = api(base_url, q="Cuba blockade")["hits"][0]
    assert top["parties"] == ["Cuba"] and "Cuba" not in top["text"]


def test_odd_party_values_are_no_error(base_url: str) -> None:
    odd = api(base_url, q="Taiwan", party=["<b>x</b>" * 50, "party:", ""])
    assert odd["total"] == 0
    html = urllib.request.urlopen(f"{base_url}/search?q=Taiwan&party=%3Cb%3Ex", timeout=30)
    assert "<b>x" not in html.read().decode("utf-8")
