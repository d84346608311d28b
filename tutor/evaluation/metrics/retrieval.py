"""Ranking metrics over one ranked list of relevance flags (True = the passage holds a key phrase).

Binary relevance, as in the retrieval dev set. Shortcut for nDCG: the ideal ranking is the retrieved
list's own relevant passages moved to the top (we do not know how many relevant chunks the whole course
holds), so nDCG measures the order of what was found, and hit@k says whether anything was found.
"""

from __future__ import annotations

import math
from typing import Sequence

from tutor.evaluation.metrics import Score


def first_relevant(relevance: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant passage, or None."""
    return next((rank for rank, rel in enumerate(relevance, 1) if rel), None)


def hit_at_k(relevance: Sequence[bool], k: int) -> Score:
    rank = first_relevant(relevance[:k])
    return Score(1.0 if rank else 0.0, f"first key at rank {rank}" if rank else f"no key in the top {k}")


def reciprocal_rank(relevance: Sequence[bool], k: int = 10) -> Score:
    rank = first_relevant(relevance[:k])
    return Score(1.0 / rank if rank else 0.0, f"first key at rank {rank}" if rank else f"no key in the top {k}")


def ndcg_at_k(relevance: Sequence[bool], k: int = 10) -> Score:
    gains = [1.0 if rel else 0.0 for rel in relevance[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(gains, reverse=True)
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    if idcg == 0:
        return Score(0.0, f"no relevant passage in the top {k}")
    return Score(dcg / idcg, f"{int(sum(gains))} relevant in the top {k}")
