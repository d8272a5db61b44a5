"""Document ids come from the document itself, never from the order files are indexed in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from searchapp.corpus import load_document
from searchapp.corpus.model import Metadata
from searchapp.identity import document_id
from searchapp.indexer import update_index
from searchapp.registry import Registry

UN = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "ungdc-2015-2024"
SPEECHES = ["CHN_70_2015.txt", "ETH_70_2015.txt", "RUS_70_2015.txt", "EU_70_2015.txt"]


def ids_after_adding(tmp: Path, order: list[str]) -> dict[str, str]:
    """Index the speeches one run at a time, in `order`; the id of each file."""
    documents, index = tmp / "documents", tmp / "index"
    documents.mkdir(parents=True)
    for name in order:
        shutil.copy(UN / "Session 70 - 2015" / name, documents / name)
        update_index(documents, index)
    registry = Registry(index, readonly=True)
    return {name: registry.document_for_path(name).doc_id for name in order}


@pytest.mark.corpus
def test_same_files_in_two_orders_get_the_same_ids(tmp_path: Path) -> None:
    if not (UN / "Session 70 - 2015" / SPEECHES[0]).exists():
        pytest.skip("the UN corpus is not present")
    forward = ids_after_adding(tmp_path / "a", SPEECHES)
    backward = ids_after_adding(tmp_path / "b", SPEECHES[::-1])
    assert forward == backward
    assert forward == {
        "CHN_70_2015.txt": "2015-statement-china",
        "ETH_70_2015.txt": "2015-statement-ethiopia",
        "RUS_70_2015.txt": "2015-statement-russian-federation",
        "EU_70_2015.txt": "2015-statement-european-union",
    }


def test_an_id_given_stays_and_a_collision_takes_the_distinguishing_part() -> None:
    day = Metadata(date="2002-12-02", kind="joint declaration", parties=["China", "Russia"])
    assert document_id(day, "a.txt", set()) == "2002-12-02-joint-declaration"
    taken = {"2002-12-02-joint-declaration"}
    assert document_id(day, "a.txt", taken) == "2002-12-02-joint-declaration-china-russia"
    cable = Metadata(date="1949-05", kind="cablegram", title="Cablegram from Makin to Chifley")
    assert document_id(cable, "v/1-x.md", set()) == "1949-05-cablegram-from-makin-to-chifley-1-x"


@pytest.mark.corpus
def test_dfat_ids_do_not_depend_on_the_order(tmp_path: Path) -> None:
    # Same day, same kind, same title ("Cablegram to Canberra") occurs: the document number
    # of the file name tells them apart, whichever comes first.
    volume = UN.parent / "dfat-historical-docs" / "volume-21-the-anzus-treaty"
    if not volume.exists():
        pytest.skip("the DFAT corpus is not present")
    docs = [(load_document(p, volume).metadata, p.name) for p in sorted(volume.glob("*.md"))]

    forward, backward = {}, {}
    taken: set[str] = set()
    for meta, name in docs:
        forward[name] = document_id(meta, name, taken)
        taken.add(forward[name])
    taken = set()
    for meta, name in reversed(docs):
        backward[name] = document_id(meta, name, taken)
        taken.add(backward[name])
    assert forward == backward
    assert len(set(forward.values())) == len(docs)
    assert forward["1-cablegram-from-makin-to-chifley-and-burton.md"] == (
        "1949-03-16-cablegram-from-makin-to-chifley-and-burton-1"
    )
