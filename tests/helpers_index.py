"""Helpers shared by the indexing, permalink, CLI and search-engine tests.

Everything works on real files in a temporary folder, a real index and, where the behaviour is
about processes, real subprocesses of the installed console script.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from searchapp.indexer import IndexSummary, update_index
from searchapp.search import SearchRequest, SearchService

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "documents"
SEED_2002 = "2002-12-02-russia-china-joint-declaration.txt"
SEED_2012 = "2012-06-06-china-russia-joint-statement.txt"
DOC_2002 = "2002-12-02-joint-declaration"
DOC_2012 = "2012-06-06-joint-statement"

BIN = Path(sys.executable).parent
SEARCHAPP = BIN / "searchapp"


def copy_seeds(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in (SEED_2002, SEED_2012):
        shutil.copy(SEEDS / name, target / name)
    return target


def index_folder(documents: Path, index: Path, rebuild: bool = False) -> IndexSummary:
    return update_index(documents, index, rebuild=rebuild)


def service(index: Path, **kwargs: int) -> SearchService:
    """A fresh service: it sees the index as it is now (no reader refresh delay)."""
    return SearchService(index, **kwargs)


def search(index: Path, q: str = "", **kwargs: object) -> dict:  # type: ignore[type-arg]
    return service(index).search(SearchRequest(q=q, **kwargs))  # type: ignore[arg-type]


def all_pids(index: Path, doc_id: str) -> dict[int, str]:
    """pid -> text of the live paragraphs of a document, from the registry."""
    return {p.pid: p.text for p in service(index).paragraphs(doc_id)}


def write_document(
    path: Path,
    paragraphs: Sequence[str],
    title: str = "JOINT STATEMENT OF THE REPUBLIC OF ALPHA AND THE KINGDOM OF BETA",
    dateline: str = "Alphaville, 16 May 2024",
) -> Path:
    """A plain-text declaration: a title line, a dateline and the paragraphs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join([title, dateline, *paragraphs])
    path.write_text(body + "\n", encoding="utf-8")
    return path


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEARCHAPP_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `searchapp` console script; stdout and stderr captured as text."""
    return subprocess.run(
        [str(SEARCHAPP), *args],
        cwd=cwd,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- generated corpora (for the crash and concurrency tests) ----------------------------------

_SYLLABLES = ("ka", "lo", "mi", "ter", "san", "vo", "re", "dun", "pe", "qui", "bra", "sol", "ne")
_COMMON_TEXT = (
    "the two sides agreed to strengthen cooperation on trade energy security border culture "
    "science education health transport finance investment dialogue partnership peace region"
)
_COMMON = tuple(_COMMON_TEXT.split())


def generate_corpus(folder: Path, files: int, paragraphs: int, seed: int = 7) -> Path:
    """`files` dated declarations of `paragraphs` paragraphs each, with made-up rare words so
    that the index has a real vocabulary to write."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        paras = []
        for _ in range(paragraphs):
            words = [
                rng.choice(_COMMON)
                if rng.random() < 0.6
                else "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4)))
                for _ in range(rng.randint(30, 60))
            ]
            paras.append(" ".join(words).capitalize() + ".")
        year = 1990 + n % 30
        write_document(
            folder / f"gen-{n:04d}.txt",
            paras,
            title=f"JOINT COMMUNIQUE NUMBER {n} OF ALPHA AND BETA",
            dateline=f"Alphaville, {1 + n % 28} March {year}",
        )
    return folder
