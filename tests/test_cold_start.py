"""Cold start (issue 13, item 7): `searchapp --help` imports none of the engine, a search
none of the ingestion or web modules, and opening an index memory-maps the arrays the writer
saved instead of decoding Whoosh's columns. Checked by what is imported and what is decoded,
not by timing (the figures are in `make bench`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_index import cli_env, copy_seeds, index_folder, write_document

from searchapp.engine import decoded
from searchapp.engine.store import current_generation
from searchapp.search import SearchRequest, SearchService

PROBE = """
import json, sys
from searchapp import cli
try:
    status = cli.main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
heavy = ("numpy", "whoosh", "flask", "yaml", "selectolax", "pypdf", "datasketch", "scipy",
         "searchapp.corpus",
         "searchapp.indexer", "searchapp.web", "searchapp.engine")
print(json.dumps({"status": status,
                  "heavy": sorted({m.split(".")[0] if not m.startswith("searchapp") else
                                   ".".join(m.split(".")[:3]) for m in sys.modules
                                   if m.startswith(heavy)})}))
"""


def _imports(*argv: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    last = done.stdout.strip().splitlines()[-1]
    found = json.loads(last)
    return found["status"], found["heavy"]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cold")
    docs = copy_seeds(root / "documents")
    assert not index_folder(docs, root / "index").failed
    return docs, root / "index"


def test_help_imports_nothing_heavy() -> None:
    status, heavy = _imports("--help")
    assert status == 0 and heavy == []


# Ingestion and the web stack; a search reads only the party gazetteer of the corpus package
# (query understanding names parties), with the YAML of its data files.
INGESTION = {
    "searchapp.corpus.loading",
    "searchapp.corpus.readers",
    "searchapp.corpus.clean",
    "searchapp.corpus.parse",
    "searchapp.indexer",
    "searchapp.web",
    "flask",
    "selectolax",
    "pypdf",
    "datasketch",  # reuse detection: indexing only (it imports SciPy)
    "scipy",
}


def test_a_search_imports_no_ingestion_or_web_module(seeds: tuple[Path, Path]) -> None:
    status, heavy = _imports("search", "--index", str(seeds[1]), "--json", "Taiwan")
    assert status == 0
    assert not INGESTION & set(heavy), heavy


def _no_decoding(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the segments whose columns are decoded from Whoosh (the slow way)."""
    calls: list[int] = []
    real = decoded._decode_segment

    def counting(leaf):  # type: ignore[no-untyped-def]
        calls.append(leaf.doc_count_all())
        return real(leaf)

    monkeypatch.setattr(decoded, "_decode_segment", counting)
    return calls


def test_opening_the_index_maps_what_the_writer_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    assert not index_folder(docs, index).failed
    calls = _no_decoding(monkeypatch)
    first = SearchService(index).search(SearchRequest(q="Taiwan"))
    assert first["total"] == 1 and calls == [], "the writer saved the arrays: nothing to decode"

    # An incremental commit decodes only its new segment; readers see the new text.
    write_document(docs / "new.txt", ["Taiwan was discussed once more by Alpha and Beta."])
    assert not index_folder(docs, index).failed
    assert len(calls) == 1 and calls[0] < 10, "only the new document's segment is decoded"
    calls.clear()
    assert SearchService(index).search(SearchRequest(q="Taiwan"))["total"] == 2
    assert calls == []
    # A deletion changes no segment's files; the live set comes from the segment's deletions.
    (docs / "new.txt").unlink()
    assert not index_folder(docs, index).failed
    assert SearchService(index).search(SearchRequest(q="Taiwan"))["total"] == 1


def test_a_generation_saved_without_the_arrays_still_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    assert not index_folder(docs, index).failed
    gen = current_generation(index)
    assert gen is not None
    shutil.rmtree(gen / decoded.FOLDER)
    expected = SearchService(index).search(SearchRequest(q="cooperation", per_page=100))
    calls = _no_decoding(monkeypatch)
    assert list((gen / decoded.FOLDER).iterdir()), "the first reader saved them for the others"
    again = SearchService(index).search(SearchRequest(q="cooperation", per_page=100))
    assert calls == []
    assert again["hits"] == expected["hits"]


def test_a_failure_to_save_the_arrays_does_not_fail_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(decoded, "_save_segment", full_disk)
    docs = copy_seeds(tmp_path / "documents")
    summary = index_folder(docs, tmp_path / "index")
    assert not summary.failed
    monkeypatch.undo()
    assert SearchService(tmp_path / "index").search(SearchRequest(q="Taiwan"))["total"] == 1
