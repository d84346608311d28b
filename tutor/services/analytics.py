"""Class analytics for instructors: the class dashboard (weakest concepts across learners, learners who
are stuck, items that are too hard or too easy, the feedback ratings) and the newest eval run of every suite.

"Stuck" = at least STUCK_ATTEMPTS attempts on a concept with mastery still below the mastery threshold.
Model calls are read from the one call log (tutor.llm.calllog): calls, failures, median latency and
tokens per prompt version and model, so an instructor sees what each prompt costs. Eval rows read the run files `tutor eval run` writes under TUTOR_HOME (tutor.evaluation.results); nothing
is computed here, so the app shows exactly what the evaluator's CLI printed.
"""

from __future__ import annotations

import sqlalchemy as sa

from tutor.services.accounts import User, require_instructor
from tutor.services.context import ServiceContext
from tutor.db import session_scope
from tutor.db.models import Attempt, Feedback, MasteryState

STUCK_ATTEMPTS = 3
ITEM_MIN_ATTEMPTS = 3
TOO_HARD, TOO_EASY = 0.3, 0.95


def dashboard(ctx: ServiceContext, user: User, course: str) -> dict:
    require_instructor(user, "see the class dashboard")
    from tutor.learners.mastery import MASTERY_THRESHOLD

    with session_scope(ctx.settings) as session:
        weakest = session.execute(
            sa.select(MasteryState.concept, sa.func.avg(MasteryState.p_mastery), sa.func.count(), sa.func.sum(MasteryState.attempts))
            .where(MasteryState.course == course).group_by(MasteryState.concept).order_by(sa.func.avg(MasteryState.p_mastery))
        ).all()
        stuck = session.execute(
            sa.select(MasteryState.learner_id, MasteryState.concept, MasteryState.p_mastery, MasteryState.attempts)
            .where(MasteryState.course == course, MasteryState.attempts >= STUCK_ATTEMPTS, MasteryState.p_mastery < MASTERY_THRESHOLD)
            .order_by(MasteryState.p_mastery)
        ).all()
        by_item = session.execute(
            sa.select(Attempt.item_id, sa.func.avg(Attempt.score), sa.func.count())
            .where(Attempt.course == course, Attempt.item_id.is_not(None)).group_by(Attempt.item_id)
        ).all()
        ratings = session.execute(sa.select(Feedback.target_kind, sa.func.sum(Feedback.rating), sa.func.count())
                                  .group_by(Feedback.target_kind)).all()
    return {
        "weakest": [{"concept": c, "mean_mastery": round(float(m), 3), "learners": int(n), "attempts": int(a or 0)} for c, m, n, a in weakest],
        "stuck": [{"learner": l, "concept": c, "mastery": round(float(m), 3), "attempts": int(a)} for l, c, m, a in stuck],
        "items": [{"item": i, "mean_score": round(float(s), 3), "attempts": int(n),
                   "flag": "too hard" if s < TOO_HARD else "too easy" if s > TOO_EASY else ""}
                  for i, s, n in by_item if n >= ITEM_MIN_ATTEMPTS],
        "ratings": [{"target": k, "net": int(s or 0), "count": int(n)} for k, s, n in ratings],
    }


EVAL_COLUMNS = ["suite", "run", "model", "prompt", "started", "metrics", "below threshold"]


def latest_runs(ctx: ServiceContext, user: User) -> list[dict]:
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


def model_calls(ctx: ServiceContext, user: User) -> list[dict]:
    """Every logged model call of this home, grouped by prompt id, version and model (most calls first)."""
    require_instructor(user, "see model calls")
    import statistics

    from tutor.llm.calllog import read_calls
    from tutor.llm.registry import CALL_LOG

    groups: dict[tuple, list[dict]] = {}
    for call in read_calls(ctx.settings.home / CALL_LOG):
        groups.setdefault((call.get("prompt_id") or "-", call.get("prompt_version"), call.get("model")), []).append(call)
    rows = []
    for (prompt_id, version, model), calls in groups.items():
        tokens = [(c.get("prompt_tokens") or 0) + (c.get("completion_tokens") or 0) for c in calls]
        rows.append({"prompt": f"{prompt_id} v{version}" if version is not None else prompt_id, "model": model, "calls": len(calls),
                     "failed": sum(not c.get("ok") for c in calls),
                     "p50_latency_s": round(statistics.median(c.get("latency_s") or 0.0 for c in calls), 3),
                     "mean_tokens": round(sum(tokens) / len(tokens), 1)})
    return sorted(rows, key=lambda r: (-r["calls"], r["prompt"]))
