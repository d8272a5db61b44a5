"""Document ids come from the document itself, never from the order files are indexed in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
    assert document_id(cable, "v/1-x.md", set()) == "1949-05-cablegram-from-makin-to-chifley"
    taken = {"1949-05-cablegram-from-makin-to-chifley"}
    assert document_id(cable, "v/1-x.md", taken) == "1949-05-cablegram-from-makin-to-chifley-1-x"
