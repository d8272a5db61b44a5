"""DFAT Historical Documents (Markdown): the editors' apparatus is kept with the document.

Footnotes become notes of the paragraph their marker stands in (shown with it, found by a
search, which says so); archive references, serial numbers and security markings become
metadata, never paragraphs or printed part labels. Fixtures are cut from
`../shared/corpora/dfat-historical-docs` (file names in each test).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers_corpus import load_text
from helpers_index import index_folder, run_cli

from searchapp import create_app
from searchapp.config import load_settings
from searchapp.corpus import load_document

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
DFAT = CORPORA / "dfat-historical-docs"

FRONT = """---
doc_date: '{date}'
doc_num: {num}
naa_refs:
- naa_barcode: 247276
  naa_control_symbol: 217/6
  naa_series: A3094
  reference: '{ref}'
title: {title}
vol_full_title: 'Volume 21: The ANZUS Treaty, 1951'
vol_id: 21
---

"""

# volume-21-the-anzus-treaty/1-cablegram-from-makin-to-chifley-and-burton.md, shortened.
MAKIN = FRONT.format(
    date="1949-03-16", num=1, ref="[NAA : A3094, 217/6]", title="Cablegram from Makin to Chifley"
) + (
    "Cablegram, Washington, 16 March 1949\n\n"
    "248\\. TOP SECRET AND PERSONAL\n\n"
    "Regional Defence Pact for Pacific Press and radio have reported statements by Minister "
    "for Defence on 14th and 15th March regarding the possibility of a Pacific Defence Pact.[1] "
    "I would appreciate text of statements and also advice as to background including "
    "connexion with Listowell's[2] visit to Canberra.\n\n"
    "As I have frequently reported, the whole basis of Marshall's policy was strategic "
    "concentration on Western Europe, hence E.R.P.,[3] the North Atlantic Pact, etc.\n\n"
    " _1 In reply to a question in the House of Representatives, J. J. Dedman, Minister for "
    "Defence, stated: 'The defence of this country depends upon, first, security arrangements'."
    "\n\n2 Earl of Listowell, UK Minister of State for Colonial Affairs.\n\n"
    "3 Economic Recovery Program.\n\n_\n\n _[NAA : A3094, 217/6]_"
)


def test_footnotes_become_notes_of_their_paragraphs(tmp_path: Path) -> None:
    doc = load_text(tmp_path, "makin.md", MAKIN)
    assert [p.text for p in doc.paragraphs] == [
        "Regional Defence Pact for Pacific Press and radio have reported statements by Minister "
        "for Defence on 14th and 15th March regarding the possibility of a Pacific Defence Pact. "
        "I would appreciate text of statements and also advice as to background including "
        "connexion with Listowell's visit to Canberra.",
        "As I have frequently reported, the whole basis of Marshall's policy was strategic "
        "concentration on Western Europe, hence E.R.P., the North Atlantic Pact, etc.",
    ]
    assert [p.notes for p in doc.paragraphs] == [
        [
            "In reply to a question in the House of Representatives, J. J. Dedman, Minister "
            "for Defence, stated: 'The defence of this country depends upon, first, security "
            "arrangements'.",
            "Earl of Listowell, UK Minister of State for Colonial Affairs.",
        ],
        ["Economic Recovery Program."],
    ]
    assert all(p.section_label == "" for p in doc.paragraphs)
    meta = doc.metadata
    assert (meta.classification, meta.number, meta.place) == (
        "Top Secret and Personal",
        "248",
        "Washington",
    )
    assert meta.references == ["[NAA : A3094, 217/6]"]  # front matter and body: one reference
    assert meta.source == "Volume 21: The ANZUS Treaty, 1951, Document 1"
    assert meta.kind == "cablegram"


def test_cable_header_is_metadata_not_a_part_label(tmp_path: Path) -> None:
    # volume-21-the-anzus-treaty/122-cablegram-from-menzies-to-casey.md: "15. PRIORITY TOP
    # SECRET PERSONAL" was the printed part label of every paragraph.
    text = FRONT.format(
        date="1951-08-03", num=122, ref="[NAA: A5954, 1455/1]", title="Cablegram from Menzies"
    ) + (
        "Cablegram, Canberra, 3 August 1951\n\n15\\. PRIORITY TOP SECRET PERSONAL\n\n"
        "I have received your message about the Pacific Pact.\n\n"
        "2\\. We are prepared to sign in San Francisco.\n\n[NAA: A5954, 1455/1]\n"
    )
    doc = load_text(tmp_path, "menzies.md", text)
    assert [(p.text, p.section_label) for p in doc.paragraphs] == [
        ("I have received your message about the Pacific Pact.", ""),
        ("2. We are prepared to sign in San Francisco.", ""),
    ]
    assert (doc.metadata.classification, doc.metadata.number) == (
        "Priority Top Secret Personal",
        "15",
    )
    assert doc.metadata.references == ["[NAA: A5954, 1455/1]"]


def test_extract_dateline_gives_the_place(tmp_path: Path) -> None:
    # volume-21-the-anzus-treaty/36-extract-from-cablegram-from-embassy-in-washington-….md
    text = FRONT.format(
        date="1951-01-18", num=36, ref="[NAA : A1838 250/7/10, i]", title="Extract from Cablegram"
    ) + (
        "Extract, Washington, 18 January 1951\n\n99\\. SECRET\n\n"
        "(e) With regard to a Pacific security arrangement we gathered the impression from "
        "Fearey that a declaration might be made to the effect that a defence arrangement for "
        "the Pacific area was being favourabl[y] considered.\n"
    )
    doc = load_text(tmp_path, "extract.md", text)
    assert doc.metadata.place == "Washington"
    assert (doc.metadata.classification, doc.metadata.number) == ("Secret", "99")
    assert doc.paragraphs[0].text.endswith("was being favourabl[y] considered.")
    assert len(doc.paragraphs) == 1


def test_marker_after_editorial_brackets_is_removed(tmp_path: Path) -> None:
    # volume-21-the-anzus-treaty/129-cablegram-from-spender-to-casey.md and 106-….md
    text = FRONT.format(
        date="1951-08-01", num=129, ref="[NAA: A1838, 250/7]", title="Cablegram"
    ) + (
        "Cablegram, Washington, 1 August 1951\n\n"
        "(b) Dulles had stated that the deletion of the [provision for][3] 'subsidiary bodies' "
        "in the original draft Treaty did not mean that the Council could not establish "
        "additional [and supplemental] machinery.\n\n"
        "The proposals conform with[in][4] an existing situation.\n\n"
        "3 Words in square brackets added by hand.\n\n4 Word in square brackets added by hand.\n"
    )
    doc = load_text(tmp_path, "brackets.md", text)
    assert [p.text for p in doc.paragraphs] == [
        "(b) Dulles had stated that the deletion of the [provision for] 'subsidiary bodies' in "
        "the original draft Treaty did not mean that the Council could not establish additional "
        "[and supplemental] machinery.",
        "The proposals conform with[in] an existing situation.",
    ]
    assert [p.notes for p in doc.paragraphs] == [
        ["Words in square brackets added by hand."],
        ["Word in square brackets added by hand."],
    ]


def test_listed_notes_heading_markers_and_title_markers(tmp_path: Path) -> None:
    # Notes printed as a list (volume-28-…/100-cablegram-from-waller-….md), a marker in a
    # heading (volume-28-…/38-submission-from-townley-to-cabinet.md) and in the title
    # (volume-21-…/105-draft-security-treaty-….md).
    text = FRONT.format(
        date="1968-03-01", num=100, ref="[NAA: A1838, TS919/10/5 part 1]", title="Draft Treaty[1]"
    ) + (
        "Washington, 1 March 1968\n\nSecret Priority\n\n"
        "Waller[2](#f2) called on Farley[3](#f3) this morning.\n\n"
        "## Strategic Basis of Australian Defence Policy[4](#f4)\n\n"
        "The paper sets out the strategic basis.\n\n"
        " _[NAA: A1838, TS919/10/5 part 1]_\n\n"
        "  * 1 Draft by the Department.\n  * 2 Keith Waller, Ambassador to the United States.\n"
        "  * 3 Philip J. Farley.\n  * 4 Document 12.\n"
    )
    doc = load_text(tmp_path, "listed.md", text)
    assert [(p.text, p.section_label, p.notes) for p in doc.paragraphs] == [
        (
            "Waller called on Farley this morning.",
            "",
            [
                "Draft by the Department.",
                "Keith Waller, Ambassador to the United States.",
                "Philip J. Farley.",
            ],
        ),
        (
            "The paper sets out the strategic basis.",
            "Strategic Basis of Australian Defence Policy",
            ["Document 12."],
        ),
    ]
    assert doc.metadata.classification == "Secret Priority"


def test_a_numbered_paragraph_is_not_a_note(tmp_path: Path) -> None:
    # volume-21-…/75-cablegram-from-embassy-in-washington-….md: "2 State Department…" lost
    # its dot in the source; no marker 2 waits for a note, so it stays text.
    text = FRONT.format(date="1951-03-29", num=75, ref="[NAA : A6768, EATS 77, iv]", title="C") + (
        "Cablegram, Washington, 29 March 1951\n\n454\\. PRIORITY TOP SECRET\n\n"
        "1\\. State Department is awaiting word from United Kingdom Government.\n\n"
        "2 State Department policy was to push on with the pact as quickly as possible.\n\n"
        "We should [mention][1] that Franks returned to Washington.\n\n"
        " _1 Word in square brackets added by hand.\n\n_\n\n _[NAA : A6768, EATS 77, iv]_"
    )
    doc = load_text(tmp_path, "numbered.md", text)
    assert [(p.text, p.notes) for p in doc.paragraphs] == [
        ("1. State Department is awaiting word from United Kingdom Government.", []),
        ("2 State Department policy was to push on with the pact as quickly as possible.", []),
        (
            "We should [mention] that Franks returned to Washington.",
            ["Word in square brackets added by hand."],
        ),
    ]


def test_a_search_that_matches_a_note_finds_its_paragraph(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "makin.md").write_text(MAKIN, encoding="utf-8")
    index = tmp_path / "index"
    assert not index_folder(docs, index).failed
    done = run_cli("search", "Dedman", "--json", "--documents", str(docs), "--index", str(index))
    assert done.returncode == 0, done.stderr
    (hit,) = json.loads(done.stdout)["hits"]
    assert hit["paragraph"] == 1
    assert hit["matched_in"] == "note"
    assert "<mark>Dedman</mark>" in hit["note_excerpt"]
    assert hit["notes"][1] == "Earl of Listowell, UK Minister of State for Colonial Affairs."
    # A word of the paragraph itself is marked in the excerpt, not reported as a note match.
    done = run_cli("search", "Listowell", "--json", "--documents", str(docs), "--index", str(index))
    (hit,) = json.loads(done.stdout)["hits"]
    assert "matched_in" not in hit and "<mark>Listowell</mark>" in hit["excerpt"]

    client = create_app(load_settings(docs, index)).test_client()
    permalink = client.get(hit["url"], headers={"Accept": "application/json"}).get_json()
    assert permalink["notes"] == hit["notes"]
    page = client.get(f"/documents/{hit['doc_id']}").get_data(as_text=True)
    assert '<ol class="para-notes"' in page and "Economic Recovery Program." in page
    assert "Top Secret and Personal" in page and "[NAA : A3094, 217/6]" in page
    results = client.get("/search?q=Dedman").get_data(as_text=True)
    assert "Matched in a note" in results


def test_a_heading_is_searched_with_the_paragraph_it_opens(tmp_path: Path) -> None:
    # volume-22-…/279-submission-to-bowen.md: "_Purpose of Submission_" heads its part.
    docs = tmp_path / "documents"
    docs.mkdir()
    text = FRONT.format(date="1971-10-21", num=279, ref="[NAA: A1838, 3107/38]", title="S") + (
        "Canberra, 21 October 1971\n\nSecret Austeo\n\n****\n\n _Purpose of Submission_\n\n"
        "Government policy has been based in recent months on settling the question of Chinese "
        "representation in the United Nations.\n\n2\\. Since the Government will be expected "
        "to make a statement soon after the vote, it should have in mind courses of action.\n"
    )
    (docs / "submission.md").write_text(text, encoding="utf-8")
    index = tmp_path / "index"
    assert not index_folder(docs, index).failed
    done = run_cli("search", "purpose", "--json", "--documents", str(docs), "--index", str(index))
    (hit,) = json.loads(done.stdout)["hits"]
    assert (hit["paragraph"], hit["section_label"]) == (1, "Purpose of Submission")
    assert hit["matched_in"] == "heading"


@pytest.mark.corpus
def test_no_apparatus_left_in_the_dfat_paragraphs() -> None:
    """Over every DFAT file: no archive reference or marking is a paragraph or part label,
    no footnote marker stays in the text, and every note printed is attached somewhere."""
    files = sorted(DFAT.glob("volume-*/*.md"))
    if not files:
        pytest.skip("../shared/corpora is not there")
    marking = re.compile(r"^(?:\d+\.\s*)?(?:top secret|secret|confidential|restricted)\b", re.I)
    reference = re.compile(r"^\[\s*NAA\b")
    marker = re.compile(r"\[\d{1,3}\]\(#f|\]\[\d{1,3}\]")
    notes = 0
    for path in files:
        doc = load_document(path, DFAT)
        for p in doc.paragraphs:
            assert not reference.match(p.text), (path.name, p.text)
            assert not marking.match(p.section_label), (path.name, p.section_label)
            assert not marker.search(p.text), (path.name, p.text)
            notes += len(p.notes)
    assert notes >= 2400  # 2,457 when this test was written


def test_volume_heading_omissions_and_entities(tmp_path: Path) -> None:
    # volume-28-…/29-defence-committee-minute.md, shortened: the volume's "## 29 …" heading is
    # no part label, headings one under the other make one label (volume-22-…/38-paper-by-…),
    # "[matter omitted]" is a note on the text before it, "&amp;" is "&".
    text = FRONT.format(date="1958-02-06", num=29, ref="[NAA: A1838, TS1]", title="Minute") + (
        "## 29 Defence Committee Minute[1](#f1)\n\nCanberra, 6 February 1958\n\n"
        "Top Secret Guard\n\nAgendum No. 16/1958 &amp; Supps. 1 &amp; 2: Nuclear Weapons for the "
        "Australian Forces&mdash;Plutonium Production in Australia\n\n## Attachment\n\n"
        "## Nuclear Weapons\n\n"
        "  1. The Defence Committee considered a memorandum of 22nd January, 1958.\n\n"
        "[ _matter omitted_ ]\n\n  * 1 Present were Edwin Hicks and Arthur Tange.\n"
    )
    doc = load_text(tmp_path, "minute.md", text)
    assert [(p.section_label, p.text, p.notes) for p in doc.paragraphs] == [
        (
            "",
            "Agendum No. 16/1958 & Supps. 1 & 2: Nuclear Weapons for the Australian "
            "Forces—Plutonium Production in Australia",
            ["Present were Edwin Hicks and Arthur Tange."],
        ),
        (
            "Attachment · Nuclear Weapons",
            "1. The Defence Committee considered a memorandum of 22nd January, 1958.",
            ["[matter omitted]"],
        ),
    ]
    assert doc.metadata.classification == "Top Secret Guard"


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        # volume-28-...: titles printed in capitals in the front matter.
        ("SUBMISSION TO BOWEN", "Submission to Bowen"),
        ("BRIEF BY MCINTYRE FOR SPENDER", "Brief by McIntyre for Spender"),
        # volume-21-...: the editors' empty brackets and a footnote marker in the title.
        ("Message[1] From[ ]Dulles to Spender", "Message From Dulles to Spender"),
    ],
)
def test_front_matter_titles_read_as_titles(tmp_path: Path, published: str, shown: str) -> None:
    text = FRONT.format(date="1951-03-16", num=3, ref="[NAA : A3094, 217/6]", title=published)
    doc = load_text(tmp_path, "doc.md", text + "The Minister agreed to the draft of the treaty.\n")
    assert doc.metadata.title == shown


# volume-21-the-anzus-treaty/105-draft-security-treaty-between-australia-new-zealand-and-the-
# united-states-1.md (shortened) and 11-cablegram-from-menzies-to-holland.md's title.
DRAFT_TREATY = (
    "Draft, Washington, 12 July 1951\n\n"
    "The Parties to this Treaty, Reaffirming their faith in the purposes and principles of the "
    "Charter of the United Nations, Noting that the United States already has arrangements "
    "pursuant to which its armed forces are stationed in the Philippines, and has armed forces "
    "in and about Japan, have agreed as follows:\n\n"
    "ARTICLE I.\n\nThe Parties undertake to settle any international disputes by peaceful means.\n"
)


def test_a_treaty_s_parties_are_those_its_given_title_names(tmp_path: Path) -> None:
    title = "Draft Security Treaty Between Australia, New Zealand and the United States[1]"
    text = FRONT.format(date="1951-07-12", num=105, ref="[NAA : A1838, TS686/1, ii]", title=title)
    doc = load_text(tmp_path, "treaty.md", text + DRAFT_TREATY)
    assert doc.metadata.kind == "treaty"
    assert doc.metadata.parties == ["Australia", "New Zealand", "United States"]


def test_a_cable_s_title_names_people_not_parties(tmp_path: Path) -> None:
    cable = "Cablegram to Holland"
    text = FRONT.format(date="1950-03-01", num=11, ref="[NAA : A1838]", title=cable)
    doc = load_text(tmp_path, "cable.md", text + "The Minister will reply to Mr Holland.\n")
    assert doc.metadata.parties == []
