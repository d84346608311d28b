"""Compare two runs of one suite: per-metric means, delta (B - A) with a paired bootstrap 95% interval,
and the cases whose verdict changed, side by side.

The bootstrap resamples case ids (the ones both runs scored for that metric) with replacement, 2,000
times with a fixed seed, and takes the 2.5th and 97.5th percentiles of the mean difference. Pairing
by id removes the spread between easy and hard cases from the interval. An interval that excludes 0
is marked as a real change; with few cases the interval is wide, which is the honest answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.errors import EvalRunError
from tutor.evaluation.results import Run

RESAMPLES = 2000
SEED = 0


@dataclass
class MetricDelta:
    name: str
    a: float | None
    b: float | None
    delta: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def significant(self) -> bool:
        return self.low is not None and (self.low > 0 or self.high < 0)


def bootstrap_interval(diffs: list[float], resamples: int = RESAMPLES, seed: int = SEED) -> tuple[float, float]:
    """95% percentile interval of the mean of paired differences."""
    values = np.asarray(diffs, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(resamples, len(values)))
    means = values[idx].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def metric_deltas(a: Run, b: Run) -> list[MetricDelta]:
    out = []
    for name in [n for n in a.metric_names() if n in b.metric_names()]:
        va, vb = a.per_case(name), b.per_case(name)
        common = sorted(set(va) & set(vb))
        mean_a = sum(va.values()) / len(va) if va else None
        mean_b = sum(vb.values()) / len(vb) if vb else None
        if not common:
            out.append(MetricDelta(name, mean_a, mean_b, None, None, None, 0))
            continue
        diffs = [vb[i] - va[i] for i in common]
        low, high = bootstrap_interval(diffs)
        out.append(MetricDelta(name, mean_a, mean_b, sum(diffs) / len(diffs), low, high, len(common)))
    return out


def changed_verdicts(a: Run, b: Run) -> list[dict]:
    """Cases that passed in one run and failed in the other, with both outputs."""
    va, vb = a.verdicts(), b.verdicts()
    first = {c.id: c for c in a.cases if c.repeat == 0}
    second = {c.id: c for c in b.cases if c.repeat == 0}
    return [
        {"id": i, "a_passed": va[i], "b_passed": vb[i], "inputs": first[i].inputs, "a": first[i], "b": second[i]}
        for i in sorted(set(va) & set(vb)) if va[i] != vb[i]
    ]


def compare(a: Run, b: Run) -> dict:
    if a.header.suite != b.header.suite:
        raise EvalRunError(f"Runs of different suites ('{a.header.suite}' vs '{b.header.suite}') do not join by case id.")
    deltas = metric_deltas(a, b)
    return {"a": a.id, "b": b.id, "metrics": deltas, "changed": changed_verdicts(a, b)}
