"""Hybrid retrieval: dense (whole passage and best sentence) and lexical (BM25) evidence fused by relative scores.

Dense search finds paraphrases ("stop a loop early" -> `break`); BM25 finds exact terms a small
embedding model blurs (function names, error names). Each passage found by either is scored by both:
its dense score blends the cosine of its whole text with that of its best-matching sentence (a
chunk of a reference manual holds several facts, a question asks about one), then the dense and BM25
scores are min-max normalised over the candidates and summed with the weights below.

The weights come from leave-one-set-out cross-validation over the three dev sets (our demo course,
the PostgreSQL tutorial, the Bash manual; `python benchmarks/retrieval.py --cv`): every fold picks
0.5-0.6 for the best sentence. For BM25 the folds pick 0.05-0.2, which helps our own demo course
and costs the Bash manual (its informal questions share few words with a reference manual's): the
held-out MRR@10 averaged over the folds is higher at 0, so BM25 gets no weight in the score. It
still brings its candidates: a passage only BM25 finds is scored by its dense evidence too. This class is the one retrieval API:
the CLI, the chat, the generators and the evals all call `Retriever.search`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from tutor.config import Settings, get_settings
from tutor.errors import InvalidInputError
from tutor.retrieval.documents import Passage
from tutor.retrieval.embeddings import Embedder, get_embedder
from tutor.retrieval.lexical import LexicalCache, LexicalIndex
from tutor.retrieval.store import VectorStore, open_store

Mode = Literal["hybrid", "dense", "lexical"]
SENTENCE_WEIGHT = 0.6  # share of a passage's dense score that comes from its best sentence
LEXICAL_WEIGHT = 0.0  # share of the fused score from BM25 (see the module docstring for why 0)
MIN_CANDIDATES = 30


@dataclass(frozen=True)
class Ranking:
    """How evidence is weighed. The defaults are what the dev sets chose; the benchmark tries others."""

    sentence_weight: float = SENTENCE_WEIGHT
    lexical_weight: float = LEXICAL_WEIGHT
    questions: bool = True  # a chunk's best written question competes with its best sentence (when it has any)


@dataclass
class Candidates:
    """Everything one query found, before ranking: passages by id, and each method's raw scores."""

    passages: dict[str, Passage] = field(default_factory=dict)
    dense: dict[str, float] = field(default_factory=dict)  # cosine of the whole passage
    sentence: dict[str, float] = field(default_factory=dict)  # cosine of the best sentence, where known
    question: dict[str, float] = field(default_factory=dict)  # cosine of the best question written for it, where any
    lexical: dict[str, float] = field(default_factory=dict)  # BM25
    dense_order: list[str] = field(default_factory=list)  # ids the vector index returned, nearest first


def minmax(scores: dict[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {doc: (score - low) / span if span > 0 else 1.0 for doc, score in scores.items()}


def relative_score_fusion(
    dense: list[tuple[str, float]], lexical: list[tuple[str, float]], dense_weight: float = 0.5
) -> list[tuple[str, float]]:
    """Fuse two scored candidate lists: min-max normalise each, then a weighted sum (missing = 0)."""
    d, l = minmax(dict(dense)), minmax(dict(lexical))
    fused = {doc: dense_weight * d.get(doc, 0.0) + (1 - dense_weight) * l.get(doc, 0.0) for doc in d.keys() | l.keys()}
    # Ties (rare) break by id so the order is deterministic across runs.
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def best_part(found: Candidates, i: str, ranking: Ranking) -> float:
    """The cosine of the passage's best sentence, or of its best written question when that is higher
    (a question the model wrote is one more short text the passage answers); the whole passage's without either."""
    best = found.sentence.get(i, found.dense[i])
    if ranking.questions and i in found.question:
        best = max(best, found.question[i])
    return best


def rank(found: Candidates, mode: Mode = "hybrid", ranking: Ranking | None = None) -> list[tuple[str, float]]:
    """(id, score) best first: the candidates weighed as `mode` and `ranking` say."""
    ranking = ranking or Ranking()
    if mode == "lexical":
        return sorted(found.lexical.items(), key=lambda item: (-item[1], item[0]))
    ids = found.dense_order if mode == "dense" else list(found.passages)
    w = ranking.sentence_weight
    dense = {i: (1 - w) * found.dense[i] + w * best_part(found, i, ranking) for i in ids if i in found.dense}
    if mode == "dense":
        return sorted(dense.items(), key=lambda item: (-item[1], item[0]))
    d, l = minmax(dense), minmax(found.lexical)
    wl = ranking.lexical_weight
    fused = {i: (1 - wl) * d.get(i, 0.0) + wl * l.get(i, 0.0) for i in d.keys() | l.keys()}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


class Retriever:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None, store: VectorStore | None = None):
        self.settings = settings or get_settings()
        self.embedder = embedder or get_embedder(self.settings.embedding_model)
        self.store = store or open_store(self.settings)
        self.lexical = LexicalCache(self.settings.cache_dir / "bm25")

    def collection(self, course: str):
        return self.store.collection(course, self.embedder.name, self.embedder.dimension)

    def lexical_index(self, course: str, collection=None) -> LexicalIndex:
        collection = collection or self.collection(course)

        def rows():
            for passage in self.store.rows(collection):
                yield passage.id, passage.embedding_text()

        return self.lexical.get(course, self.store.revision(collection), rows)

    def embed_query(self, query: str) -> np.ndarray:
        """The question's vector: embed it once per turn and pass it to `search(vector=...)`."""
        return self.embedder.embed([query])[0]

    def candidates(self, query: str, course: str, n: int = MIN_CANDIDATES, mode: Mode = "hybrid", vector=None) -> Candidates:
        """What dense and/or BM25 search find for the query, each passage with every score it has."""
        collection = self.collection(course)
        found = Candidates()
        dim = self.embedder.dimension
        if mode in ("hybrid", "dense"):
            qvec = np.asarray(vector if vector is not None else self.embed_query(query), dtype=np.float32)
            for passage in self.store.nearest(collection, qvec.tolist(), n, dim=dim):
                found.passages[passage.id] = passage
                found.dense_order.append(passage.id)
        if mode in ("hybrid", "lexical"):
            found.lexical = dict(self.lexical_index(course, collection).search(query, n))
            missing = [i for i in found.lexical if i not in found.passages]
            found.passages.update(self.store.get(collection, missing, dim=dim if mode == "hybrid" else 0))
            found.lexical = {i: s for i, s in found.lexical.items() if i in found.passages}
        if mode in ("hybrid", "dense"):
            for passage in found.passages.values():
                if passage.embedding is not None:
                    found.dense[passage.id] = float(np.dot(np.asarray(passage.embedding, dtype=np.float32), qvec))
                if passage.sentence_embeddings is not None:
                    found.sentence[passage.id] = float(np.max(passage.sentence_embeddings @ qvec))
                if passage.question_embeddings is not None:
                    found.question[passage.id] = float(np.max(passage.question_embeddings @ qvec))
        return found

    def search(
        self, query: str, course: str, k: int = 5, mode: Mode = "hybrid", vector=None, ranking: Ranking | None = None
    ) -> list[Passage]:
        """The k best passages for the query, scored; `vector` is the query's embedding when the caller has it."""
        query = (query or "").strip()
        if not query:
            raise InvalidInputError("The search query is empty.")
        if k < 1:
            raise InvalidInputError("k must be at least 1.")
        found = self.candidates(query, course, max(MIN_CANDIDATES, 4 * k), mode, vector)
        ranked = rank(found, mode, ranking)[:k]
        return [found.passages[i].model_copy(update={"score": score}) for i, score in ranked]
