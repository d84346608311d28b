"""The instructor's view of offline evals: the newest run of every suite, one row each.

Reads the run files `tutor eval run` writes under TUTOR_HOME (tutor.evaluation.results); nothing is
computed here, so the app shows exactly what the evaluator's CLI printed.
"""

from __future__ import annotations

from tutor.app.accounts import User, require_instructor
from tutor.app.context import AppContext

COLUMNS = ["suite", "run", "model", "prompt", "started", "metrics", "below threshold"]


def latest_runs(ctx: AppContext, user: User) -> list[dict]:
    require_instructor(user, "see eval results")
    from tutor.evaluation.results import latest_summaries

    rows = []
    for summary in latest_summaries(ctx.settings.home):
        metrics = ", ".join(f"{name} {value:.3f}" for name, value in summary["metrics"].items() if isinstance(value, (int, float)))
        rows.append(
            {
                "suite": summary["suite"],
                "run": summary["run_id"],
                "model": summary["model"] or "",
                "prompt": summary["prompt"] or "",
                "started": summary["started"] or "",
                "metrics": metrics,
                "below threshold": ", ".join(summary["failed"]) or "none",
            }
        )
    return rows
