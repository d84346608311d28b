"""Retrieval: search each question and judge the ranking by the case's verbatim key phrases.

A passage is relevant when it contains one of the keys (case, whitespace and Markdown emphasis
ignored), as in benchmarks/retrieval.py. Params: k (default 10), mode (hybrid|dense|lexical).
"""

from __future__ import annotations

import re

from pydantic import Field

from tutor.evaluation.metrics.retrieval import hit_at_k, ndcg_at_k, reciprocal_rank
from tutor.evaluation.tasks.base import Case, Task


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_`]", "", text)).casefold().strip()


class RetrievalCase(Case):
    question: str = Field(min_length=1)
    keys: list[str] = Field(min_length=1)
    concept: str = ""


class RetrievalTask(Task):
    name = "retrieval"
    case_model = RetrievalCase
    verdict = ("hit@5", 1.0)

    def produce(self, case: dict, ctx) -> dict:
        k = int(ctx.params.get("k", 10))
        passages = ctx.retriever.search(case["question"], ctx.course, k=k, mode=ctx.params.get("mode", "hybrid"))
        return {"passages": [{"id": p.id, "section": p.section, "score": round(p.score, 4), "text": p.text} for p in passages]}

    def score(self, case: dict, outputs: dict, ctx) -> dict:
        keys = [_norm(k) for k in case["keys"]]
        relevance = [any(k in _norm(p["text"]) for k in keys) for p in outputs.get("passages", [])]
        return {
            "hit@1": hit_at_k(relevance, 1),
            "hit@5": hit_at_k(relevance, 5),
            "mrr@10": reciprocal_rank(relevance, 10),
            "ndcg@10": ndcg_at_k(relevance, 10),
        }
