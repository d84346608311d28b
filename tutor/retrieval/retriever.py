"""Hybrid retrieval: dense (embeddings in Chroma) and lexical (BM25) results fused by relative scores.

Dense search finds paraphrases ("stop a loop early" -> `break`); BM25 finds exact terms a small
embedding model blurs (function names, error names). Fusion: each method's scores over its own
candidates are min-max normalised to [0, 1] and averaged with equal weight (relative score fusion).
On the dev set it beat reciprocal rank fusion (k=60), which ignores how far apart scores are, on every
metric (benchmarks/retrieval.py); the equal weight is a prior, not tuned. This class is the one
retrieval API: the CLI, the chat, the generators and the evals all call `Retriever.search`.
"""

from __future__ import annotations

from typing import Literal

from tutor.config import Settings, get_settings
from tutor.errors import InvalidInputError
from tutor.retrieval.documents import Passage, embedding_text
from tutor.retrieval.embeddings import Embedder, get_embedder
from tutor.retrieval.lexical import LexicalCache, LexicalIndex
from tutor.retrieval.store import VectorStore, open_store

Mode = Literal["hybrid", "dense", "lexical"]
DENSE_WEIGHT = 0.5
MIN_CANDIDATES = 30


def relative_score_fusion(
    dense: list[tuple[str, float]], lexical: list[tuple[str, float]], dense_weight: float = DENSE_WEIGHT
) -> list[tuple[str, float]]:
    """Fuse two scored candidate lists: min-max normalise each, then a weighted sum (missing = 0)."""

    def normalised(results: list[tuple[str, float]]) -> dict[str, float]:
        if not results:
            return {}
        low, high = min(s for _, s in results), max(s for _, s in results)
        span = high - low
        return {doc: (score - low) / span if span > 0 else 1.0 for doc, score in results}

    d, l = normalised(dense), normalised(lexical)
    fused = {doc: dense_weight * d.get(doc, 0.0) + (1 - dense_weight) * l.get(doc, 0.0) for doc in d.keys() | l.keys()}
    # Ties (rare) break by id so the order is deterministic across runs.
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
            for chunk_id, text, meta in self.store.rows(collection):
                yield chunk_id, embedding_text(str(meta.get("section", "")), text)

        return self.lexical.get(course, self.store.revision(collection), rows)

    def search(self, query: str, course: str, k: int = 5, mode: Mode = "hybrid") -> list[Passage]:
        query = (query or "").strip()
        if not query:
            raise InvalidInputError("The search query is empty.")
        if k < 1:
            raise InvalidInputError("k must be at least 1.")
        collection = self.collection(course)
        n = max(MIN_CANDIDATES, 4 * k)
        dense: list[tuple[str, float, str, dict]] = []
        if mode in ("hybrid", "dense"):
            vector = self.embedder.embed([query])[0].tolist()
            dense = self.store.nearest(collection, vector, n)
        lexical: list[tuple[str, float]] = []
        if mode in ("hybrid", "lexical"):
            lexical = self.lexical_index(course, collection).search(query, n)

        if mode == "dense":
            ranked = [(i, s) for i, s, _, _ in dense]
        elif mode == "lexical":
            ranked = lexical
        else:
            ranked = relative_score_fusion([(i, s) for i, s, _, _ in dense], lexical)
        ranked = ranked[:k]

        rows = {i: (doc, meta) for i, _, doc, meta in dense}
        missing = [i for i, _ in ranked if i not in rows]
        rows.update(self.store.get(collection, missing))
        return [_passage(i, score, *rows[i], course=course) for i, score in ranked if i in rows]


def _passage(chunk_id: str, score: float, text: str, meta: dict, course: str) -> Passage:
    return Passage(
        id=chunk_id,
        text=text,
        course=course,
        source=str(meta.get("source", "")),
        section=str(meta.get("section", "")),
        page=meta.get("page"),
        concept=str(meta.get("concept", "")),
        score=score,
    )
