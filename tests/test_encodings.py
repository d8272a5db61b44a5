"""Legacy encodings read right, mojibake refused, the language detected, the admin preview under
the indexer's budgets.

The samples are real Russian and Chinese sentences, encoded the way such files are published
(Windows-1251 and KOI8-R for Russian, GB18030 for simplified and Big5 for traditional Chinese).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from benchmarks import hostile
from searchapp.config import ReadLimits
from searchapp.corpus import UnreadableFile, load_document
from searchapp.corpus.language import detect_language
from tests.helpers_index import cli_env, run_cli
from tests.test_admin import log_in, make_app, upload

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"

RUSSIAN = [
    "Совместное заявление Российской Федерации и Китайской Народной Республики",
    "Стороны подтверждают, что российско-китайские отношения всеобъемлющего партнёрства и "
    "стратегического взаимодействия достигли самого высокого уровня за всю историю.",
    "Стороны выступают против одностороннего применения санкций в обход Совета Безопасности "
    "Организации Объединённых Наций и будут укреплять сотрудничество в торговле и энергетике.",
]
SIMPLIFIED = [
    "中华人民共和国和俄罗斯联邦关于深化新时代全面战略协作伙伴关系的联合声明",
    "双方指出，中俄关系已达到历史最高水平，并将继续发展。双方反对绕开联合国安理会实施单边制裁。",
    "双方愿加强在联合国、上海合作组织、金砖国家等多边框架内的协调与配合，维护地区和平与稳定。",
]
TRADITIONAL = [
    "中華人民共和國和俄羅斯聯邦關於深化新時代全面戰略協作夥伴關係的聯合聲明",
    "雙方指出，中俄關係已達到歷史最高水平，並將繼續發展。雙方反對繞開聯合國安理會實施單邊制裁。",
    "雙方願加強在聯合國、上海合作組織、金磚國家等多邊框架內的協調與配合，維護地區和平與穩定。",
]
ENGLISH = [
    "Joint Statement of the Republic of Examplia and the Kingdom of Samplestan",
    "The café owners’ association and the lovers of naïve art met in Genève; both sides "
    "welcomed the “new era” of cooperation in trade, energy and science.",
]


def _write(folder: Path, name: str, paragraphs: list[str], encoding: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = "\n\n".join(paragraphs) + "\n"
    if name.endswith(".html"):
        text = "<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("suffix", [".txt", ".html", ".md"])
@pytest.mark.parametrize(
    ("paragraphs", "encoding", "language"),
    [
        (RUSSIAN, "cp1251", "ru"),
        (RUSSIAN, "koi8_r", "ru"),
        (SIMPLIFIED, "gb18030", "zh"),
        (TRADITIONAL, "big5", "zh"),
        (ENGLISH, "cp1252", "en"),
    ],
)
def test_legacy_encoding_is_read_right_and_its_language_found(
    tmp_path: Path, paragraphs: list[str], encoding: str, language: str, suffix: str
) -> None:
    path = _write(tmp_path, f"declaration{suffix}", paragraphs, encoding)
    doc = load_document(path, tmp_path)
    assert doc.metadata.title == paragraphs[0]
    assert [p.text for p in doc.paragraphs] == paragraphs[1:]
    assert doc.metadata.language == language


@pytest.mark.parametrize(
    "garbled",
    [
        # UTF-8 read as Windows-1252 and saved again, as UTF-8: "Ð¡Ð¾Ð²Ð¼ÐµÑ..."
        "\n\n".join(RUSSIAN).encode("utf-8").decode("cp1252", "replace").encode("utf-8"),
        "\n\n".join(SIMPLIFIED).encode("utf-8").decode("cp1252", "replace").encode("utf-8"),
        # A Chinese file whose GB18030 bytes went through a Big5 decoder.
        "\n\n".join(SIMPLIFIED).encode("gb18030").decode("big5", "replace").encode("utf-8"),
    ],
)
def test_mojibake_is_refused_with_the_reason(tmp_path: Path, garbled: bytes) -> None:
    path = tmp_path / "garbled.txt"
    path.write_bytes(garbled)
    with pytest.raises(UnreadableFile, match=r"the text is garbled \(mojibake"):
        load_document(path, tmp_path)


def test_encodings_through_the_indexer(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    _write(docs, "ru-1251.txt", RUSSIAN, "cp1251")
    _write(docs, "zh-gb18030.txt", SIMPLIFIED, "gb18030")
    moji = "\n\n".join(RUSSIAN).encode("utf-8").decode("cp1252", "replace")
    (docs / "garbled.txt").write_text(moji, encoding="utf-8")
    (docs / "metadata.csv").write_text(
        "file,title,date,kind,place,parties,language,source\n"
        "ru-1251.txt,,2023-03-21,,,,,\nzh-gb18030.txt,,2023-03-21,,,,,\n",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    result = run_cli("index", "--documents", str(docs), "--index", str(index), env=cli_env())
    assert result.returncode == 1
    assert re.search(
        r"^searchapp: cannot index garbled\.txt: the text is garbled", result.stderr, re.M
    )
    assert "2 added" in result.stdout
    found = run_cli("search", "санкций", "--documents", str(docs), "--index", str(index), "--json")
    assert "одностороннего применения санкций" in found.stdout


def test_short_or_wordless_text_has_no_language() -> None:
    assert detect_language("12. II") is None
    assert detect_language("Mr. President, Excellencies,") is None


@pytest.mark.corpus
def test_english_is_detected_on_the_real_corpora() -> None:
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is absent")
    rng = random.Random(5)
    for corpus, pattern in (
        ("ungdc-2015-2024", "*/*.txt"),
        ("dfat-historical-docs", "*/*.md"),
        ("tota-chn-rus", "xml/*.xml"),
    ):
        files = sorted((CORPORA / corpus).glob(pattern))
        for path in rng.sample(files, min(20, len(files))):
            doc = load_document(path, CORPORA / corpus)
            text = " ".join(p.text for p in doc.paragraphs[:5])
            # None only for a text too short to say (a list of those present at a meeting).
            assert detect_language(text) in ("en", None), path
            assert doc.metadata.language == "en", path


def test_admin_preview_reads_under_the_same_budgets(tmp_path: Path) -> None:
    app = make_app(tmp_path, read_limits=ReadLimits(max_file_bytes=1024 * 1024))
    client: FlaskClient = app.test_client()
    assert log_in(client).status_code == 303
    response = upload(
        client,
        (hostile.billion_laughs_markdown(), "laughs.md"),
        (hostile.one_line_text(1_200_000), "long.txt"),
    )
    assert response.status_code == 303
    preview = client.get(response.location)
    assert preview.status_code == 200
    assert "unsafe front matter: YAML aliases (*name) are not allowed" in preview.text
    assert "over the 1 MB limit for one document" in preview.text


def test_the_cached_language_model_classifies_as_the_packaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decompressed copy in the cache folder is the packaged model, and a damaged copy
    is never trusted: the packaged one is read again and the copy rewritten."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from searchapp.corpus import language

    monkeypatch.setenv("SEARCHAPP_CACHE", str(tmp_path / "cache"))
    texts = [
        "The two sides signed a joint declaration on trade and peace.",
        "Les deux parties ont signé une déclaration commune sur le commerce.",
        "Обе стороны подписали совместное заявление о торговле.",
        "双方签署了关于贸易与和平的联合声明。",
    ]
    packaged = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    expected = [packaged.rank(t)[:3] for t in texts]
    cached = tmp_path / "cache" / language._cache_dir().name / "nextmove.npy"
    for damage in (None, b"not a model", b"", "cut"):
        if damage == "cut":
            damage = cached.read_bytes()[: cached.stat().st_size // 2]
        if damage is not None:
            cached.write_bytes(damage)
        monkeypatch.setattr(language, "_identifier", None)
        assert [language.model().rank(t)[:3] for t in texts] == expected
        assert cached.stat().st_size > 1_000_000  # written, or rewritten whole
    assert sorted(p.name for p in cached.parent.parent.iterdir()) == [cached.parent.name]
