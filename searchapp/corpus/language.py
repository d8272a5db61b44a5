"""The language of a text, with py3langid (a maintained fork of langid.py).

py3langid ships its model (a naive Bayes classifier over byte n-grams, 97 languages) inside
the package, needs only NumPy and classifies a few kilobytes in about a millisecond. The
model is loaded once, on the first call (0.4 s), so commands that never read a document do
not pay for it. Only the start of a text is looked at: its language does not change halfway.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

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
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            # Normalised probabilities, so that MIN_CONFIDENCE means the same for any length.
            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier
