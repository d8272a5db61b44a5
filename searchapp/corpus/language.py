"""The language of a text, with py3langid (a maintained fork of langid.py).

py3langid ships its model (a naive Bayes classifier over byte n-grams, 97 languages) inside
the package, needs only NumPy and classifies a few kilobytes in about a millisecond. The
model is loaded once, on the first call, so commands that never read a document do not pay
for it. The package keeps it LZMA-compressed, and decompressing it took 0.8 s of every
process that read a document (most of a `searchapp add`): the decompressed arrays are kept in
the cache folder (`config.cache_folder`), one `.npy` file each, and memory-mapped, so that a
process reads only the pages of the model its texts touch (loading all 69 MB took 0.1 s warm
and up to 0.5 s once the system had dropped them from its page cache). Only the start of a
text is looked at: its language does not change halfway.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from searchapp.config import cache_folder

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# Characters classified: a few kilobytes are as good as the whole text, and cost nothing.
SAMPLE_CHARS = 3000
# Below this probability the text is too short or too mixed to say (a salutation, a list of
# names): no language rather than a wrong one.
MIN_CONFIDENCE = 0.6
# Fewer letters than this say nothing about a language ("12.", "II").
MIN_LETTERS = 20
_VARIETIES = {"yue": "zh", "wuu": "zh"}
_NO_LANGUAGE = "zxx"  # the model's label for text without linguistic content

_identifier: LanguageIdentifier | None = None
_loading = threading.Lock()


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the text's language ("en", "ru", "zh", ...), or None."""
    sample = text[:SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < MIN_LETTERS:
        return None
    # The model knows Chinese varieties apart (Cantonese, Wu) and shares the probability of a
    # Chinese text between them: for the index they are one language, written Chinese.
    scores: dict[str, float] = {}
    for label, probability in model().rank(sample):
        code = _VARIETIES.get(label, label)
        scores[code] = scores.get(code, 0.0) + probability
    language = max(scores, key=scores.__getitem__)
    if language == _NO_LANGUAGE or scores[language] < MIN_CONFIDENCE:
        return None
    return language


def model() -> LanguageIdentifier:
    """The classifier, loaded on the first call (`load_document` calls it before a file's
    time budget starts: loading is the process's cost, not the file's)."""
    global _identifier
    with _loading:
        if _identifier is None:
            from py3langid.langid import LanguageIdentifier

            ptc, pc, classes, nextmove, row, output = _arrays()
            # Normalised probabilities, so that MIN_CONFIDENCE means the same for any length.
            _identifier = LanguageIdentifier(
                ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row
            )
        return _identifier


# The model's parts as py3langid's loader returns them. Its state machine indexes the two
# state tables item by item; a memoryview of the mapped file does that as its stdlib arrays do.
_PARTS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


def _arrays() -> tuple:
    cached = _cache_dir()
    damaged = (OSError, ValueError, EOFError)
    with contextlib.suppress(*damaged):
        return _from_numpy(*(np.load(cached / f"{name}.npy", mmap_mode="r") for name in _PARTS))
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    parts = load_model(MODEL_DIR / MODEL_FILE)
    with contextlib.suppress(OSError):  # no cache (a read-only home): decompress every time
        _save(cached, parts)
    return parts


def _from_numpy(ptc, pc, classes, nextmove, row, output) -> tuple:  # type: ignore[no-untyped-def]
    return (
        ptc,
        np.array(pc),
        classes.tolist(),
        _items(nextmove),
        _items(row),
        output.tolist(),
    )


def _items(values: np.ndarray) -> memoryview:
    """The unsigned items of a mapped table, indexable as py3langid's stdlib arrays are."""
    code = next(c for c in "BHIL" if np.dtype(c).itemsize == values.dtype.itemsize)
    return memoryview(values).cast("B").cast(code)


def _save(folder: Path, parts: tuple) -> None:
    """Written in a temporary folder, then renamed: a reader sees the whole model or none."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    ptc, pc, classes, nextmove, row, output = parts
    arrays = {
        "ptc": ptc,
        "pc": pc,
        "classes": np.array(classes),
        "nextmove": np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"),
        "nextmove_row": np.frombuffer(row, dtype=f"u{row.itemsize}"),
        "out_feat": np.asarray(output),
    }
    tmp = Path(tempfile.mkdtemp(prefix=".langid-", dir=folder.parent))
    try:
        for name, values in arrays.items():
            np.save(tmp / f"{name}.npy", values)
        shutil.rmtree(folder, ignore_errors=True)  # a damaged copy
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # left when another process renamed first
    for old in folder.parent.glob("langid-*.npz"):  # the single-file copy of earlier versions
        with contextlib.suppress(OSError):
            old.unlink()


def _cache_dir() -> Path:
    return cache_folder() / f"langid-{importlib.metadata.version('py3langid')}"
