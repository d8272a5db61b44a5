"""Hostile and oversized files are bounded: refused by name with the reason, or read in
bounded pieces, and the good files beside them are still indexed.

The files are the ones seen to hang or crash the indexer (benchmarks/hostile.py makes them and
measures their cost); here they go through `searchapp index`, as a user would meet them, and
through `load_document` for what a single file becomes. Subprocess timeouts only keep a
regression from hanging the suite; nothing here asserts a duration.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import hostile
from searchapp.config import ReadLimits
from searchapp.corpus import UnreadableFile, load_document
from searchapp.corpus.split import split_text
from tests.helpers_index import cli_env, run_cli, write_document

GOOD = "The two sides agreed to deepen cooperation in trade, energy and science."


def _folder_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    docs = tmp_path / "documents"
    write_document(docs / "good.txt", paragraphs=[GOOD])
    rows = ["file,title,date,kind,place,parties,language,source"]
    for name, data in files.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_bytes(data)
        rows.append(f"{name},,2024-05-16,,,,,")
    # Dated, so that the searches below see these documents as any others.
    (docs / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return docs


def _index(docs: Path, tmp_path: Path, **env: str) -> tuple[int, str, str]:
    result = run_cli(
        "index", "--documents", str(docs), "--index", str(tmp_path / "index"),
        timeout=240, env=cli_env(**env),
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def _refusals(stderr: str) -> dict[str, str]:
    return dict(re.findall(r"^searchapp: cannot index (\S+): (.*)$", stderr, re.M))


def _search(tmp_path: Path, docs: Path, query: str) -> str:
    return run_cli(
        "search", query, "--documents", str(docs), "--index", str(tmp_path / "index"), "--json"
    ).stdout


def test_hostile_files_are_refused_by_name_and_the_others_indexed(tmp_path: Path) -> None:
    docs = _folder_with(
        tmp_path,
        {
            "laughs.md": hostile.billion_laughs_markdown(),
            "operators.pdf": hostile.pdf_of_operators(3_000_000),
            "nested-deep.html": hostile.nested_html(12_000),
            "entities.xml": hostile.xml_entity_bomb(),
            "elements.xml": hostile.xml_of_elements(300_000),
            "big.txt": hostile.one_line_text(2_500_000),
            "nested.html": hostile.nested_html(1200),
            "README.md": b"# About this collection\n\nThese are the declarations of 2002.\n",
            "volume-1/LICENSE": b"Permission is hereby granted, free of charge.\n",
            "volume-1/CHANGELOG.txt": b"Added the 2012 statement.\n",
            "notes.docx": b"PK\x03\x04 not really a docx",
            "index.csv": b"path,title\ngood.txt,Good\n",
        },
    )
    status, stdout, stderr = _index(docs, tmp_path, SEARCHAPP_MAX_FILE_MB="2")
    assert status == 1
    refused = _refusals(stderr)
    assert set(refused) == {
        "laughs.md",
        "operators.pdf",
        "nested-deep.html",
        "entities.xml",
        "elements.xml",
        "big.txt",
    }
    assert "YAML aliases" in refused["laughs.md"]
    assert "too large to extract safely" in refused["operators.pdf"]
    assert "nested too deeply" in refused["nested-deep.html"]
    assert "DTD or entity" in refused["entities.xml"]
    assert "more than 200,000 elements" in refused["elements.xml"]
    assert refused["big.txt"] == (
        "file too large: 2.38 MB, over the 2 MB limit for one document "
        "(raise SEARCHAPP_MAX_FILE_MB to index it)"
    )
    # Not documents: skipped and listed, not indexed and not failures.
    skipped = dict(re.findall(r"^searchapp: skipped (\S+): (.*)$", stderr, re.M))
    not_a_document = "not a document: a collection's README, LICENSE, CHANGELOG or similar file"
    assert skipped == {
        "README.md": not_a_document,
        "index.csv": "unsupported file type .csv",
        "notes.docx": "unsupported file type .docx",
        "volume-1/CHANGELOG.txt": not_a_document,
        "volume-1/LICENSE": not_a_document,
    }
    assert "2 added" in stdout and "6 failed, 5 skipped" in stdout
    # The good file is indexed, and the page nested 1,200 deep is read whole.
    assert '"total": 1' in _search(tmp_path, docs, '"Paragraph 1199" OR deepen')


def test_long_blocks_are_split_with_a_warning_naming_the_file(tmp_path: Path) -> None:
    docs = _folder_with(
        tmp_path,
        {
            "emphasis.md": hostile.unclosed_emphasis_markdown(195_000),
            "wrapped.txt": hostile.hard_wrapped_text(5000),
            "one-line.txt": hostile.one_line_text(100_000),
        },
    )
    status, stdout, stderr = _index(docs, tmp_path)
    assert status == 0, stderr
    for name in ("emphasis.md", "wrapped.txt", "one-line.txt"):
        assert re.search(
            rf"^searchapp: warning: {re.escape(name)}: 1 paragraph\(s\) longer than the maximum "
            r"of 5,000 characters were split at sentence boundaries",
            stderr,
            re.M,
        ), stderr
    assert "4 added" in stdout


def test_a_wrong_limit_setting_is_a_usage_error(tmp_path: Path) -> None:
    docs = _folder_with(tmp_path, {})
    result = run_cli(
        "index", "--documents", str(docs), "--index", str(tmp_path / "index"),
        env=cli_env(SEARCHAPP_READ_SECONDS="soon"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "SEARCHAPP_READ_SECONDS must be a positive number, not 'soon'" in result.stderr


def test_time_budget_refuses_a_file_by_name(tmp_path: Path) -> None:
    path = tmp_path / "operators.pdf"
    path.write_bytes(hostile.pdf_of_operators(20_000))
    # Any work at all exceeds a budget of a nanosecond: the refusal does not depend on speed.
    with pytest.raises(UnreadableFile, match=r"over the time budget: reading took more than"):
        load_document(path, tmp_path, limits=ReadLimits(read_seconds=1e-9))


def test_front_matter_without_aliases_still_gives_its_metadata(tmp_path: Path) -> None:
    path = tmp_path / "cable.md"
    path.write_text(
        "---\ntitle: Cablegram to Canberra\ndoc_date: 1951-07-12\nparties: [Australia]\n---\n\n"
        f"{GOOD}\n",
        encoding="utf-8",
    )
    doc = load_document(path, tmp_path)
    assert (doc.metadata.title, doc.metadata.date) == ("Cablegram to Canberra", "1951-07-12")
    assert [p.text for p in doc.paragraphs] == [GOOD]


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("a: &x Canberra\ntitle: *x", "YAML aliases"),
        ("title: " + "[" * 40 + "]" * 40, "nested deeper than 16 levels"),
        ("title: " + "x" * 70_000, "front matter too large: 68 kB, over the 64 kB limit"),
    ],
)
def test_unsafe_front_matter_is_refused(tmp_path: Path, front: str, reason: str) -> None:
    path = tmp_path / "hostile.md"
    path.write_text(f"---\n{front}\n---\n\n{GOOD}\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=re.escape(reason)):
        load_document(path, tmp_path)


def test_split_text_cuts_at_sentence_ends_within_the_limit() -> None:
    sentence = "The parties agree to continue consultations. "
    parts, hard = split_text(sentence * 300, 5000)
    assert hard == 0
    assert all(len(p) <= 5000 and p.endswith("consultations.") for p in parts)
    assert " ".join(parts) == (sentence * 300).strip()


def test_split_text_cuts_at_spaces_then_anywhere_as_a_last_resort() -> None:
    parts, hard = split_text("word " * 3000, 5000)
    assert hard == 2 and all(len(p) <= 5000 for p in parts)
    assert " ".join(parts).split() == ["word"] * 3000
    parts, hard = split_text("x" * 12_000, 5000)
    assert [len(p) for p in parts] == [5000, 5000, 2000]


def test_chinese_text_is_cut_after_its_full_stops() -> None:
    parts, _ = split_text("中华人民共和国和俄罗斯联邦。" * 800, 5000)
    assert all(p.endswith("。") and len(p) <= 5000 for p in parts)


def test_add_refuses_a_file_over_the_size_limit_before_copying_it(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(hostile.one_line_text(1_500_000))
    docs = tmp_path / "documents"
    result = run_cli(
        "add", str(big), "--documents", str(docs), "--index", str(tmp_path / "index"),
        env=cli_env(SEARCHAPP_MAX_FILE_MB="1"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "cannot add" in result.stderr and "over the 1 MB limit" in result.stderr
    assert not (docs / "added").exists()
