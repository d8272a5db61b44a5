"""The command line (SPEC: Command line): `searchapp index`, `search`, `add`, usage errors and
refused queries. Process-level behaviour (exit status, stderr, no traceback, console script and
`python -m searchapp`) runs real subprocesses; the many search variants call `main()` in-process.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers_index import (
    DOC_2002,
    DOC_2012,
    cli_env,
    copy_seeds,
    index_folder,
    run_cli,
    search,
    service,
)
from spec import HIT_KEYS, SEARCH_KEYS

from searchapp import cli


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli")
    docs = copy_seeds(root / "documents")
    summary = index_folder(docs, root / "index")
    assert not summary.failed
    return docs, root / "index"


Main = Callable[..., tuple[int, str, str]]
SearchJson = Callable[..., dict]  # type: ignore[type-arg]


@pytest.fixture
def main(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Main:
    """`searchapp ARGV` in this process: returns (exit status, stdout, stderr)."""
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)  # keep pytest's SIGPIPE
    for name in ("SEARCHAPP_DOCUMENTS", "SEARCHAPP_INDEX"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def search_json(main: Main, seeds: tuple[Path, Path]) -> SearchJson:
    def run(*args: str) -> dict:  # type: ignore[type-arg]
        code, out, err = main("search", "--index", str(seeds[1]), "--json", *args)
        assert code == 0, err
        return json.loads(out)

    return run


# -- index ----------------------------------------------------------------------------------


def test_index_command_reports_one_summary_line_and_runs_incrementally(tmp_path: Path) -> None:
    docs = copy_seeds(tmp_path / "documents")
    first = run_cli("index", "--documents", str(docs), "--index", str(tmp_path / "index"))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 1 and "2 added, 0 changed, 0 removed, 0 unchanged, 0 failed" in lines[0]
    assert "\r" not in first.stderr, "no progress bar when stderr is not a terminal"

    # The folders can come from the environment instead of flags.
    env = cli_env(SEARCHAPP_DOCUMENTS=str(docs), SEARCHAPP_INDEX=str(tmp_path / "index"))
    second = run_cli("index", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "0 added, 0 changed, 0 removed, 2 unchanged, 0 failed" in second.stdout


def test_check_of_a_fresh_index_finds_it_consistent(tmp_path: Path) -> None:
    # The 2002 seed's paragraphs open with printed headings ("I", "II"), searched with the
    # paragraph but not stored with it: the check once took that for drift, every time.
    docs = copy_seeds(tmp_path / "documents")
    folders = ("--documents", str(docs), "--index", str(tmp_path / "index"))
    assert run_cli("index", *folders).returncode == 0
    check = run_cli("index", "--check", *folders)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("check: consistent; 83 paragraphs in the index, 83 in")


def test_a_warning_most_files_share_is_named_twenty_times_then_counted(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    for n in range(25):  # undated notes: each has the same warning
        text = f"Note {n} on fisheries\n\nThe parties agreed on quota number {n}.\n"
        (docs / f"note-{n:02}.txt").write_text(text)
    done = run_cli("index", "--documents", str(docs), "--index", str(tmp_path / "index"))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    named = [line for line in lines if line.startswith("searchapp: warning: note-")]
    assert len(named) == 20 and all("the year is unknown" in line for line in named)
    counted = "searchapp: ... and 5 more files: no date found or given: the year is unknown"
    assert lines[-1] == counted
    assert "25 added" in done.stdout


def test_index_without_a_documents_folder_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("index", "--documents", str(tmp_path / "nope"), "--index", str(tmp_path / "i"))
    assert done.returncode == 2
    assert "no documents folder" in done.stderr and "Traceback" not in done.stderr


# -- search --------------------------------------------------------------------------------


def test_search_json_has_the_spec_keys(search_json: SearchJson) -> None:
    result = search_json("terrorism")
    assert set(result) >= SEARCH_KEYS
    assert result["query"] == "terrorism" and result["page"] == 1 and result["per_page"] == 10
    assert result["total"] >= 2 and result["hits"]
    for hit in result["hits"]:
        assert set(hit) >= HIT_KEYS, HIT_KEYS - set(hit)
        assert hit["url"] == f"/documents/{hit['doc_id']}/{hit['pid']}"
        assert isinstance(hit["year"], int) and hit["date"].startswith(str(hit["year"]))
        assert isinstance(hit["score"], float) and isinstance(hit["paragraph"], int)
        assert "<mark>" in hit["excerpt"] and "terror" in hit["text"].lower()
    assert set(result["facets"]) >= {"year", "section"}
    for facet in ("year", "section"):
        assert all(set(v) == {"value", "count"} for v in result["facets"][facet])
        assert sum(v["count"] for v in result["facets"][facet]) == result["total"]
    assert result["suggestion"] is None
    assert isinstance(result["took_ms"], (int, float))


def test_search_json_is_the_same_object_as_the_http_api(
    seeds: tuple[Path, Path], search_json: SearchJson
) -> None:
    docs, index = seeds
    from searchapp import create_app
    from searchapp.config import load_settings

    client = create_app(load_settings(docs, index)).test_client()
    api = client.get("/api/search?q=missile+defense&year=2002&per_page=5").get_json()
    mine = search_json("missile defense", "--year", "2002", "--limit", "5")
    api.pop("took_ms"), mine.pop("took_ms")
    assert mine == api


def test_search_filters_and_limit(search_json: SearchJson) -> None:
    everything = search_json("cooperation", "--limit", "100")
    years = {v["value"]: v["count"] for v in everything["facets"]["year"]}
    assert set(years) == {2002, 2012}

    in_2002 = search_json("cooperation", "--year", "2002", "--limit", "100")
    assert in_2002["total"] == years[2002]
    assert {h["year"] for h in in_2002["hits"]} == {2002}

    both = search_json("cooperation", "--year", "2002", "--year", "2012")
    assert both["total"] == everything["total"], "repeated --year means either year"

    trade = search_json("cooperation", "--section", "Trade and economy", "--limit", "50")
    assert trade["total"] > 0
    assert {h["section"] for h in trade["hits"]} == {"Trade and economy"}

    three = search_json("cooperation", "--limit", "3")
    assert len(three["hits"]) == 3 and three["per_page"] == 3
    assert three["total"] == everything["total"]


def test_search_without_json_prints_readable_hits_with_their_links(
    seeds: tuple[Path, Path], main: Main
) -> None:
    _, index = seeds
    code, out, _ = main("search", "--index", str(index), '"Korean Peninsula"', "--limit", "2")
    assert code == 0
    assert "3 paragraphs" in out
    assert f"/documents/{DOC_2012}/" in out or f"/documents/{DOC_2002}/" in out
    assert "<mark>" not in out


def test_python_dash_m_searchapp_help_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "searchapp", "--help"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for command in ("index", "search", "add", "serve"):
        assert command in done.stdout


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["search", "--limit", "many", "x"],
        ["search", "--sort", "sideways", "x"],
        ["index", "--no-such-flag"],
        ["add"],
    ],
    ids=["no-command", "unknown-command", "bad-limit", "bad-sort", "unknown-flag", "add-no-file"],
)
def test_wrong_usage_exits_2_with_a_message(argv: list[str], main: Main) -> None:
    code, out, err = main(*argv)
    assert code == 2
    assert "usage:" in err and "error:" in err
    assert out == ""


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--year", "20x2", "cooperation"], "year"),
        (["a*"], "too short"),
        (["cooperation " * 50], "limit is 500"),
        (["x", "--limit", "0"], "--limit must be"),
    ],
    ids=["bad-year", "short-prefix", "600-chars", "zero-limit"],
)
def test_refused_searches_exit_2_with_the_reason_and_no_traceback(
    seeds: tuple[Path, Path], args: list[str], reason: str
) -> None:
    _, index = seeds
    done = run_cli("search", "--index", str(index), *args)
    assert done.returncode == 2, done
    assert reason in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_search_before_any_index_says_to_run_index(tmp_path: Path, main: Main) -> None:
    code, _, err = main("search", "--index", str(tmp_path / "none"), "x")
    assert code == 2 and "searchapp index" in err


# -- add -----------------------------------------------------------------------------------

DECLARATION = """JOINT COMMUNIQUE OF THE REPUBLIC OF ALPHA AND THE KINGDOM OF BETA

Alphaville, 3 March 1999

The two sides agreed to cultivate quokkaberry orchards along the border river.

They will meet again next year to review the harvest.
"""


def _catalog(docs: Path) -> dict[str, dict[str, str]]:
    with (docs / "metadata.csv").open(encoding="utf-8", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


def test_add_copies_records_metadata_indexes_and_prints_id_and_url(
    seeds: tuple[Path, Path], tmp_path: Path
) -> None:
    docs = copy_seeds(tmp_path / "documents")
    index = tmp_path / "index"
    source = tmp_path / "incoming" / "Statement May.txt"
    source.parent.mkdir()
    source.write_text(DECLARATION, encoding="utf-8")
    done = run_cli(
        "add",
        str(source),
        "--documents",
        str(docs),
        "--index",
        str(index),
        "--title",
        "Alpha-Beta Statement on Orchards",
        "--date",
        "2024-05-16",
        "--kind",
        "joint statement",
        "--parties",
        "China;Russia",
    )
    assert done.returncode == 0, done.stderr
    doc_id = "2024-05-16-joint-statement"
    assert doc_id in done.stdout and f"/documents/{doc_id}" in done.stdout

    copies = [p for p in docs.rglob("*.txt") if p.read_text(encoding="utf-8") == DECLARATION]
    assert len(copies) == 1 and source.exists(), "the file is copied, not moved"
    rel = copies[0].relative_to(docs).as_posix()
    row = _catalog(docs)[rel]
    assert row["title"] == "Alpha-Beta Statement on Orchards"
    assert row["date"] == "2024-05-16" and row["kind"] == "joint statement"
    assert row["parties"] == "China;Russia"

    # Given metadata wins over what the text says (its own title and a 1999 dateline).
    hits = search(index, "quokkaberry")["hits"]
    assert [h["doc_id"] for h in hits] == [doc_id]
    assert hits[0]["doc_title"] == "Alpha-Beta Statement on Orchards"
    assert (hits[0]["date"], hits[0]["year"]) == ("2024-05-16", 2024)
    doc = service(index).document(doc_id)
    assert doc is not None and doc.metadata.parties == ["China", "Russian Federation"]
    # The seeds were indexed along the way.
    assert {d.doc_id for d in service(index).documents()} == {DOC_2002, DOC_2012, doc_id}


def test_add_never_overwrites_a_different_file_of_the_same_name(tmp_path: Path, main: Main) -> None:
    docs, index = tmp_path / "documents", tmp_path / "index"
    first = tmp_path / "a" / "statement.txt"
    second = tmp_path / "b" / "statement.txt"
    first.parent.mkdir(), second.parent.mkdir()
    first.write_text(DECLARATION, encoding="utf-8")
    second.write_text(DECLARATION.replace("quokkaberry", "wombatfruit"), encoding="utf-8")
    folders = ["--documents", str(docs), "--index", str(index)]

    code, out1, err = main("add", str(first), *folders, "--date", "2024-05-16")
    assert code == 0, err
    code, out2, err = main("add", str(second), *folders, "--date", "2024-05-17")
    assert code == 0, err

    texts = sorted(p.read_text(encoding="utf-8") for p in docs.rglob("*.txt"))
    assert texts == sorted([first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")])
    assert search(index, "quokkaberry")["total"] == 1
    assert search(index, "wombatfruit")["total"] == 1
    id1, id2 = out1.split()[0], out2.split()[0]
    assert id1 != id2

    # The same file once more adds nothing new.
    code, _, err = main("add", str(first), *folders)
    assert code == 0, err
    assert len(list(docs.rglob("*.txt"))) == 2
    assert len(service(index).documents()) == 2


def test_add_with_a_bad_date_exits_2_and_copies_nothing(tmp_path: Path, main: Main) -> None:
    source = tmp_path / "statement.txt"
    source.write_text(DECLARATION, encoding="utf-8")
    docs = tmp_path / "documents"
    for bad in ("16/05/2024", "2024-13-01", "yesterday"):
        code, _, err = main(
            "add",
            str(source),
            "--documents",
            str(docs),
            "--index",
            str(tmp_path / "i"),
            "--date",
            bad,
        )
        assert code == 2, bad
        assert bad in err and "YYYY" in err
        assert not list(docs.rglob("*.txt")) if docs.exists() else True


def test_add_reports_a_file_that_does_not_exist(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    missing = tmp_path / "no-such-statement.txt"
    done = run_cli("add", str(missing), "--documents", str(docs), "--index", str(tmp_path / "i"))
    assert done.returncode != 0
    assert "no-such-statement.txt" in done.stderr
    assert "No such file" in done.stderr or "not found" in done.stderr.lower()
    assert "Traceback" not in done.stderr
    assert not list(docs.rglob("*.txt")) if docs.exists() else True
