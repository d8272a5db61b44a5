"""Same formulation elsewhere, and comparing two documents, on real texts: the two seeds, a
generated edit of the 2002 seed, and China's UN General Debate statements of 2015–2024."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datasketch import MinHash
from spec import PARAGRAPH_KEYS, REUSE_KEYS

from searchapp import reuse
from searchapp.config import ReuseSettings
from searchapp.registry import Registry
from tests.conftest import serve
from tests.helpers_index import (
    DOC_2002,
    DOC_2012,
    cli_env,
    copy_seeds,
    index_folder,
    run_cli,
    search,
    service,
    write_document,
)

UNGDC = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "ungdc-2015-2024"
EDIT = "2024-05-16-joint-statement"

# What the 2012 statement carries over from the 2002 declaration, found by reading both:
# stock formulations inside paragraphs that are otherwise written anew. None of them makes a
# paragraph the same formulation (near misses): the longest run of words the two documents
# share in one paragraph is seven ("role of the United Nations as the").
CARRIED_OVER = (
    "sovereignty and territorial integrity",
    "role of the United Nations",
    "Asia-Pacific region",
    "mutually beneficial cooperation",
    "strategic partnership",
    "mutual trust",
)

NEW_TEXT = (
    "The two sides will open a joint laboratory for polar research in the coming year and "
    "invite scientists of third countries to take part in its expeditions."
)


def _json(index: Path, doc_id: str, pid: int) -> dict[str, Any]:
    svc = service(index)
    return svc.paragraph_json(svc.lookup(doc_id, pid))


def _edit_of(seed: list[str]) -> list[str]:
    """The 2002 seed edited every way the comparison must tell apart (see EXPECTED)."""
    p = seed
    light = p[1].replace("positive historic changes", "positive historical changes")
    moderate = p[2].replace(
        "have extensive prospects", "have, in the new century and beyond, extensive prospects"
    )
    first, second = p[3].split(". The foreign affairs", 1)
    merged = p[4] + " " + p[5]
    # p[6] is dropped; p[7] moves to the end.
    edit = [p[0], light, moderate, first + ".", "The foreign affairs" + second, merged]
    return [*edit, NEW_TEXT, *p[8:], p[7]]


# Pairs in b's reading order: verbatim, light edit, moderate edit, the two halves of a split
# paragraph, the two paragraphs merged into one, the dropped paragraph where it stood, the new
# one; then the rest of the seed unchanged, and the paragraph moved to the end.
EXPECTED = ["same", *["changed"] * 6, "dropped", "added"]


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    root = tmp_path_factory.mktemp("reuse")
    docs = copy_seeds(root / "documents")
    index_folder(docs, root / "index")
    seed = [p.text for p in service(root / "index").paragraphs(DOC_2002)]
    write_document(docs / f"{EDIT}.txt", _edit_of(seed), title="JOINT STATEMENT ON DEEPENING TIES")
    summary = index_folder(docs, root / "index")
    assert summary.added == [EDIT]
    return docs, root / "index", seed


def test_the_seeds_share_formulations_but_no_paragraph(
    edited: tuple[Path, Path, list[str]],
) -> None:
    _, index, _ = edited
    for phrase in CARRIED_OVER:
        hits = search(index, f'"{phrase}"', per_page=100)["hits"]
        assert {DOC_2002, DOC_2012} <= {h["doc_id"] for h in hits}, phrase
    for p in service(index).paragraphs(DOC_2012):
        listed = {r["doc_id"] for r in _json(index, DOC_2012, p.pid)["reuse"]}
        assert DOC_2002 not in listed
    out = run_cli("compare", DOC_2002, DOC_2012, "--json", "--index", str(index))
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)["summary"]
    assert summary["same"] == 0
    assert summary["added"] == len(service(index).paragraphs(DOC_2012))


def test_compare_tells_every_kind_of_edit_apart(edited: tuple[Path, Path, list[str]]) -> None:
    _, index, seed = edited
    out = run_cli("compare", DOC_2002, EDIT, "--json", "--index", str(index))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    statuses = [p["status"] for p in data["pairs"]]
    assert statuses == EXPECTED + ["same"] * (len(seed) - 8) + ["same"]
    pairs = data["pairs"]
    # The two halves of the split paragraph are changed against the paragraph they came from.
    assert pairs[3]["a"]["paragraph"] == pairs[4]["a"]["paragraph"] == 4
    # Both paragraphs merged into one are paired with it.
    assert pairs[5]["b"] == pairs[6]["b"] and {
        pairs[5]["a"]["paragraph"],
        pairs[6]["a"]["paragraph"],
    } == {5, 6}
    assert pairs[7]["a"]["paragraph"] == 7 and pairs[7]["b"] is None  # dropped where it stood
    assert pairs[8]["a"] is None and pairs[8]["b"]["text"] == NEW_TEXT
    assert pairs[-1]["a"]["paragraph"] == 8  # moved to the end: still the same paragraph
    assert "<del>historic</del> <ins>historical</ins>" in pairs[1]["diff"]
    assert "<ins>in the new century and beyond,</ins>" in pairs[2]["diff"]
    assert data["summary"] == {
        "same": len(seed) - 6,
        "changed": 6,
        "added": 1,
        "dropped": 1,
    }
    text = run_cli("compare", DOC_2002, EDIT, "--index", str(index))
    assert text.stdout.splitlines()[0].endswith(
        f"{len(seed) - 6} same, 6 changed, 1 added, 1 dropped"
    )


def test_reuse_lists_the_edited_copies_oldest_first(edited: tuple[Path, Path, list[str]]) -> None:
    _, index, _ = edited
    body = _json(index, EDIT, 1)
    assert set(body) >= PARAGRAPH_KEYS
    assert body["reuse"], "a verbatim copy of the 2002 paragraph is reuse"
    first = body["reuse"][0]
    assert set(first) == REUSE_KEYS
    assert (first["doc_id"], first["pid"], first["similarity"]) == (DOC_2002, 1, 1.0)
    assert all(r["doc_id"] != EDIT for r in body["reuse"]), "never its own document"
    light = _json(index, DOC_2002, 2)["reuse"]
    assert [(r["doc_id"], r["pid"]) for r in light] == [(EDIT, 2)]
    assert 0.9 < light[0]["similarity"] < 1


def test_permalink_page_shows_reuse_with_first_occurrence(
    edited: tuple[Path, Path, list[str]],
) -> None:
    from searchapp import create_app
    from searchapp.config import load_settings

    docs, index, _ = edited
    client = create_app(load_settings(docs, index)).test_client()
    html = client.get(f"/documents/{EDIT}/3").get_data(as_text=True)
    assert "Same formulation elsewhere" in html
    assert "First occurrence in the collection" in html
    # From this paragraph to the 2002 one: the clause this one added is not there.
    assert "<del>in the new century and beyond,</del>" in html
    assert f"/compare?a={EDIT}&amp;b={DOC_2002}" in html
    page = client.get(f"/documents/{EDIT}").get_data(as_text=True)
    assert f"/compare?a={EDIT}&amp;b={DOC_2002}" in page, "compare with… on the document page"


def test_bad_comparisons_are_refused(edited: tuple[Path, Path, list[str]]) -> None:
    from searchapp import create_app
    from searchapp.config import load_settings

    docs, index, _ = edited
    client = create_app(load_settings(docs, index)).test_client()
    assert client.get(f"/api/compare?a={DOC_2002}&b={DOC_2002}").status_code == 400
    assert client.get(f"/api/compare?a={DOC_2002}").status_code == 400
    missing = client.get("/compare?a=nope&b=<script>")
    assert missing.status_code == 404 and "<script>" not in missing.get_data(as_text=True)
    out = run_cli("compare", DOC_2002, "nope", "--index", str(index))
    assert out.returncode == 2 and "nope" in out.stderr and "Traceback" not in out.stderr


def test_boilerplate_is_not_reuse(tmp_path: Path) -> None:
    detector = reuse.Detector()
    for formula in ("Mr. President,", "Thank you.", "Thank you, Madam President.", "Agreed."):
        assert detector.units(formula) == [], formula
    docs = tmp_path / "documents"
    body = "The parties will hold their next round of talks on fisheries in the spring."
    for n, place in enumerate(("Alphaville", "Betatown")):
        write_document(
            docs / f"doc{n}.txt",
            [f"{body} Talks at {place} were useful.", f"{place} thanks its guests warmly."],
            dateline=f"{place}, 1{n} May 2024",
        )
    index_folder(docs, tmp_path / "index")
    svc = service(tmp_path / "index")
    doc_id = sorted(d.doc_id for d in svc.documents())[0]
    (shared, thanks) = svc.paragraphs(doc_id)
    assert len(svc.elsewhere(doc_id, shared.pid)) == 1
    assert svc.elsewhere(doc_id, thanks.pid) == []  # too short to be a formulation
    # A paragraph matched in `max_documents` documents or more is boilerplate too.
    registry = Registry(tmp_path / "index", readonly=True)
    assert reuse.elsewhere(registry, doc_id, shared.pid, ReuseSettings(max_documents=1)) == []


def test_adding_and_removing_a_document_updates_links_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    index_folder(docs, index)
    seed = [p.text for p in service(index).paragraphs(DOC_2002)]
    hashed: list[int] = []
    keys = reuse.Detector.keys
    monkeypatch.setattr(
        reuse.Detector, "keys", lambda self, u: hashed.append(len(u)) or keys(self, u)
    )
    write_document(docs / "copy.txt", [seed[0], seed[4]], dateline="Alphaville, 1 May 2020")
    index_folder(docs, index)
    copy_id = next(d.doc_id for d in service(index).documents() if d.path == "copy.txt")
    assert hashed == [len(reuse.Detector().units(seed[0])) + len(reuse.Detector().units(seed[4]))]
    assert [r["doc_id"] for r in _json(index, DOC_2002, 1)["reuse"]] == [copy_id]
    assert [r["doc_id"] for r in _json(index, copy_id, 1)["reuse"]] == [DOC_2002]
    (docs / "copy.txt").unlink()
    index_folder(docs, index)
    assert _json(index, DOC_2002, 1)["reuse"] == []
    db = sqlite3.connect(index / "registry.sqlite")
    seqs = {r[0] for r in db.execute("SELECT seq FROM documents WHERE live = 1")}
    stored = {r[0] for t in reuse.BAND_TABLES for r in db.execute(f"SELECT seq FROM {t}")}
    stored |= {r[0] for r in db.execute("SELECT other_seq FROM reuse_links")}
    assert stored <= seqs, "a removed document leaves no keys and no links"


def _stored_keys(index: Path) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(seq, key) of the band tables, and as each document's key list records them."""
    db = sqlite3.connect(index / "registry.sqlite")
    bands = {tuple(r) for t in reuse.BAND_TABLES for r in db.execute(f"SELECT seq, key FROM {t}")}
    listed = {
        (seq, int(key))
        for seq, blob in db.execute("SELECT seq, keys FROM reuse_doc_keys")
        for key in np.frombuffer(blob, dtype="<i8")
    }
    return bands, listed


def test_a_registry_with_the_old_seq_index_forgets_documents_as_a_new_one(
    tmp_path: Path,
) -> None:
    """Registries made before each document's keys were listed had an index on seq: the
    next index run lists every document's keys from it and drops it, and removing a
    document then removes all its keys."""
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    index_folder(docs, index)
    seed = [p.text for p in service(index).paragraphs(DOC_2002)]
    write_document(docs / "copy.txt", [seed[0], seed[4]], dateline="Alphaville, 1 May 2020")
    index_folder(docs, index)
    bands, listed = _stored_keys(index)
    assert bands and listed == bands
    db = sqlite3.connect(index / "registry.sqlite")
    with db:  # as a registry of before looked
        db.execute("CREATE INDEX reuse_bands_doc ON reuse_bands(seq)")
        db.execute("DELETE FROM reuse_doc_keys")
    copy_seq = db.execute("SELECT seq FROM documents WHERE path = 'copy.txt'").fetchone()[0]
    db.close()
    (docs / "copy.txt").unlink()
    index_folder(docs, index)
    bands_after, listed_after = _stored_keys(index)
    assert bands_after == {k for k in bands if k[0] != copy_seq} == listed_after
    db = sqlite3.connect(index / "registry.sqlite")
    assert (
        db.execute("SELECT 1 FROM sqlite_master WHERE name = 'reuse_bands_doc'").fetchone() is None
    )


def test_an_add_uses_the_stored_hashing_and_never_imports_scipy(tmp_path: Path) -> None:
    """datasketch derives the bands and permutations once, at the first index run; an add
    reads them back with the keys they made (importing datasketch costs SciPy's 0.6 s), and
    imports nothing else it does not need."""
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    index_folder(docs, index)
    seed = [p.text for p in service(index).paragraphs(DOC_2002)]
    write_document(docs / "copy.txt", [seed[0], seed[4]], dateline="Alphaville, 1 May 2020")
    command = ("index", "--documents", str(docs), "--index", str(index))
    out = run_cli(*command, env=cli_env(PYTHONPROFILEIMPORTTIME="1"))
    assert out.returncode == 0, out.stderr
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in out.stderr.splitlines()
        if line.startswith("import time:")
    }
    # numpy.ma: what np.unique(axis=0) imports, 0.15 s of a cold process.
    assert "searchapp.reuse" in imported
    assert not imported & {"datasketch", "scipy", "numpy.ma"}
    copy_id = next(d.doc_id for d in service(index).documents() if d.path == "copy.txt")
    assert [r["doc_id"] for r in _json(index, DOC_2002, 1)["reuse"]] == [copy_id]
    db = sqlite3.connect(index / "registry.sqlite")
    stored = db.execute("SELECT hashing FROM reuse_hashing").fetchone()[0]
    assert reuse.Hashing.from_json(stored) == reuse.Hashing.derive(ReuseSettings())


def test_links_are_recomputed_when_the_settings_change(tmp_path: Path) -> None:
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    index_folder(docs, index)
    seed = [p.text for p in service(index).paragraphs(DOC_2002)]
    light = seed[1].replace("positive historic changes", "positive historical changes")
    write_document(docs / "copy.txt", [seed[0], light], dateline="Alphaville, 1 May 2020")
    index_folder(docs, index)
    assert len(_json(index, DOC_2002, 2)["reuse"]) == 1
    strict = reuse.Detector(ReuseSettings(threshold=0.99, shared_words=1000))
    registry = Registry(index)
    with registry.transaction() as db:
        reuse.update(db, [], [], strict)  # what `searchapp index` does after an edit of config
    assert _json(index, DOC_2002, 2)["reuse"] == []  # the light edit is below 0.99 now
    assert len(_json(index, DOC_2002, 1)["reuse"]) == 1  # the verbatim copy is not


@pytest.mark.corpus
def test_china_general_debate_sentences_return(tmp_path: Path) -> None:
    if not UNGDC.is_dir():
        pytest.skip(f"{UNGDC} not found")
    docs = tmp_path / "documents"
    docs.mkdir()
    for year in range(2015, 2025):
        found = next(UNGDC.glob(f"*/CHN_{year - 1945}_{year}.txt"))
        shutil.copy(found, docs / found.name)
    index = tmp_path / "index"
    index_folder(docs, index)
    svc = service(index)
    by_year = {d.metadata.year: d.doc_id for d in svc.documents()}
    cuba = "China firmly supports the Cuban people in their just struggle"
    (p2022,) = [p for p in svc.paragraphs(by_year[2022]) if cuba in p.text]
    body = _json(index, by_year[2022], p2022.pid)
    assert [r["doc_id"] for r in body["reuse"]] == [by_year[2023]]
    back = _json(index, by_year[2023], body["reuse"][0]["pid"])["reuse"]
    assert [(r["doc_id"], r["pid"]) for r in back] == [(by_year[2022], p2022.pid)]
    taiwan = "the sole legal Government representing the whole of China"
    linked = {
        (d, r["doc_id"])
        for year, d in by_year.items()
        for p in svc.paragraphs(d)
        if taiwan in p.text
        for r in _json(index, d, p.pid)["reuse"]
    }
    assert (by_year[2022], by_year[2023]) in linked


def test_a_build_linked_in_parts_links_as_one_linked_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full build links its documents a part at a time (bounded memory): each part finds
    the earlier parts' keys stored. China's ten General Debate speeches, one per part,
    get exactly the links of one batch."""
    if not UNGDC.is_dir():
        pytest.skip(f"{UNGDC} not found")
    docs = tmp_path / "documents"
    docs.mkdir()
    for found in sorted(UNGDC.glob("*/CHN_*.txt")):
        shutil.copy(found, docs / found.name)

    index_folder(docs, tmp_path / "at-once")
    monkeypatch.setattr(reuse, "PARAGRAPHS_AT_ONCE", 1)  # every document a part of its own
    index_folder(docs, tmp_path / "in-parts")
    at_once = _links(tmp_path / "at-once")
    assert len(at_once) >= 8 and _links(tmp_path / "in-parts") == at_once


def test_documents_added_one_by_one_link_as_one_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An add puts its band keys in the small recent table, merged into the big one once it
    holds `RECENT_ROWS`: China's speeches added one index run at a time, through merges,
    get exactly the links of one build, and every key is kept in one table or the other."""
    if not UNGDC.is_dir():
        pytest.skip(f"{UNGDC} not found")
    speeches = sorted(UNGDC.glob("*/CHN_*.txt"))
    together, one_by_one = tmp_path / "together", tmp_path / "one-by-one"
    for folder in (together, one_by_one):
        folder.mkdir()
    for found in speeches:
        shutil.copy(found, together / found.name)
    index_folder(together, tmp_path / "built")

    def rows(index: Path, table: str) -> int:
        db = sqlite3.connect(index / "registry.sqlite")
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    added, merges = tmp_path / "added", 0
    for n, found in enumerate(speeches):
        shutil.copy(found, one_by_one / found.name)
        before = rows(added, "reuse_bands") if n else 0
        index_folder(one_by_one, added)
        if n == 0:  # the next adds fill the recent table and merge it three times or more
            first = sum(rows(added, t) for t in reuse.BAND_TABLES)
            monkeypatch.setattr(reuse, "RECENT_ROWS", first * 2 + 1)
        merges += n > 0 and rows(added, "reuse_bands") > before
        assert rows(added, "reuse_bands_recent") < reuse.RECENT_ROWS
    assert merges >= 3
    assert sum(rows(added, t) for t in reuse.BAND_TABLES) == rows(tmp_path / "built", "reuse_bands")
    bands, listed = _stored_keys(added)
    assert listed == bands
    assert _links(added) == _links(tmp_path / "built") and len(_links(added)) >= 8


def _links(index: Path) -> list[tuple[str, int, str, int, float]]:
    db = sqlite3.connect(index / "registry.sqlite")
    return sorted(
        db.execute(
            "SELECT a.doc_id, l.pid, b.doc_id, l.other_pid, l.similarity FROM reuse_links l"
            " JOIN documents a ON a.seq = l.seq JOIN documents b ON b.seq = l.other_seq"
        )
    )


@pytest.fixture(scope="module")
def edited_server(edited: tuple[Path, Path, list[str]]) -> Iterator[str]:
    from searchapp import create_app
    from searchapp.config import load_settings

    docs, index, _ = edited
    yield from serve(create_app(load_settings(docs, index)))


@pytest.mark.browser
def test_compare_page_in_a_browser(browser: Any, edited_server: str) -> None:
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            tab = context.new_page()
            messages: list[str] = []
            tab.on("console", lambda m, seen=messages: seen.append(m.text))
            tab.goto(f"{edited_server}/documents/{EDIT}/3")
            tab.locator(".reuse-item a", has_text="compare the documents").first.click()
            tab.wait_for_url(f"**/compare?a={EDIT}&b={DOC_2002}")
            summary = tab.locator(".compare-summary").inner_text()
            # From the edit back to the seed: the new paragraph is dropped, the dropped one new.
            assert (
                "6 changed" in summary and "1 new in b" in summary and "1 dropped from a" in summary
            )
            assert tab.locator(".compare-pair.status-changed del").count() > 0
            assert tab.locator(".compare-pair.status-changed ins").count() > 0
            overflow = tab.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, width
            assert not [m for m in messages if "Content Security" in m]
        finally:
            context.close()


def test_signatures_are_datasketchs_minhash() -> None:
    """`Detector.signatures` hashes a whole document in one NumPy pass: it must give what
    datasketch's MinHash gives sentence by sentence (the stored band keys depend on it)."""
    detector = reuse.Detector()
    seed = (Path(__file__).resolve().parents[1] / "documents").rglob("*.txt")
    text = next(iter(sorted(seed))).read_text(encoding="utf-8")
    units = [u for line in text.splitlines() for u in detector.units(line)][:40]
    assert len(units) >= 10
    expected = MinHash.bulk(
        [detector.shingles(u) for u in units],
        num_perm=detector.settings.num_perm,
        hashfunc=zlib.crc32,
    )
    assert detector.signatures(units).tolist() == [m.hashvalues.tolist() for m in expected]


def test_reuse_detection_can_be_switched_off(tmp_path: Path) -> None:
    """SEARCHAPP_REUSE=0 (the benchmark's build "without reuse"): `searchapp index` keeps no
    keys and no links; the next run with it on links what was indexed meanwhile too."""
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    command = ("index", "--documents", str(docs), "--index", str(index))
    off = cli_env(SEARCHAPP_REUSE="0")
    assert run_cli(*command, env=off).returncode == 0
    seed = [p.text for p in service(index).paragraphs(DOC_2002)]
    write_document(docs / "copy.txt", [seed[0], seed[4]], dateline="Alphaville, 1 May 2020")
    assert run_cli(*command, env=off).returncode == 0
    db = sqlite3.connect(index / "registry.sqlite")
    for table in (*reuse.BAND_TABLES, "reuse_links"):
        assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table
    assert _json(index, DOC_2002, 1)["reuse"] == []
    out = run_cli(*command)
    assert out.returncode == 0, out.stderr
    copy_id = next(d.doc_id for d in service(index).documents() if d.path == "copy.txt")
    assert [r["doc_id"] for r in _json(index, DOC_2002, 1)["reuse"]] == [copy_id]
