"""UN General Debate speeches and plain texts: fixtures cut from ../shared/corpora (short
strings), asserting the exact paragraphs and metadata."""

from __future__ import annotations

from pathlib import Path

from searchapp.corpus import load_catalog, load_document

# Session 70 - 2015/DZA_70_2015.txt: a page break (counter, job number, symbol and date)
# inside a sentence.
DZA = (
    "Algeria, which paid a heavy price to regain its sovereignty, understands the true value"
    " of the heroic struggle of the Palestinian people to recover their national rights\n"
    "15-29658 47/55\n"
    "\n"
    "A/70/PV.22 01/10/2015\n"
    "and shares their hopes as the Palestinian flag is now flying at Headquarters.\n"
    "Mr. President,\n"
    "The Charter of the United Nations was signed on 26 June 1945, and on 28 October 2014,"
    " our fifth President died.\n"
    "16-29823 39/53 1978 — for almost four decades — we have met the target.\n"
    "Thank you.\n"
)


def load(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_document(path, tmp_path)


def test_speech_furniture_page_break_addresses_and_metadata(tmp_path: Path) -> None:
    doc = load(tmp_path, "DZA_70_2015.txt", DZA)
    assert [p.text for p in doc.paragraphs] == [
        "Algeria, which paid a heavy price to regain its sovereignty, understands the true value"
        " of the heroic struggle of the Palestinian people to recover their national rights and"
        " shares their hopes as the Palestinian flag is now flying at Headquarters.",
        "Mr. President, The Charter of the United Nations was signed on 26 June 1945, and on"
        " 28 October 2014, our fifth President died.",
        "1978 — for almost four decades — we have met the target. Thank you.",
    ]
    meta = doc.metadata
    assert meta.title == "Statement by Algeria at the 70th session of the UN General Assembly, 2015"
    assert (meta.date, meta.parties, meta.kind) == ("2015", ["Algeria"], "statement")
    assert "only the year of this document is known (2015)" in doc.warnings
    assert [kind for kind, _ in doc.removed] == ["page furniture"] * 3
    assert [text for _, text in doc.removed] == [
        "15-29658 47/55",
        "A/70/PV.22 01/10/2015",
        "16-29823 39/53",
    ]


def test_first_paragraph_mentioning_the_charter_is_not_a_title(tmp_path: Path) -> None:
    # Session 70 - 2015/CHE_70_2015.txt, first paragraph, in a file of another name.
    first = (
        "On the ruins of a world ravaged by the Second World War, 51 countries came together"
        " to proclaim the values enshrined in the Charter: dignity, human rights and peace"
    )
    doc = load(tmp_path, "speech.txt", f"{first}\nIt is fitting that we celebrate.\n")
    assert doc.paragraphs[0].text == first
    assert doc.metadata.kind is None


def test_resolution_number_and_session_numeral_stay_one_paragraph(tmp_path: Path) -> None:
    # Session 73 - 2018/ZWE_73_2018.txt
    doc = load(
        tmp_path,
        "ZWE_73_2018.txt",
        "We call for implementing its resolutions, including General Assembly resolution 181\n"
        "(II) and Security Council resolutions 242 (1967) and 2334 (2016).\n",
    )
    assert [p.text for p in doc.paragraphs] == [
        "We call for implementing its resolutions, including General Assembly resolution 181"
        " (II) and Security Council resolutions 242 (1967) and 2334 (2016)."
    ]


def test_markdown_emphasis_leaves_a_plain_text(tmp_path: Path) -> None:
    # Session 79 - 2024/AND_79_2024.txt and PRY_79_2024.txt
    doc = load(
        tmp_path,
        "AND_79_2024.txt",
        "**Mr President,**\n"
        "I highlight the momentum given to the Summit of the Future**, from which derives the"
        " *Pact for the Future*, and 5 * 3 stays.\n"
        "**Thank you.**\n",
    )
    assert [p.text for p in doc.paragraphs] == [
        "Mr President, I highlight the momentum given to the Summit of the Future, from which"
        " derives the Pact for the Future, and 5 * 3 stays. Thank you."
    ]
    assert doc.metadata.parties == ["Andorra"]


def test_european_union_speech(tmp_path: Path) -> None:
    doc = load(tmp_path, "EU_79_2024.txt", "The European Union stands with Ukraine.\n")
    assert doc.metadata.title == (
        "Statement by the European Union at the 79th session of the UN General Assembly, 2024"
    )
    assert doc.metadata.parties == ["European Union"]


def test_title_with_place_and_date_is_split(tmp_path: Path) -> None:
    doc = load(
        tmp_path,
        "communique.txt",
        "Joint Communiqué on Strategic Cooperation, Paris, 3 March 2019.\n\n"
        "The two sides agreed to deepen cooperation.\n",
    )
    meta = doc.metadata
    assert (meta.title, meta.place, meta.date) == (
        "Joint Communiqué on Strategic Cooperation",
        "Paris",
        "2019-03-03",
    )
    assert meta.kind == "joint communiqué"
    assert [p.text for p in doc.paragraphs] == ["The two sides agreed to deepen cooperation."]


def test_a_date_in_the_body_is_taken_only_with_a_warning(tmp_path: Path) -> None:
    doc = load(
        tmp_path,
        "statement.txt",
        "The ministers recalled that on 28 October 2014 the talks began.\n\nThey met again.\n",
    )
    assert doc.metadata.date == "2014-10-28"
    assert any("taken from the text" in w for w in doc.warnings)


def test_repeated_treaty_lines_are_text_not_running_headers(tmp_path: Path) -> None:
    # tota-chn-rus/xml/pta_141.xml: the same list item in two chapters, far apart.
    item = "(a) for China, the Ministry of Finance; and"
    filler = [f"Article {n}\n\nEach Party shall notify the other Party.\n" for n in range(1, 8)]
    text = "\n".join([item, *filler, item, ""])
    doc = load(tmp_path, "treaty.txt", text)
    assert [p.text for p in doc.paragraphs].count(item) == 2


def test_a_given_title_never_takes_a_paragraph(tmp_path: Path) -> None:
    # Session 70 - 2015/CHE_70_2015.txt with its title given in metadata.csv.
    first = "On the ruins of a world ravaged by the Second World War, 51 countries met."
    (tmp_path / "metadata.csv").write_text(
        "file,title,date,kind,place,parties,language,source\n"
        "CHE_70_2015.txt,Swiss statement,2015-09-28,,,,,\n",
        encoding="utf-8",
    )
    path = tmp_path / "CHE_70_2015.txt"
    path.write_text(f"{first}\nIt is fitting that we celebrate.\n", encoding="utf-8")
    doc = load_document(path, tmp_path, load_catalog(tmp_path)["CHE_70_2015.txt"])
    assert [p.text for p in doc.paragraphs] == [first, "It is fitting that we celebrate."]
    assert (doc.metadata.title, doc.metadata.date) == ("Swiss statement", "2015-09-28")
    assert doc.metadata.parties == ["Switzerland"]
    assert not any("only the year" in w for w in doc.warnings)


def test_a_line_break_before_a_bracket_does_not_split_a_paragraph(tmp_path: Path) -> None:
    # Session 77 - 2022/CHN_77_2022.txt: its first paragraph, once cut into a title.
    doc = load(
        tmp_path,
        "CHN_77_2022.txt",
        "We are at a time fraught with challenges. The coronavirus disease\n"
        "(COVID-19) keeps resurfacing. Global security faces uncertainty.\n"
        "But we are also at a time full of hope.\n",
    )
    assert [p.text for p in doc.paragraphs] == [
        "We are at a time fraught with challenges. The coronavirus disease (COVID-19) keeps"
        " resurfacing. Global security faces uncertainty.",
        "But we are also at a time full of hope.",
    ]
    assert doc.metadata.title == (
        "Statement by China at the 77th session of the UN General Assembly, 2022"
    )
