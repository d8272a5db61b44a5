"""The Typesense backend through the user's doors: `searchapp index`/`search`/`add` and the
JSON API with `SEARCHAPP_ENGINE=typesense` against a real node started from the wrapper's
binary (skipped with the reason where it cannot run), and a parity suite that runs the same
queries on both engines over the same index and reports the overlap of their top 10."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from helpers_index import DOC_2002, DOC_2012, cli_env, copy_seeds, run_cli
from helpers_serve import serve_process
from helpers_typesense import API_KEY, Cluster, Node, typesense_cluster
from spec import HIT_KEYS, SEARCH_KEYS

from benchmarks.typesense_bench import PARITY_QUERIES, parity
from searchapp import create_app
from searchapp.config import load_settings
from searchapp.search import SearchRequest, SearchService
from searchapp.web import admin
from tests.test_admin import NEW_TEXT, PASSWORD, csrf_of, form_values, log_in, wait_until


@dataclass
class Deployment:
    cluster: Cluster
    documents: Path
    index: Path
    services: dict[str, SearchService] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return cli_env(**self.cluster.env)

    def cli_search(self, *args: str) -> dict:  # type: ignore[type-arg]
        done = run_cli("search", *args, "--json", "--index", str(self.index), env=self.env())
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    def search(self, q: str, engine: str = "typesense", **request: Any) -> dict:  # type: ignore[type-arg]
        """In this process (many queries, no interpreter start each): the service as the
        command line and the web build it, with the engine the environment names."""
        if engine not in self.services:
            with pytest.MonkeyPatch.context() as patch:
                for name, value in self.cluster.env.items():
                    if engine == "typesense":
                        patch.setenv(name, value)
                    else:
                        patch.delenv(name, raising=False)
                self.services[engine] = SearchService(self.index)
        request.setdefault("per_page", 10)
        return self.services[engine].search(SearchRequest(q=q, **request))


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("typesense")
    with typesense_cluster(root / "cluster", size=1) as cluster:
        docs = copy_seeds(root / "documents")
        found = Deployment(cluster, docs, root / "index")
        done = run_cli(
            "index", "--documents", str(docs), "--index", str(found.index), env=found.env()
        )
        assert done.returncode == 0, done.stderr
        assert "Typesense" not in done.stdout + done.stderr
        yield found


def test_search_answers_the_same_json(deployment: Deployment) -> None:
    data = deployment.cli_search("security")
    assert set(data) >= SEARCH_KEYS
    assert data["total"] > 0
    for hit in data["hits"]:
        assert set(hit) >= HIT_KEYS
        assert "<mark>" in hit["excerpt"]
        assert hit["url"] == f"/documents/{hit['doc_id']}/{hit['pid']}"
    # Ids and pids are the registry's: the embedded engine knows the same paragraphs.
    embedded = deployment.search("security", engine="embedded", per_page=100)
    known = {(h["doc_id"], h["pid"], h["text"]) for h in embedded["hits"]}
    assert {(h["doc_id"], h["pid"], h["text"]) for h in data["hits"]} <= known


def test_filters_and_disjunctive_facets(deployment: Deployment) -> None:
    everything = deployment.search("cooperation")
    years = {f["value"] for f in everything["facets"]["year"]}
    assert years == {2002, 2012}
    only = deployment.search("cooperation", years=["2002"])
    assert {h["year"] for h in only["hits"]} == {2002}
    assert only["total"] < everything["total"]
    # The year facet ignores the year filter: the other year still shows, with its count.
    assert only["facets"]["year"] == everything["facets"]["year"]
    section = everything["facets"]["section"][0]["value"]
    in_section = deployment.search("cooperation", sections=[section])
    assert {h["section"] for h in in_section["hits"]} == {section}


def test_sorts_are_total_orders(deployment: Deployment) -> None:
    oldest = deployment.search("cooperation", sort="oldest", per_page=100)
    newest = deployment.search("cooperation", sort="newest", per_page=100)
    assert oldest["hits"][0]["doc_id"] == DOC_2002
    assert newest["hits"][0]["doc_id"] == DOC_2012
    keys = [(h["doc_id"], h["pid"]) for h in oldest["hits"]]
    assert len(keys) == len(set(keys)) == oldest["total"]
    first = deployment.search("cooperation", sort="oldest", per_page=5)
    second = deployment.search("cooperation", sort="oldest", per_page=5, page=2)
    assert [(h["doc_id"], h["pid"]) for h in first["hits"] + second["hits"]] == keys[:10]


def test_grouped_by_document(deployment: Deployment) -> None:
    flat = deployment.search("cooperation", per_page=100)
    grouped = deployment.search("cooperation", group=True)
    assert grouped["grouped"]
    docs = {h["doc_id"] for h in flat["hits"]}
    assert grouped["total"] == len(docs) == len({h["doc_id"] for h in grouped["hits"]})
    per_doc = {d: sum(h["doc_id"] == d for h in flat["hits"]) for d in docs}
    assert {h["doc_id"]: h["more_in_document"] + 1 for h in grouped["hits"]} == per_doc


def test_phrases_exclusions_prefixes_and_typos(deployment: Deployment) -> None:
    phrase = deployment.search('"strategic partnership"')
    assert phrase["total"] > 0
    assert all("strategic partnership" in h["text"].lower() for h in phrase["hits"])
    without = deployment.search("security -terrorism", per_page=100)
    assert without["total"] > 0
    assert not any("terrorism" in h["text"].lower() for h in without["hits"])
    prefix = deployment.search("secur*", per_page=100)
    assert any("securit" in h["text"].lower() for h in prefix["hits"])
    typo = deployment.search("coopration")
    assert typo["total"] > 0


def test_what_typesense_cannot_say_is_a_notice(deployment: Deployment) -> None:
    data = deployment.search("(russia OR china) security")
    assert data["total"] > 0
    assert any("OR" in n and "parentheses" in n for n in data["notices"])
    assert deployment.search("security")["notices"] == []


def test_field_filters_and_not(deployment: Deployment) -> None:
    in_2002 = deployment.search("security year:2002", per_page=100)
    assert in_2002["total"] > 0 and {h["year"] for h in in_2002["hits"]} == {2002}
    spanning = deployment.search("security year:2000..2010")
    assert spanning["total"] == in_2002["total"]
    one_doc = deployment.search(f"security doc:{DOC_2012}", per_page=100)
    assert one_doc["total"] > 0 and {h["doc_id"] for h in one_doc["hits"]} == {DOC_2012}
    without = deployment.search("security NOT terrorism", per_page=100)
    assert without["total"] == deployment.search("security -terrorism")["total"]


def test_http_api_and_pages(deployment: Deployment) -> None:
    with serve_process(deployment.documents, deployment.index, env=deployment.cluster.env) as app:
        with urllib.request.urlopen(f"{app.url}/api/search?q=security&year=2012") as answer:
            data = json.loads(answer.read())
        with urllib.request.urlopen(f"{app.url}/search?q=security") as answer:
            page = answer.read().decode()
    assert set(data) >= SEARCH_KEYS
    assert data["hits"] and {h["year"] for h in data["hits"]} == {2012}
    assert "<mark>security</mark>" in page.lower()


def test_add_and_rebuild(deployment: Deployment, tmp_path: Path) -> None:
    new = tmp_path / "2020-01-01-zanzibar-accord.txt"
    new.write_text("Zanzibar accord.\n\nThe parties agree on quokkafruit cooperation.\n")
    env = deployment.env()
    folders = ["--documents", str(deployment.documents), "--index", str(deployment.index)]
    alias = "/aliases/searchapp_paragraphs"
    before = deployment.cluster.nodes[0].get(alias)["collection_name"]
    done = run_cli("add", str(new), "--date", "2020-01-01", *folders, env=env)
    assert done.returncode == 0, done.stderr
    assert deployment.cli_search("quokkafruit")["total"] == 1
    # Added to the live collection, not by building the whole corpus again.
    assert deployment.cluster.nodes[0].get(alias)["collection_name"] == before
    done = run_cli("index", "--rebuild", *folders, env=env)
    assert done.returncode == 0, done.stderr
    after = deployment.cluster.nodes[0].get(alias)["collection_name"]
    assert after != before
    names = {c["name"] for c in deployment.cluster.nodes[0].get("/collections")}  # type: ignore[attr-defined]
    assert names == {after}
    assert deployment.search("quokkafruit")["total"] == 1
    embedded = deployment.search("", engine="embedded")["total"]
    assert deployment.search("")["total"] == embedded


def test_unreachable_cluster_is_a_clear_error(deployment: Deployment, tmp_path: Path) -> None:
    env = cli_env(
        SEARCHAPP_ENGINE="typesense",
        SEARCHAPP_TYPESENSE_NODES="http://127.0.0.1:9",
        SEARCHAPP_TYPESENSE_API_KEY=API_KEY,
    )
    done = run_cli("search", "security", "--index", str(deployment.index), env=env)
    assert done.returncode == 2
    assert "Typesense cluster did not answer" in done.stderr
    assert "Traceback" not in done.stderr

    # A document added while no node answers is kept in the registry and owed to the
    # cluster: the next run sends it.
    new = tmp_path / "2021-01-01-owed-note.txt"
    new.write_text("Owed note.\n\nThe parties agree on wombatberry cooperation.\n")
    folders = ["--documents", str(deployment.documents), "--index", str(deployment.index)]
    done = run_cli("add", str(new), "--date", "2021-01-01", *folders, env=env)
    assert done.returncode == 0, done.stderr
    assert "Typesense cluster was not updated" in done.stderr
    assert "Traceback" not in done.stderr
    assert deployment.cli_search("wombatberry")["total"] == 0
    done = run_cli("index", *folders, env=deployment.env())
    assert done.returncode == 0 and "Typesense" not in done.stderr, done.stderr
    assert deployment.cli_search("wombatberry")["total"] == 1


def test_parity_of_the_top_ten(deployment: Deployment) -> None:
    """Same queries on both engines: the share of the embedded top 10 that Typesense also
    puts in its top 10 (printed; `pytest -s` shows it)."""
    found = parity(
        lambda q: deployment.search(q, engine="embedded"), deployment.search, PARITY_QUERIES
    )
    for query, overlap in found["per_query"].items():
        print(f"parity {query!r}: {overlap:.1f}")
    print(f"parity: mean top-10 overlap {found['mean']:.2f} over {found['queries']} queries")
    assert found["queries"] == len(PARITY_QUERIES)
    assert found["mean"] >= 0.5


def _service(cluster: Cluster, index: Path, engine: str = "typesense") -> SearchService:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in cluster.env.items():
            if engine == "typesense":
                patch.setenv(name, value)
            else:
                patch.delenv(name, raising=False)
        return SearchService(index)


def _found_on(node: Node, word: str) -> int:
    answer = node.get(f"/collections/searchapp_paragraphs/documents/search?q={word}&query_by=stems")
    return int(answer["found"])


def test_three_nodes_lose_one_and_rejoin(tmp_path: Path) -> None:
    """A Raft cluster of three: SIGKILL the leader; searches and `searchapp add` go on with
    no document lost; the node restarted from its data folder rejoins and, by itself or
    after `searchapp index --check`, serves every paragraph, the one added meanwhile too."""
    with typesense_cluster(tmp_path / "cluster", size=3) as cluster:
        docs = copy_seeds(tmp_path / "documents")
        index = tmp_path / "index"
        env = cli_env(**cluster.env)
        folders = ["--documents", str(docs), "--index", str(index)]
        done = run_cli("index", *folders, env=env)
        assert done.returncode == 0 and "Typesense" not in done.stdout + done.stderr, done.stderr
        service = _service(cluster, index)
        before = service.search(SearchRequest(q=""))["total"]
        security = service.search(SearchRequest(q="security"))["total"]
        assert before > 0 and security > 0

        leader = next(n for n in cluster.nodes if n.is_leader())
        leader.kill()
        # Every node serves reads: the client's node list goes on to the others.
        assert service.search(SearchRequest(q="security"))["total"] == security
        survivors = [n for n in cluster.nodes if n is not leader]
        cluster.wait_ready(survivors)  # a new leader for the writes
        new = tmp_path / "2020-01-01-zanzibar-accord.txt"
        new.write_text("Zanzibar accord.\n\nThe parties agree on quokkafruit cooperation.\n")
        done = run_cli("add", str(new), "--date", "2020-01-01", *folders, env=env)
        assert done.returncode == 0 and "Typesense" not in done.stdout + done.stderr, done.stderr
        assert service.search(SearchRequest(q="quokkafruit"))["total"] == 1
        # The registry's paragraphs, all of them, as the embedded index holds them.
        paragraphs = _service(cluster, index, "embedded").search(SearchRequest(q=""))["total"]
        assert service.search(SearchRequest(q=""))["total"] == paragraphs
        assert all(_found_on(n, "quokkafruit") == 1 for n in survivors)

        assert paragraphs > before
        leader.start()
        _wait_for(lambda: leader.answering() and _caught_up(leader, before, at_least=True), 60)
        # Typesense 0.24 does not always give a restarted node the writes it missed (it did
        # not in 2 runs of 3 here, reporting the leader's Raft index all the same). What the
        # README has an operator run after a node rejoins, `searchapp index --check`, asks
        # every node and sends what one lacks again through the leader.
        if not _wait_for(lambda: _caught_up(leader, paragraphs), 10):
            check = run_cli("index", "--check", *folders, env=env)
            assert "cluster: 1 documents sent again" in check.stdout, check.stdout + check.stderr
        assert _wait_for(lambda: _caught_up(leader, paragraphs), 30), leader.log_tail()
        assert _found_on(leader, "quokkafruit") == 1


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def _caught_up(node: Node, paragraphs: int, at_least: bool = False) -> bool:
    try:
        held = int(node.get("/collections/searchapp_paragraphs")["num_documents"])
        return held >= paragraphs if at_least else held == paragraphs
    except (OSError, ValueError, KeyError):
        return False


def test_check_resyncs_the_cluster(deployment: Deployment) -> None:
    """`searchapp index --check` finds a document whose paragraphs the cluster lost, sends
    it again (exit 1, "repaired"), and a second check finds the cluster in agreement."""
    node = deployment.cluster.nodes[0]
    request = urllib.request.Request(
        f"{node.url}/collections/searchapp_paragraphs/documents?filter_by=doc_id:={DOC_2002}",
        headers={"X-TYPESENSE-API-KEY": API_KEY},
        method="DELETE",
    )
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read())["num_deleted"] > 0
    embedded = deployment.search("", engine="embedded")["total"]
    assert deployment.search("")["total"] < embedded
    check = ["index", "--check", "--index", str(deployment.index)]
    first = run_cli(*check, env=deployment.env())
    assert first.returncode == 1, first.stderr
    assert "cluster: 1 documents sent again" in first.stdout
    second = run_cli(*check, env=deployment.env())
    assert "check:" in second.stdout and "cluster" not in second.stdout, second.stderr
    assert deployment.search("")["total"] == embedded


def test_admin_add_and_reindex_on_the_cluster(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admin pages with SEARCHAPP_ENGINE=typesense: a pasted text is added and found on
    the cluster; a reindex builds a new collection behind the alias, with every paragraph."""
    for name, value in deployment.cluster.env.items():
        monkeypatch.setenv(name, value)
    settings = replace(
        load_settings(deployment.documents, deployment.index), admin_password=PASSWORD
    )
    app = create_app(settings)
    app.config["TESTING"] = True
    client = app.test_client()
    assert log_in(client).status_code == 303
    pasted = client.post(
        "/admin/paste",
        data={"csrf_token": csrf_of(client), "name": "Examplia pasted", "text": NEW_TEXT},
    )
    assert pasted.status_code == 303
    values = form_values(client.get(pasted.location).text)
    assert client.post(f"{pasted.location}/add", data=values).status_code == 200
    assert client.get("/api/search?q=quokkaberry").get_json()["total"] == 1

    node = deployment.cluster.nodes[0]
    before = node.get("/aliases/searchapp_paragraphs")["collection_name"]
    started = client.post("/admin/reindex", data={"csrf_token": csrf_of(client)})
    assert started.status_code == 303
    state = app.extensions[admin.EXTENSION]
    wait_until(lambda: state.job is not None and not state.job.running, 60)
    assert "Reindex finished" in client.get("/admin").text
    after = node.get("/aliases/searchapp_paragraphs")["collection_name"]
    assert after != before
    assert {c["name"] for c in node.get("/collections")} == {after}  # type: ignore[attr-defined]
    assert client.get("/api/search?q=quokkaberry").get_json()["total"] == 1
    everything = client.get("/api/search?q=").get_json()["total"]
    assert everything == deployment.search("", engine="embedded")["total"]
