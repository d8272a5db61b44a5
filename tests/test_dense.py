"""Meaning-level retrieval (engine/embed.py, engine/dense.py): the model loads offline from its
package, vectors follow the index incrementally, paraphrases are found, filters and exact
queries are respected, and switched off the engine answers exactly as the lexical one.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pytest

from searchapp.engine import current_generation, dense, embed
from searchapp.engine.embed import load_embedder
from searchapp.indexer import update_index
from tests.helpers_index import cli_env, copy_seeds, run_cli, search, write_document

# Shares no word (nor stem) with its answer, the 2012 clause on "joint military exercises
# ... between the armed forces of the two countries".
PARAPHRASE = "soldiers train together"
ANSWER = "joint military exercises"
# The lexical engine on the seeds (total, first hits as doc/pid), recorded with the dense side
# switched off after query understanding (any-word candidates) was merged: switched off, the
# engine must still answer exactly this.
LEXICAL = {
    "soldiers train together": [2, ["2002/6", "2012/33"]],
    "Taiwan": [1, ["2002/9"]],
    "strategic stability": [22, ["2002/39", "2002/30", "2002/12", "2012/4", "2012/8"]],
    "terrorism separatism extremism": [7, ["2002/22", "2002/38", "2002/23", "2002/25", "2012/13"]],
    '"armed forces"': [1, ["2012/12"]],
    "cooperation 2012": [47, ["2012/12", "2012/9", "2012/13", "2012/2", "2012/26"]],
}


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("dense")
    docs = copy_seeds(base / "documents")
    index = base / "index"
    update_index(docs, index)
    return index


def _keys(result: dict) -> list[str]:  # type: ignore[type-arg]
    return [f"{h['doc_id'][:4]}/{h['pid']}" for h in result["hits"]]


def test_the_model_loads_from_its_package_without_any_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the embedding model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    load_embedder.cache_clear()
    try:
        model = load_embedder()
        assert model is not None
        vectors = model.embed(
            ["nuclear weapons tests", "atomic bomb testing", "tourism and student exchanges"]
        )
    finally:
        load_embedder.cache_clear()
    assert vectors.shape == (3, model.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_vectors_are_a_derived_artifact_of_the_generation(seeds_index: Path) -> None:
    gen = current_generation(seeds_index)
    assert gen is not None
    manifest = json.loads((gen / dense.MANIFEST).read_text("utf-8"))
    rows = 0
    for sid, first, count in manifest["segments"]:
        assert first == rows
        matrix = np.load(gen / f"dense-{sid}.npy", mmap_mode="r")
        keys = np.load(gen / f"dense-{sid}.keys.npy")
        assert matrix.shape == (count, manifest["dim"]) and keys.shape == (count,)
        rows += count
    assert rows == manifest["docs"]
    assert dense.update(gen).embedded == 0  # up to date: nothing to do


def test_adding_or_editing_a_document_embeds_only_its_paragraphs(tmp_path: Path) -> None:
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    first = update_index(docs, index)
    assert first.embedded == first.paragraphs > 50
    before = _dense_files(index)
    write_document(docs / "new.txt", ["Quokkas are protected.", "Wombats too.", "And emus."])
    assert update_index(docs, index).embedded == 3
    # The vectors already written stay as they were: the add wrote its own 3 rows only.
    after = _dense_files(index)
    assert {name: after[name] for name in before} == before
    added = [name for name in after if name not in before and name.endswith(".keys.npy")]
    assert [len(np.load(current_generation(index) / name)) for name in added] == [3]
    write_document(docs / "new.txt", ["Quokkas are protected.", "Wombats too.", "And kiwis."])
    assert update_index(docs, index).embedded == 1
    # A rebuild reuses the vectors of the generation it replaces.
    assert update_index(docs, index, rebuild=True).embedded == 0


def _dense_files(index: Path) -> dict[str, tuple[int, int]]:
    """The vector files of the current generation: name -> (inode, modification time)."""
    gen = current_generation(index)
    assert gen is not None
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in gen.glob("dense-*.npy")}


def test_a_paraphrase_is_found_with_dense_on_and_not_off(
    seeds_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on = search(seeds_index, PARAPHRASE)
    assert any(ANSWER in h["text"] for h in on["hits"])
    monkeypatch.setenv("SEARCHAPP_DENSE", "0")
    off = search(seeds_index, PARAPHRASE, per_page=100)
    # Any-word candidates find a paragraph or two that share a word, never the answer.
    assert not any(ANSWER in h["text"] for h in off["hits"])


def test_dense_candidates_respect_filters_and_count_in_facets(seeds_index: Path) -> None:
    only_2002 = search(seeds_index, PARAPHRASE, years=["2002"], per_page=100)
    assert only_2002["total"] > 0  # the filter kept its own dense candidates
    assert {h["year"] for h in only_2002["hits"]} == {2002}
    everywhere = search(seeds_index, PARAPHRASE, per_page=100)
    years = {f["value"]: f["count"] for f in only_2002["facets"]["year"]}
    # Facets count as if their own filter were off: 2012 still offers its candidates.
    assert years.get(2012, 0) > 0
    assert years == {f["value"]: f["count"] for f in everywhere["facets"]["year"]}


@pytest.mark.parametrize(
    "query",
    ['"armed forces"', "soldiers OR exercises", "year:2012 soldiers", "exercises -military"],
)
def test_phrase_boolean_and_field_queries_stay_exact(
    seeds_index: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    on = search(seeds_index, query, per_page=100)
    monkeypatch.setenv("SEARCHAPP_DENSE", "0")
    off = search(seeds_index, query, per_page=100)
    assert on["total"] == off["total"]
    assert sorted(_keys(on)) == sorted(_keys(off))


def test_switched_off_it_answers_exactly_as_the_lexical_engine(tmp_path: Path) -> None:
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    env = cli_env(SEARCHAPP_DENSE="0")
    built = run_cli("index", "--documents", str(docs), "--index", str(index), env=env)
    assert built.returncode == 0, built.stderr
    assert not list(index.glob("gen-*/dense*"))  # nothing embedded
    for query, (total, first) in LEXICAL.items():
        proc = run_cli("search", query, "--index", str(index), "--limit", "5", "--json", env=env)
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout)
        assert [result["total"], _keys(result)] == [total, first], query


def test_stale_or_broken_vectors_mean_lexical_results_with_a_notice_then_repair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(dense._background, "allowed", True)  # as `serve` does
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    update_index(docs, index, embed_limit=0)  # as `serve` does for a big folder
    gen = current_generation(index)
    assert gen is not None and not (gen / dense.MANIFEST).exists()
    waiting = search(index, PARAPHRASE)
    assert not any(ANSWER in h["text"] for h in waiting["hits"])
    assert any("Meaning-level matching" in n for n in waiting["notices"])
    dense.Vectors._running[gen].join(timeout=120)  # the background embedding
    ready = search(index, PARAPHRASE)
    assert ready["notices"] == [] and any(ANSWER in h["text"] for h in ready["hits"])
    # A vectors file cut short (a crash, a full disk) is never used, and is rebuilt.
    manifest = json.loads((gen / dense.MANIFEST).read_text("utf-8"))
    path = gen / f"dense-{manifest['segments'][0][0]}.npy"
    path.write_bytes(path.read_bytes()[:1000])
    broken = search(index, PARAPHRASE)
    assert not any(ANSWER in h["text"] for h in broken["hits"]) and broken["notices"]
    dense.Vectors._running[gen].join(timeout=120)
    assert any(ANSWER in h["text"] for h in search(index, PARAPHRASE)["hits"])


def test_without_the_model_package_everything_stays_lexical_and_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed, "package_root", lambda: None)
    load_embedder.cache_clear()
    try:
        docs = copy_seeds(tmp_path / "documents")
        index = tmp_path / "index"
        assert update_index(docs, index).embedded == 0
        assert not list(index.glob("gen-*/dense*"))
        result = search(index, PARAPHRASE)
        assert not any(ANSWER in h["text"] for h in result["hits"]) and result["notices"] == []
        taiwan = search(index, "Taiwan")
        assert [taiwan["total"], _keys(taiwan)] == LEXICAL["Taiwan"]
    finally:
        load_embedder.cache_clear()


def _vectors_match_the_index(index: Path) -> None:
    """Every live paragraph's row is its own text's vector."""
    from whoosh import index as windex

    gen = current_generation(index)
    assert gen is not None
    manifest = json.loads((gen / dense.MANIFEST).read_text("utf-8"))
    model = load_embedder()
    assert model is not None
    with windex.open_dir(str(gen)).reader() as reader:
        assert manifest["generation"] == reader.generation()
        n = reader.doc_count_all()
        live = [d for d in range(n) if not reader.is_deleted(d)]
        texts = [str(reader.stored_fields(d)["text"]) for d in live]
    matrix = dense.load(gen, manifest, n)
    assert matrix is not None
    assert np.allclose(matrix.take(np.array(live)), model.embed(texts), atol=1e-5)


def test_after_adds_edits_and_removals_every_vector_is_its_paragraphs(tmp_path: Path) -> None:
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    update_index(docs, index)
    steps = [
        lambda: write_document(docs / "a.txt", ["Quokkas are protected.", "Wombats too."]),
        lambda: write_document(docs / "b.txt", ["Emus roam.", "Kiwis sleep.", "Owls hunt."]),
        lambda: write_document(docs / "a.txt", ["Quokkas are protected.", "Possums too."]),
        lambda: (docs / "b.txt").unlink(),
    ]
    for step in steps:
        step()
        update_index(docs, index)
        _vectors_match_the_index(index)


def test_an_index_with_vectors_of_the_single_matrix_format_is_embedded_again(
    tmp_path: Path,
) -> None:
    """An index built before vectors were kept per segment (one matrix, JSON keys) is not
    read as it stands: its search is lexical, with the notice, until the next index run
    embeds it again and removes the old files."""
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    built = update_index(docs, index)
    gen = current_generation(index)
    assert gen is not None
    manifest = json.loads((gen / dense.MANIFEST).read_text("utf-8"))
    for path in gen.glob("dense-*"):
        path.unlink()
    name = f"dense-{manifest['generation']:06d}-{manifest['docs']}"
    np.save(gen / f"{name}.npy", np.zeros((manifest["docs"], manifest["dim"]), np.float32))
    (gen / f"{name}.keys.json").write_text(json.dumps([None] * manifest["docs"]))
    manifest |= {"vectors": f"{name}.npy", "keys": f"{name}.keys.json"}
    (gen / dense.MANIFEST).write_text(json.dumps(manifest))
    waiting = search(index, PARAPHRASE)
    assert any("Meaning-level matching" in n for n in waiting["notices"])
    assert update_index(docs, index).embedded == built.paragraphs
    assert not list(gen.glob(f"{name}.*"))
    assert any(ANSWER in h["text"] for h in search(index, PARAPHRASE)["hits"])
    _vectors_match_the_index(index)
