"""Metadata: dates as they are written, the catalog (metadata.csv), given over extracted."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from searchapp.corpus import Metadata, load_catalog, load_document, save_catalog_row
from searchapp.corpus.catalog import parse_catalog_date
from searchapp.corpus.dates import find_date
from searchapp.corpus.parties import find_parties

DOCS = Path(__file__).parents[1] / "documents"
SEED_2002 = "2002-12-02-russia-china-joint-declaration.txt"
HEADER = "file,title,date,kind,place,parties,language,source\n"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Beijing, December 2, 2002", "2002-12-02"),
        ("signed on 16 July 2001 in Moscow", "2001-07-16"),
        ("a state visit from 5 to 6 June 2012.", "2012-06-06"),
        ("in English 0928gmt 06 Jun 12", "2012-06-06"),
        ("on the 3rd of March, 1998", "1998-03-03"),
        ("Sept. 11, 2001", "2001-09-11"),
        ("dated 2019-04-26", "2019-04-26"),
        ("no date here, only 2002 and June", None),
        ("February 30, 2002", None),
    ],
)
def test_dates_as_they_are_written(text: str, iso: str | None) -> None:
    assert find_date(text) == iso


def test_parties_are_normalised_country_names() -> None:
    assert find_parties("Joint Statement of the PRC and the Russian Federation") == [
        "China",
        "Russian Federation",
    ]
    # "us" as a word is not the United States.
    assert find_parties("Let us work with the Democratic People's Republic of Korea") == [
        "North Korea"
    ]


def test_catalog_dates() -> None:
    assert parse_catalog_date("2002") == "2002"
    assert parse_catalog_date("2002-12") == "2002-12"
    assert parse_catalog_date("2002-12-02") == "2002-12-02"
    assert parse_catalog_date("") is None
    for bad in ("2 December 2002", "2002-13", "2002-02-30", "02-12-2002"):
        with pytest.raises(ValueError):
            parse_catalog_date(bad)


def test_missing_catalog_is_empty(tmp_path: Path) -> None:
    assert load_catalog(tmp_path) == {}


def test_catalog_rows(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        HEADER
        + "a.txt,Treaty of Example,2001-07-16,treaty,Moscow,Russia; China ,en,Kremlin\n"
        + "sub/b.txt,,2012,,,,,\n"
        + "sub\\c.txt,Only a title,,,,,,\n",
        encoding="utf-8",
    )
    catalog = load_catalog(tmp_path)
    assert set(catalog) == {"a.txt", "sub/b.txt", "sub/c.txt"}
    a = catalog["a.txt"]
    assert (a.title, a.date, a.kind, a.place, a.language, a.source) == (
        "Treaty of Example",
        "2001-07-16",
        "treaty",
        "Moscow",
        "en",
        "Kremlin",
    )
    assert a.parties == ["Russia", "China"]
    b = catalog["sub/b.txt"]
    assert b.date == "2012" and b.year == 2012
    assert b.title is None and b.parties == []
    assert catalog["sub/c.txt"].title == "Only a title"


def test_malformed_catalog_date_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        HEADER + "a.txt,Title,2 Dec 2002,,,,,\nb.txt,Other,2003-01-01,,,,,\n", encoding="utf-8"
    )
    warnings: list[str] = []
    catalog = load_catalog(tmp_path, warnings)
    assert catalog["a.txt"].title == "Title"
    assert catalog["a.txt"].date is None
    assert catalog["b.txt"].date == "2003-01-01"
    assert len(warnings) == 1
    assert "line 2" in warnings[0] and "a.txt" in warnings[0] and "2 Dec 2002" in warnings[0]


def test_save_catalog_row_adds_and_updates(tmp_path: Path) -> None:
    save_catalog_row(tmp_path, "new/x.txt", Metadata(title="X", date="2020", parties=["A", "B"]))
    save_catalog_row(tmp_path, "y.txt", Metadata(kind="treaty"))
    save_catalog_row(tmp_path, "new/x.txt", Metadata(title="X2", date="2021-05-04"))
    with (tmp_path / "metadata.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["file"] for r in rows] == ["new/x.txt", "y.txt"]
    assert rows[0]["title"] == "X2" and rows[0]["date"] == "2021-05-04"
    catalog = load_catalog(tmp_path)
    assert catalog["y.txt"].kind == "treaty"
    # No temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metadata.csv"]


def test_save_catalog_row_keeps_other_rows_and_columns(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        "file,title,date,kind,place,parties,language,source,note\nold.txt,Old,1999,,,,,,keep me\n",
        encoding="utf-8",
    )
    save_catalog_row(tmp_path, "new.txt", Metadata(title="New"))
    with (tmp_path / "metadata.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["note"] == "keep me" and rows[0]["title"] == "Old"
    assert rows[1]["title"] == "New"


def test_save_catalog_row_refuses_a_bad_date(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        save_catalog_row(tmp_path, "x.txt", Metadata(date="yesterday"))
    assert not (tmp_path / "metadata.csv").exists()


def test_given_metadata_wins_over_extracted() -> None:
    given = Metadata(title="Given title", date="2002-12", parties=["Russia"])
    doc = load_document(DOCS / SEED_2002, DOCS, given=given)
    assert doc.metadata.title == "Given title"
    assert doc.metadata.date == "2002-12"
    assert doc.metadata.parties == ["Russian Federation"]
    # What is not given is still extracted.
    assert doc.metadata.kind == "joint declaration"
    assert doc.metadata.place == "Beijing"


def test_file_without_date_loads_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("The parties met and agreed to meet again.\n", encoding="utf-8")
    doc = load_document(path, tmp_path)
    assert doc.metadata.date is None and doc.metadata.year is None
    assert any("year is unknown" in w for w in doc.warnings)
    assert doc.metadata.title  # every paragraph can show a document title
    given = load_document(path, tmp_path, Metadata(date="1990"))
    assert given.metadata.year == 1990 and given.warnings == []


def test_date_from_file_name_when_the_text_has_none(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir()
    path = folder / "1999-04-26-statement.txt"
    path.write_text("The two ministers issued the following statement.\n", encoding="utf-8")
    doc = load_document(path, tmp_path)
    assert doc.path == "sub/1999-04-26-statement.txt"
    assert doc.metadata.date == "1999-04-26"


def test_dateline_with_day_and_month_takes_the_year_from_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "statement.txt"
    path.write_text(
        "Moscow, 3 April – The foreign ministers met in Moscow from 2 to 3 April 2019 and "
        "agreed on the following.\n\nThey will meet again next year.\n",
        encoding="utf-8",
    )
    doc = load_document(path, tmp_path)
    assert doc.metadata.date == "2019-04-03"
    assert doc.metadata.place == "Moscow"
    assert doc.paragraphs[0].text.startswith("Moscow, 3 April – The foreign ministers met")


def test_signature_block_and_source_are_metadata(tmp_path: Path) -> None:
    path = tmp_path / "treaty.txt"
    path.write_text(
        "TREATY OF FRIENDSHIP BETWEEN EXAMPLE AND SAMPLE\n\n"
        "The High Contracting Parties shall develop friendly relations.\n\n"
        "Source: Example Gazette, No. 4\n\n"
        "For the Republic of Example\n\nJohn Smith\n\n"
        "President of the Kingdom of Sample\n\n"
        "Done at Geneva, 4 May 1950\n",
        encoding="utf-8",
    )
    doc = load_document(path, tmp_path)
    assert [p.text for p in doc.paragraphs] == [
        "The High Contracting Parties shall develop friendly relations."
    ]
    assert doc.metadata.source == "Source: Example Gazette, No. 4"
    assert doc.metadata.signatories == [
        "For the Republic of Example",
        "John Smith",
        "President of the Kingdom of Sample",
    ]
    assert doc.metadata.date == "1950-05-04"
    assert doc.metadata.place == "Geneva"
    assert doc.metadata.kind == "treaty"


def test_catalog_keys_change_with_a_row_and_rows_are_parsed_when_read(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        HEADER + "a.txt,Title,2 Dec 2002,,,,,\nb.txt,Other,2003,,,,,\n", encoding="utf-8"
    )
    warnings: list[str] = []
    catalog = load_catalog(tmp_path, warnings)
    keys = {f: catalog.key(f) for f in ("a.txt", "b.txt", "none.txt")}
    assert len(set(keys.values())) == 3
    assert warnings == [], "a row is parsed (and warned about) when it is read"
    assert catalog["b.txt"].date == "2003" and warnings == []
    assert catalog["a.txt"].date is None and len(warnings) == 1
    (tmp_path / "metadata.csv").write_text(
        HEADER + "a.txt,Title,2 Dec 2002,,,,,\nb.txt, Other ,2004,,,,,\n", encoding="utf-8"
    )
    again = load_catalog(tmp_path)
    assert again.key("a.txt") == keys["a.txt"] and again.key("none.txt") == keys["none.txt"]
    assert again.key("b.txt") != keys["b.txt"]
