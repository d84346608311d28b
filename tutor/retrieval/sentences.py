"""A passage's sentences and their vectors, kept with the passage so search can score its best sentence.

Why: a 256-token chunk of a reference manual holds several facts; its one vector is an average that
matches none of them well, while a learner's question is about one. Scoring a chunk by its
best-matching sentence as well as its whole text lifted hit@1 on both dev sets (benchmarks/retrieval.py).
The vectors are computed at ingest (the encoder's cost) and stored in the chunk's metadata as int8
(384 bytes a sentence, cosine error about 1e-3), so a query pays one decode and a small matrix
product for its candidates, and no second index or query.
"""

from __future__ import annotations

import base64
import re

import numpy as np

MAX_SENTENCES = 24  # a chunk of 256 tokens rarely holds more; the cap bounds metadata size
MIN_WORDS = 4
_SPLIT = re.compile(r"(?<=[.!?:])\s+|\n\s*\n")
METADATA_KEY = "sentence_vectors"
QUESTIONS_KEY = "question_vectors"  # the learner questions written for a chunk (tutor.retrieval.questions)


def passage_sentences(text: str) -> list[str]:
    """The sentences (and blank-line separated blocks) of a passage worth a vector of their own."""
    pieces = [" ".join(piece.split()) for piece in _SPLIT.split(text or "")]
    return [piece for piece in pieces if len(piece.split()) >= MIN_WORDS][:MAX_SENTENCES]


def encode_vectors(vectors: np.ndarray) -> str:
    """L2-normalised float rows as int8 (scaled by 127), base64: a Chroma metadata value is a scalar."""
    if vectors is None or len(vectors) == 0:
        return ""
    quantised = np.clip(np.rint(np.asarray(vectors, dtype=np.float32) * 127.0), -127, 127).astype(np.int8)
    return base64.b64encode(quantised.tobytes()).decode("ascii")


def decode_vectors(encoded: str | None, dim: int) -> np.ndarray | None:
    """The rows `encode_vectors` wrote, as float32; None when there are none (or they do not fit `dim`)."""
    if not encoded:
        return None
    try:
        raw = np.frombuffer(base64.b64decode(encoded), dtype=np.int8)
    except (ValueError, TypeError):
        return None
    if dim <= 0 or raw.size % dim:
        return None
    return raw.reshape(-1, dim).astype(np.float32) / 127.0


def sentence_vectors(embedder, texts: list[str], batch_size: int = 64) -> list[np.ndarray | None]:
    """For each passage text, the vectors of its sentences (None for a passage with none), in one encoder pass."""
    return grouped_vectors(embedder, [passage_sentences(text) for text in texts], batch_size)


def grouped_vectors(embedder, groups: list[list[str]], batch_size: int = 64) -> list[np.ndarray | None]:
    """For each group of short texts, their vectors as one array (None for an empty group), in one encoder pass."""
    flat = [text for group in groups for text in group]
    if not flat:
        return [None] * len(groups)
    vectors = embedder.embed(flat, batch_size=batch_size)
    out: list[np.ndarray | None] = []
    start = 0
    for group in groups:
        out.append(vectors[start : start + len(group)] if group else None)
        start += len(group)
    return out
