"""Hybrid retrieval: dense (embeddings in Chroma) and lexical (BM25) rankings fused by RRF.

Dense search finds paraphrases ("stop a loop early" -> `break`); BM25 finds exact terms a small
embedding model blurs (function names, error names). Reciprocal rank fusion needs no score
calibration between the two. This class is the one retrieval API: the CLI, the chat, the generators
and the evals all call `Retriever.search`.
"""

from __future__ import annotations

from typing import Literal

from tutor.config import Settings, get_settings
from tutor.errors import TutorError
from tutor.retrieval.documents import Passage, embedding_text
from tutor.retrieval.embeddings import Embedder, get_embedder
from tutor.retrieval.lexical import LexicalCache, LexicalIndex
from tutor.retrieval.store import VectorStore, open_store

Mode = Literal["hybrid", "dense", "lexical"]
RRF_K = 60  # the constant from Cormack et al. (2009); not tuned on our dev set
MIN_CANDIDATES = 30


def rrf(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(d) = sum over rankings of 1 / (k + rank(d)), ranks from 1."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


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
            raise TutorError("The search query is empty.")
        if k < 1:
            raise TutorError("k must be at least 1.")
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
            ranked = rrf([[i for i, *_ in dense], [i for i, _ in lexical]])
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
