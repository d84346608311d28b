"""Metric functions: each takes plain data and returns a `Score` (a value and the reason for it).

A value of None means "does not apply to this case" (for example a misconception match on an answer
labelled correct); aggregates skip those instead of counting them as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Score:
    value: float | None
    reason: str = ""

    def as_json(self) -> dict:
        return {"value": self.value, "reason": self.reason}


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that apply (None when none does)."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def share(flags: Iterable[bool], what: str) -> Score:
    """The share of true flags, with a reason that counts them (None for an empty list)."""
    flags = list(flags)
    if not flags:
        return Score(None, f"no {what} to judge")
    hits = sum(bool(f) for f in flags)
    return Score(hits / len(flags), f"{hits}/{len(flags)} {what}")
