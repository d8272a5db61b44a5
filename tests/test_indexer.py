"""Incremental indexing (SPEC: Documents, Identifiers, Command line `searchapp index`): only
added, changed and removed files are processed, ids never change, unreadable files are
reported by name while the others are indexed."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from helpers_index import (
    DOC_2002,
    DOC_2012,
    SEED_2002,
    SEED_2012,
    SEEDS,
    all_pids,
    copy_seeds,
    index_folder,
    run_cli,
    search,
    service,
    write_document,
)

from searchapp import indexer
from searchapp.corpus import load_catalog
from searchapp.indexer import IndexSummary
from searchapp.registry import Registry


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    return copy_seeds(tmp_path / "documents"), tmp_path / "index"


@pytest.fixture
def indexed(folders: tuple[Path, Path]) -> tuple[Path, Path]:
    docs, index = folders
    first = index_folder(docs, index)
    assert sorted(first.added) == [DOC_2002, DOC_2012]
    return docs, index


def _counts(s: IndexSummary) -> tuple[int, int, int, int, int]:
    return len(s.added), len(s.changed), len(s.removed), s.unchanged, len(s.failed)


def _everything(index: Path) -> set[tuple[str, int, str]]:
    """(doc_id, pid, text) of every paragraph the search index holds (empty query browses)."""
    out: set[tuple[str, int, str]] = set()
    page = 1
    while True:
        r = search(index, "", page=page, per_page=100)
        out |= {(h["doc_id"], h["pid"], h["text"]) for h in r["hits"]}
        if page * 100 >= r["total"]:
            return out
        page += 1


def _registry(index: Path) -> dict[str, dict[int, str]]:
    return {d.doc_id: all_pids(index, d.doc_id) for d in service(index).documents()}


def test_first_run_adds_both_seeds_and_a_second_run_is_a_no_op(folders: tuple[Path, Path]) -> None:
    docs, index = folders
    first = index_folder(docs, index)
    assert _counts(first) == (2, 0, 0, 0, 0)
    assert sorted(first.added) == [DOC_2002, DOC_2012]
    assert first.documents == 2 and first.paragraphs > 50
    assert first.paragraphs == search(index)["total"]

    second = index_folder(docs, index)
    assert _counts(second) == (0, 0, 0, 2, 0)
    assert second.paragraphs == 0, "a no-op run must not rewrite any paragraph"
    assert second.documents == 2


def test_a_touched_but_identical_file_is_read_once_then_known_by_its_time_again(
    indexed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy or checkout that rewrites every file's time must not make every later run
    read the whole folder again."""
    docs, index = indexed
    touched = docs / SEED_2012
    later = touched.stat().st_mtime + 60
    os.utime(touched, (later, later))
    hashed: list[str] = []
    real = indexer.fingerprint
    monkeypatch.setattr(
        indexer, "fingerprint", lambda p, q: hashed.append(os.path.basename(p)) or real(p, q)
    )

    assert _counts(index_folder(docs, index)) == (0, 0, 0, 2, 0)
    assert hashed == [touched.name]
    hashed.clear()
    assert _counts(index_folder(docs, index)) == (0, 0, 0, 2, 0)
    assert hashed == []


def test_document_ids_are_readable_slugs(indexed: tuple[Path, Path]) -> None:
    _, index = indexed
    ids = {d.doc_id: d.path for d in service(index).documents()}
    assert ids == {DOC_2002: SEED_2002, DOC_2012: SEED_2012}
    hit = search(index, '"Korean Peninsula"', years=["2012"])["hits"][0]
    assert hit["doc_id"] == DOC_2012
    assert hit["url"] == f"/documents/{DOC_2012}/{hit['pid']}"


def test_changing_one_file_reindexes_only_that_file(indexed: tuple[Path, Path]) -> None:
    docs, index = indexed
    before = _registry(index)
    assert search(index, "Kofi")["total"] == 1
    assert search(index, "Quokkaberry")["total"] == 0

    path = docs / SEED_2012
    text = path.read_text(encoding="utf-8")
    assert text.count("Kofi Annan") == 1
    path.write_text(text.replace("Kofi Annan", "Zebulon Quokkaberry"), encoding="utf-8")
    summary = index_folder(docs, index)

    assert _counts(summary) == (0, 1, 0, 1, 0)
    assert summary.changed == [DOC_2012]
    after = _registry(index)
    assert after[DOC_2002] == before[DOC_2002], "the other document must be untouched"
    assert set(after[DOC_2012]) == set(before[DOC_2012]), "a light edit keeps every pid"
    edited = [pid for pid in before[DOC_2012] if before[DOC_2012][pid] != after[DOC_2012][pid]]
    assert len(edited) == 1 and "Zebulon Quokkaberry" in after[DOC_2012][edited[0]]

    assert search(index, "Kofi")["total"] == 0, "removed words must not be found any more"
    found = search(index, "Quokkaberry")
    assert found["total"] == 1
    assert (found["hits"][0]["doc_id"], found["hits"][0]["pid"]) == (DOC_2012, edited[0])
    # The index holds exactly the registry's paragraphs: no stale copy of the old version.
    assert _everything(index) == {(d, p, t) for d, ps in after.items() for p, t in ps.items()}


def test_deleting_a_file_removes_it_from_search_and_its_links_say_gone(
    indexed: tuple[Path, Path],
) -> None:
    docs, index = indexed
    pids_2012 = all_pids(index, DOC_2012)
    assert search(index, "Syria")["total"] > 0

    (docs / SEED_2012).unlink()
    summary = index_folder(docs, index)

    assert _counts(summary) == (0, 0, 1, 1, 0)
    assert summary.removed == [DOC_2012]
    assert summary.documents == 1
    assert search(index, "Syria")["total"] == 0
    assert search(index, "doc:2012")["total"] == 0
    assert {h["doc_id"] for h in search(index, "", per_page=100)["hits"]} == {DOC_2002}
    svc = service(index)
    doc = svc.document(DOC_2012)
    assert doc is not None and not doc.live, "the document is known, and gone (410)"
    for pid in pids_2012:
        assert svc.lookup(DOC_2012, pid).status == "gone"
    assert svc.lookup(DOC_2002, 1).status == "ok"

    # The pages say so too: 410 for the document and for each of its paragraphs.
    from searchapp import create_app
    from searchapp.config import load_settings

    client = create_app(load_settings(docs, index)).test_client()
    assert client.get(f"/documents/{DOC_2012}").status_code == 410
    assert client.get(f"/documents/{DOC_2012}/1").status_code == 410
    assert client.get(f"/documents/{DOC_2002}/1").status_code == 200

    # Putting the file back brings the document back under the same id, and its old links
    # show the same words again.
    (docs / SEED_2012).write_bytes((SEEDS / SEED_2012).read_bytes())
    again = index_folder(docs, index)
    assert again.added == [DOC_2012]
    assert all_pids(index, DOC_2012) == pids_2012
    assert all(service(index).lookup(DOC_2012, pid).status == "ok" for pid in pids_2012)


def test_adding_a_file_adds_exactly_one_document(indexed: tuple[Path, Path]) -> None:
    docs, index = indexed
    write_document(
        docs / "sub" / "alpha-beta.txt",
        ["The two sides agreed to cultivate quokkaberry orchards along the border river."],
    )
    summary = index_folder(docs, index)
    assert _counts(summary) == (1, 0, 0, 2, 0)
    assert summary.added == ["2024-05-16-joint-statement"]
    assert summary.documents == 3
    hit = search(index, "quokkaberry")["hits"][0]
    assert hit["doc_id"] == "2024-05-16-joint-statement"
    assert hit["year"] == 2024 and hit["date"] == "2024-05-16"


def test_rebuild_keeps_every_document_id_and_pid(indexed: tuple[Path, Path]) -> None:
    docs, index = indexed
    # Give pids a history first, so that they are not simply the reading order any more.
    path = docs / SEED_2002
    text = path.read_text(encoding="utf-8")
    new_first = "The sides welcomed the opening of a quokkaberry research station in Harbin."
    path.write_text(text.replace("\n\n", f"\n\n{new_first}\n\n", 1), encoding="utf-8")
    index_folder(docs, index)
    before_registry = _registry(index)
    before_index = _everything(index)
    new_pid = [p for p, t in before_registry[DOC_2002].items() if "quokkaberry" in t]
    assert new_pid == [max(before_registry[DOC_2002])], "an inserted paragraph gets a new pid"

    summary = index_folder(docs, index, rebuild=True)
    assert summary.rebuilt
    assert sorted(summary.changed) == [DOC_2002, DOC_2012]
    assert not summary.added and not summary.removed and not summary.failed
    assert _registry(index) == before_registry
    assert _everything(index) == before_index

    # Through the command line too.
    done = run_cli("index", "--documents", str(docs), "--index", str(index), "--rebuild")
    assert done.returncode == 0, done.stderr
    assert "rebuilt: 0 added, 2 changed" in done.stdout
    assert _registry(index) == before_registry
    assert _everything(index) == before_index


def _write_catalog(docs: Path, rows: list[dict[str, str]]) -> None:
    fields = ["file", "title", "date", "kind", "place", "parties", "language", "source"]
    with (docs / "metadata.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({f: row.get(f, "") for f in fields})


def test_a_metadata_csv_change_reindexes_that_file_and_keeps_its_id(
    indexed: tuple[Path, Path],
) -> None:
    docs, index = indexed
    pids = _registry(index)

    _write_catalog(docs, [{"file": SEED_2002, "title": "Beijing Declaration (catalogued)"}])
    summary = index_folder(docs, index)
    assert _counts(summary) == (0, 1, 0, 1, 0)
    assert summary.changed == [DOC_2002]
    hits = search(index, "doc:2002", per_page=100)["hits"]
    assert hits and {h["doc_title"] for h in hits} == {"Beijing Declaration (catalogued)"}

    _write_catalog(
        docs,
        [{"file": SEED_2002, "title": "Beijing Declaration (catalogued)", "date": "2003-01-15"}],
    )
    summary = index_folder(docs, index)
    assert summary.changed == [DOC_2002] and summary.unchanged == 1
    hits = search(index, "doc:2002", per_page=100)["hits"]
    assert {(h["date"], h["year"]) for h in hits} == {("2003-01-15", 2003)}
    assert search(index, "", years=["2002"])["total"] == 0
    # The id was given once and never changes, whatever the metadata becomes.
    assert _registry(index) == pids
    assert index_folder(docs, index).unchanged == 2, "the same catalog again changes nothing"


def _with_legacy_metadata_keys(docs: Path, index: Path) -> None:
    """The fingerprints as registries made before `Catalog.key` held them: the metadata part
    a hash of the parsed row (`repr(Metadata)`, or `repr(None)` for a file without one)."""
    catalog = load_catalog(docs)
    registry = Registry(index)
    try:
        old = {}
        for path, fp in registry.manifest().items():
            mtime, size, _, content = fp.split(":")
            legacy = indexer.legacy_quick_key(f"{mtime}:{size}:x", catalog.get(path))
            old[path] = f"{legacy}:{content}"
        registry.refresh_fingerprints(old)
    finally:
        registry.close()


def _metadata_parts(index: Path) -> set[str]:
    registry = Registry(index, readonly=True)
    try:
        return {fp.split(":")[2] for fp in registry.manifest().values()}
    finally:
        registry.close()


def test_a_registry_with_the_older_metadata_keys_reindexes_nothing_and_is_brought_up_to_date(
    indexed: tuple[Path, Path],
) -> None:
    docs, index = indexed
    _write_catalog(docs, [{"file": SEED_2002, "title": "Beijing Declaration (catalogued)"}])
    assert _counts(index_folder(docs, index)) == (0, 1, 0, 1, 0)
    current = _metadata_parts(index)
    _with_legacy_metadata_keys(docs, index)
    assert _metadata_parts(index).isdisjoint(current), "the legacy keys differ from today's"

    assert _counts(index_folder(docs, index)) == (0, 0, 0, 2, 0), "no file read as changed"
    assert _metadata_parts(index) == current, "the fingerprints now carry today's keys"
    # An older registry's key still tells a changed row from an unchanged one.
    _with_legacy_metadata_keys(docs, index)
    _write_catalog(docs, [{"file": SEED_2002, "title": "Beijing Declaration (recatalogued)"}])
    summary = index_folder(docs, index)
    assert summary.changed == [DOC_2002] and summary.unchanged == 1
    hits = search(index, "doc:2002", per_page=5)["hits"]
    assert {h["doc_title"] for h in hits} == {"Beijing Declaration (recatalogued)"}


def test_a_malformed_catalog_row_is_a_warning_of_the_run_that_reads_its_file(
    indexed: tuple[Path, Path],
) -> None:
    docs, index = indexed
    _write_catalog(docs, [{"file": SEED_2012, "title": "Statement", "date": "3 May 2012"}])
    summary = index_folder(docs, index)
    assert summary.changed == [DOC_2012]
    assert [w for w in summary.warnings if w[0] == "metadata.csv"] == [
        (
            "metadata.csv",
            f"line 2 ({SEED_2012}): date '3 May 2012' is not YYYY, YYYY-MM or YYYY-MM-DD;"
            " the date is ignored",
        )
    ]
    assert not [w for w in index_folder(docs, index).warnings if w[0] == "metadata.csv"]


def test_document_ids_survive_rebuild_and_editing_the_file(indexed: tuple[Path, Path]) -> None:
    docs, index = indexed
    for name in (SEED_2002, SEED_2012):
        path = docs / name
        path.write_text(
            path.read_text(encoding="utf-8") + "\n\nA closing paragraph added later.\n",
            encoding="utf-8",
        )
    summary = index_folder(docs, index)
    assert sorted(summary.changed) == [DOC_2002, DOC_2012]
    assert {d.doc_id for d in service(index).documents()} == {DOC_2002, DOC_2012}
    index_folder(docs, index, rebuild=True)
    assert {d.doc_id for d in service(index).documents()} == {DOC_2002, DOC_2012}
    assert {d.doc_id: d.path for d in service(index).documents()} == {
        DOC_2002: SEED_2002,
        DOC_2012: SEED_2012,
    }


def test_an_unreadable_file_is_reported_by_name_and_the_others_are_indexed(
    folders: tuple[Path, Path],
) -> None:
    docs, index = folders
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    (docs / "broken.txt").write_bytes(png)  # a picture saved as .txt
    summary = index_folder(docs, index)
    assert sorted(summary.added) == [DOC_2002, DOC_2012]
    assert [name for name, _ in summary.failed] == ["broken.txt"]
    reason = summary.failed[0][1]
    assert "binary" in reason.lower(), reason
    assert search(index, "Taiwan")["total"] > 0

    # The command line names the file and the reason, and exits 1 (a partial failure).
    done = run_cli("index", "--documents", str(docs), "--index", str(index))
    assert done.returncode == 1, done
    assert "broken.txt" in done.stderr and reason in done.stderr
    assert "Traceback" not in done.stderr
    assert "2 unchanged, 1 failed" in done.stdout


def test_an_index_path_that_is_a_regular_file_is_a_clear_error(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    docs, _ = folders
    not_a_folder = tmp_path / "index-file"
    not_a_folder.write_text("I am a file, not an index folder\n", encoding="utf-8")
    done = run_cli("index", "--documents", str(docs), "--index", str(not_a_folder))
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr
    assert str(not_a_folder) in done.stderr and "not a folder" in done.stderr, done.stderr
    assert not_a_folder.read_text(encoding="utf-8") == "I am a file, not an index folder\n"
