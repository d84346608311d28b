"""An embedder that remembers each text's vector for the length of one exercise batch.

Writing a batch embeds the same texts again and again: the verifier embeds every earlier item's question
for each new candidate (the duplicate check), and the wrong options of every offered fact embed the course's
terms of the key's kind. On the demo course, 6 slots with a model that never writes spent 190 of 200 seconds
in the embedder under load; each text is embedded once now.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


class RememberingEmbedder:
    def __init__(self, embedder):
        self.embedder = embedder
        self.name = getattr(embedder, "name", "")
        self.dimension = getattr(embedder, "dimension", 0)
        self._vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.embedder.embed(missing, batch_size=batch_size)))
        if not texts:
            return self.embedder.embed([])
        return np.stack([self._vectors[text] for text in texts])

    def count_tokens(self, text: str) -> int:
        return self.embedder.count_tokens(text)
