"""Instructors see the latest eval run of every suite in the Class tab; learners do not."""

from __future__ import annotations

import json

import pytest

from tutor.services import analytics
from tutor.errors import PermissionDeniedError
from tutor.evaluation.results import runs_dir


def write_run(home, suite, run_id, started, hit5, failed):
    folder = runs_dir(home) / suite
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        {"type": "run", "run_id": run_id, "suite": suite, "started": started, "model_name": "smollm2", "prompt_id": "explain", "prompt_version": 2},
        {"type": "case", "id": "r001", "repeat": 0, "metrics": {"hit@5": {"value": hit5, "reason": "test"}}, "passed": hit5 > 0.5},
        {"type": "summary", "metrics": {"hit@5": {"value": hit5}}, "failed": failed},
    ]
    (folder / f"{run_id}.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")


def test_instructor_sees_the_newest_run_of_each_suite(ctx, users):
    home = ctx.settings.home
    write_run(home, "retrieval", "retrieval-20261101-000000-000-smollm2-v2", "2026-11-01T00:00:00", 0.80, ["hit@5"])
    write_run(home, "retrieval", "retrieval-20261120-000000-000-smollm2-v2", "2026-11-20T00:00:00", 0.97, [])
    (row,) = analytics.latest_runs(ctx, users["teacher"])
    assert row["run"] == "retrieval-20261120-000000-000-smollm2-v2"
    assert row["metrics"] == "hit@5 0.970" and row["below threshold"] == "none"
    assert row["prompt"] == "explain v2" and row["model"] == "smollm2"


def test_learners_may_not_see_eval_results(ctx, users):
    with pytest.raises(PermissionDeniedError):
        analytics.latest_runs(ctx, users["ada"])
