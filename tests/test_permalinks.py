"""Links survive edits (SPEC: Identifiers and permalinks).

A document of eight distinct paragraphs is indexed, every (pid -> text) recorded, then the
file is rewritten and reindexed; after each edit EVERY link ever given out is checked, through
SearchService.lookup and over HTTP (`GET /documents/<id>/<pid>`): 200 with the same words, 301
to where a merged paragraph went, 410 for a removed one (its page links the document and the
nearest paragraph), 404 for a pid never given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from helpers_index import index_folder, service, write_document
from spec import PARAGRAPH_KEYS

from searchapp import create_app
from searchapp.config import load_settings
from searchapp.search import SearchRequest

DOC = "2024-05-16-joint-statement"
P = [
    "The two sides reviewed the progress of the bilateral relationship. They welcomed the "
    "steady growth of trade in grain, timber and machinery over the past decade.",
    "Both parties agreed to open a new railway crossing at the northern border and to "
    "simplify customs procedures for travellers and freight.",
    "The ministers of culture will organise an annual festival of music, theatre and cinema "
    "alternating between the two capitals.",
    "The sides condemned piracy in the southern seas and resolved to hold joint naval "
    "exercises to protect merchant shipping lanes.",
    "Scientific institutes will cooperate on vaccine research, genome sequencing and the "
    "monitoring of emerging infectious diseases.",
    "The parties support a peaceful settlement of the lake dispute through negotiations under "
    "the auspices of the regional commission.",
    "Students and teachers will benefit from an expanded exchange programme with scholarships "
    "for engineering and medicine.",
    "The agreement on double taxation will be ratified before the end of the year to "
    "encourage mutual investment by small enterprises.",
]

Expect = dict[int, tuple[str, Any]]  # pid -> ("ok", text) | ("moved", pid) | ("gone", nearest)


class Corpus:
    """One document file, its index, and the web app over them."""

    def __init__(self, root: Path) -> None:
        self.docs, self.index = root / "documents", root / "index"
        self.path = self.docs / "alpha-beta.txt"
        self._client: FlaskClient | None = None

    def write(self, paragraphs: Sequence[str]) -> None:
        write_document(self.path, paragraphs)
        summary = index_folder(self.docs, self.index)
        assert not summary.failed, summary.failed

    @property
    def client(self) -> FlaskClient:
        if self._client is None:
            self._client = create_app(load_settings(self.docs, self.index)).test_client()
        return self._client

    def pids(self) -> dict[int, str]:
        return {p.pid: p.text for p in service(self.index).paragraphs(DOC)}

    def pid_of(self, text: str) -> int:
        (pid,) = [pid for pid, t in self.pids().items() if t == text]
        return pid

    def check(self, expect: Expect) -> None:
        """Every link in `expect`, through the service and over HTTP."""
        svc = service(self.index)
        for pid, (status, value) in sorted(expect.items()):
            found = svc.lookup(DOC, pid)
            url = f"/documents/{DOC}/{pid}"
            as_json = self.client.get(url, headers={"Accept": "application/json"})
            as_page = self.client.get(url)
            if status == "ok":
                assert found.status == "ok", (pid, found.status)
                assert found.paragraph is not None and found.paragraph.text == value, pid
                assert as_json.status_code == 200, (pid, as_json.status_code)
                body = as_json.get_json()
                assert set(body) >= PARAGRAPH_KEYS, set(body)
                assert (body["doc_id"], body["pid"], body["text"]) == (DOC, pid, value)
                assert body["url"] == url
                assert as_page.status_code == 200
            elif status == "moved":
                assert (found.status, found.target_pid) == ("moved", value), (pid, found)
                for response in (as_json, as_page):
                    assert response.status_code == 301, (pid, response.status_code)
                    assert response.headers["Location"].endswith(f"/documents/{DOC}/{value}")
                followed = self.client.get(
                    url, headers={"Accept": "application/json"}, follow_redirects=True
                )
                assert followed.status_code == 200 and followed.get_json()["pid"] == value
            elif status == "gone":
                assert found.status == "gone", (pid, found.status)
                assert as_json.status_code == 410 and as_page.status_code == 410, pid
                page = as_page.get_data(as_text=True)
                live = svc.document(DOC)
                if live is not None and live.live:
                    assert found.target_pid == value, (pid, found.target_pid, value)
                    assert re.search(rf'href="[^"]*/documents/{DOC}"', page), page
                    if value is not None:
                        assert f'href="/documents/{DOC}/{value}"' in page, page
            else:  # "missing"
                assert found.status == "missing", (pid, found.status)
                assert as_json.status_code == 404 and as_page.status_code == 404


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    c = Corpus(tmp_path)
    c.write(P)
    return c


def _all_ok(pids: dict[int, str]) -> Expect:
    return {pid: ("ok", text) for pid, text in pids.items()}


def test_first_version_pids_are_the_reading_order(corpus: Corpus) -> None:
    assert corpus.pids() == {n: text for n, text in enumerate(P, start=1)}
    numbers = {p.pid: p.number for p in service(corpus.index).paragraphs(DOC)}
    assert numbers == {n: n for n in range(1, 9)}
    corpus.check({**_all_ok(corpus.pids()), 9: ("missing", None), 0: ("missing", None)})


def test_a_paragraph_inserted_at_the_top_leaves_every_old_link_showing_the_same_words(
    corpus: Corpus,
) -> None:
    before = corpus.pids()
    new = "The heads of state opened the meeting with a minute of silence for the flood victims."
    corpus.write([new, *P])
    after = corpus.pids()
    assert {pid: after[pid] for pid in before} == before
    new_pid = corpus.pid_of(new)
    assert new_pid > max(before), "a new paragraph gets a pid never used before"
    # Reading order moved on by one; the pid did not.
    numbers = {p.pid: p.number for p in service(corpus.index).paragraphs(DOC)}
    assert numbers[new_pid] == 1 and all(numbers[pid] == pid + 1 for pid in before)
    corpus.check(_all_ok(after))
    first = corpus.client.get(f"/documents/{DOC}/1", headers={"Accept": "application/json"})
    assert first.get_json()["paragraph"] == 2


def test_a_deleted_paragraph_is_gone_and_no_other_link_changes(corpus: Corpus) -> None:
    before = corpus.pids()
    corpus.write(P[:3] + P[4:])
    expect = _all_ok({pid: t for pid, t in before.items() if pid != 4})
    expect[4] = ("gone", None)  # nothing similar remains
    assert corpus.pids() == {pid: t for pid, t in before.items() if pid != 4}
    corpus.check(expect)


def test_a_heavily_rewritten_paragraph_is_gone_and_points_to_its_successor(corpus: Corpus) -> None:
    rewritten = (
        "The sides condemned piracy and agreed on a coast guard hotline, a shared radar "
        "network and regular port visits in the southern seas."
    )
    corpus.write([*P[:3], rewritten, *P[4:]])
    new_pid = corpus.pid_of(rewritten)
    assert new_pid == 9
    expect = _all_ok({pid: t for pid, t in corpus.pids().items()})
    expect[4] = ("gone", new_pid)  # the 410 page links the most similar remaining paragraph
    corpus.check(expect)


def test_a_lightly_edited_paragraph_keeps_its_pid_with_the_new_text(corpus: Corpus) -> None:
    edited = P[2].replace("annual festival", "biennial festival").replace("cinema", "dance")
    corpus.write([*P[:2], edited, *P[3:]])
    assert corpus.pids() == {**{n: t for n, t in enumerate(P, 1)}, 3: edited}
    corpus.check(_all_ok(corpus.pids()))
    assert service(corpus.index).registry.retired(DOC, 3) is None


def test_merged_paragraphs_keep_one_pid_and_redirect_the_other(corpus: Corpus) -> None:
    merged = f"{P[4]} {P[5]}"
    corpus.write([*P[:4], merged, *P[6:]])
    after = corpus.pids()
    assert after[5] == merged, "the first of the merged paragraphs keeps its pid"
    assert 6 not in after
    assert P[4] in after[5] and P[5] in after[5]
    expect = _all_ok(after)
    expect[6] = ("moved", 5)
    corpus.check(expect)
    # A search finds the merged text under the pid that kept it.
    hits = service(corpus.index).search(SearchRequest(q='"lake dispute"'))["hits"]
    assert [(h["pid"], h["url"]) for h in hits] == [(5, f"/documents/{DOC}/5")]


def test_a_split_paragraph_keeps_its_pid_for_the_first_part(corpus: Corpus) -> None:
    first, second = P[0].split(". ", 1)
    first += "."
    corpus.write([first, second, *P[1:]])
    after = corpus.pids()
    assert after[1] == first
    second_pid = corpus.pid_of(second)
    assert second_pid == 9, "the second part is a new paragraph with a new pid"
    corpus.check(_all_ok(after))


def test_pids_are_never_reused_after_delete_and_add(corpus: Corpus) -> None:
    given: dict[int, str] = dict(corpus.pids())  # every pid ever handed out
    gone: set[int] = set()

    corpus.write(P[:7])  # delete the last paragraph (pid 8)
    gone.add(8)
    extra = "The sides agreed to set up a joint commission on the protection of migratory birds."
    corpus.write([*P[:7], extra])  # add a paragraph where it was
    extra_pid = corpus.pid_of(extra)
    assert extra_pid == 9, "pid 8 must not be handed out again"
    given[extra_pid] = extra

    corpus.write(P[:7])  # remove the new one too (pid 9)
    gone.add(9)
    another = "Customs officers will be trained together at a new academy in the border town."
    corpus.write([another, *P[:7]])
    another_pid = corpus.pid_of(another)
    assert another_pid == 10
    given[another_pid] = another

    expect: Expect = {pid: ("ok", text) for pid, text in corpus.pids().items()}
    for pid in gone:
        found = service(corpus.index).lookup(DOC, pid)
        assert found.status == "gone"
        expect[pid] = ("gone", found.target_pid)
    assert set(expect) == set(given), "every link ever given still answers something"
    corpus.check(expect)
    assert service(corpus.index).document(DOC).next_pid == 11  # type: ignore[union-attr]


def test_a_series_of_edits_keeps_every_old_link(corpus: Corpus) -> None:
    """Insert, edit, merge and delete one after another: old links follow each step."""
    expect: Expect = _all_ok(corpus.pids())
    new = "A preamble paragraph recalls the centenary of the first trade mission."
    corpus.write([new, *P])
    expect[corpus.pid_of(new)] = ("ok", new)
    corpus.check(expect)

    edited = P[1].replace("new railway crossing", "second railway crossing")
    merged = f"{P[4]} {P[5]}"
    corpus.write([new, P[0], edited, P[2], P[3], merged, P[6]])  # P[7] deleted
    expect.update({2: ("ok", edited), 5: ("ok", merged), 6: ("moved", 5), 8: ("gone", None)})
    corpus.check(expect)

    corpus.write([P[0], edited, P[2], P[3], merged, P[6]])  # the preamble goes
    expect[9] = ("gone", None)
    corpus.check(expect)


def test_removing_the_document_file_makes_every_link_gone(corpus: Corpus) -> None:
    corpus.write([*P[:4], f"{P[4]} {P[5]}", *P[6:]])  # pid 6 merged into 5 first
    pids = corpus.pids()
    corpus.path.unlink()
    summary = index_folder(corpus.docs, corpus.index)
    assert summary.removed == [DOC]
    corpus.check({pid: ("gone", None) for pid in [*pids, 6]})
    assert corpus.client.get(f"/documents/{DOC}").status_code == 410
    body = corpus.client.get(f"/documents/{DOC}/1", headers={"Accept": "application/json"})
    assert body.status_code == 410 and body.get_json()["doc_id"] == DOC
