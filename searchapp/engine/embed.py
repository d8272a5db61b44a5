"""The sentence-embedding model: WordLlama's static token vectors, shipped inside its wheel.

A paragraph's vector is the mean of its tokens' vectors (what WordLlama computes), normalised
so that a dot product is the cosine. Chosen over MiniLM by measurement on this machine
(README, "Meaning-level search"): about 4,700 paragraphs per CPU-second against about 23, a
33 MB wheel and NumPy only (no torch, no ONNX runtime).

The weights and the tokenizer are read straight from the installed package's files with
`safetensors` and `tokenizers`, which is what WordLlama itself does: its own loader looks for
the tokenizer in a folder the wheel does not have and then downloads it from a model hub, and
importing it configures the root logger. Nothing is ever fetched: without the package the
model is simply absent and search stays lexical.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

PACKAGE = "wordllama"
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
# The model is trained so that its leading dimensions carry most of the meaning (Matryoshka):
# the first 64 of 256 ranked the relevance collections as well as all 256 (MRR@10 within
# 0.01 dense alone and fused), for a quarter of the memory and of the scan.
DIM = 64
MODEL_ID = f"wordllama-l2_supercat-{DIM}"
BATCH = 256  # texts tokenized at once: bounds memory on long paragraphs


class Embedder:
    """Texts to unit vectors (float32, `dim` wide)."""

    def __init__(self, root: Path) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        self.model_id = MODEL_ID
        self._tokenizer = Tokenizer.from_file(str(root / TOKENIZER))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        with safe_open(str(root / WEIGHTS), framework="np") as fh:
            table = fh.get_tensor("embedding.weight")[:, :DIM]
        self._table = np.ascontiguousarray(table, np.float32)
        self.dim = int(self._table.shape[1])
        self._lock = threading.Lock()  # a Tokenizer is not documented as thread-safe

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            with self._lock:
                batch = self._tokenizer.encode_batch(
                    texts[start : start + BATCH], add_special_tokens=False
                )
            for i, enc in enumerate(batch, start):
                ids = np.asarray(enc.ids, dtype=np.int64)
                if len(ids):
                    out[i] = self._table[np.clip(ids, 0, len(self._table) - 1)].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)


def package_root() -> Path | None:
    """The installed model package's folder, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    return root if (root / WEIGHTS).is_file() and (root / TOKENIZER).is_file() else None


@lru_cache(maxsize=1)
def load_embedder() -> Embedder | None:
    """The model, loaded once per process; None when its package is not installed."""
    root = package_root()
    return Embedder(root) if root is not None else None
