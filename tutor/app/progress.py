"""Progress handlers: one learner's mastery per concept, due reviews, the predicted score, the
recommendations with their reasons, and the path to a goal.

Permission: a learner sees only their own progress; an instructor may look at any learner. The check
is here, in the handler, so hiding a control in the UI is never the only guard.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.app.accounts import User, ensure_learner, require_self_or_instructor
from tutor.app.context import AppContext
from tutor.db import session_scope
from tutor.db.models import Learner, utcnow
from tutor.errors import UnknownLearnerError


@dataclass
class ProgressView:
    learner_id: str
    course: str
    rows: list[dict]  # one per concept: concept, title, mastery, attempts, correct, due
    due: list[dict]
    predicted_score: float  # expected share correct on one question per concept

    def table(self) -> list[list]:
        return [[r["title"], round(r["mastery"], 3), r["attempts"], r["correct"], r["due"] or ""] for r in self.rows]


def progress(ctx: AppContext, user: User, course: str, learner_id: str | None = None) -> ProgressView:
    from tutor.learners.concepts import ensure_course
    from tutor.learners.mastery import predict_correct
    from tutor.learners.state import load_state

    learner_id = learner_id or ensure_learner(user, ctx.settings)
    require_self_or_instructor(user, learner_id, "see another learner's progress")
    now = utcnow()
    with session_scope(ctx.settings) as session:
        if session.get(Learner, learner_id) is None:
            raise UnknownLearnerError(learner_id)
        graph = ensure_course(session, course, ctx.settings)
        state = load_state(session, learner_id, course, graph.order, now)
    rows, due = [], []
    for concept in graph.order:
        st = state.get(concept)
        is_due = st.due is not None and st.due <= now
        row = {"concept": concept, "title": graph.node(concept).title or concept, "mastery": st.mastery,
               "attempts": st.attempts, "correct": st.correct, "due": st.due.strftime("%Y-%m-%d %H:%M") if st.due else None}
        rows.append(row)
        if is_due:
            due.append(row)
    predicted = sum(predict_correct(state.get(c).mastery, state.get(c).params) for c in graph.order) / max(len(graph.order), 1)
    return ProgressView(learner_id, course, rows, due, predicted)


def recommendations(ctx: AppContext, user: User, course: str, k: int = 5) -> list[dict]:
    from tutor.learners.advice import next_activities

    learner_id = ensure_learner(user, ctx.settings)
    return [r.as_dict() for r in next_activities(learner_id, course, k=k, with_content=False, settings=ctx.settings)]


def path_to(ctx: AppContext, user: User, course: str, goal: str) -> list[dict]:
    from tutor.learners.advice import learning_path

    learner_id = ensure_learner(user, ctx.settings)
    _, steps = learning_path(learner_id, goal, course, settings=ctx.settings)
    return [{"concept": s.concept, "title": s.title, "mastery": round(s.mastery, 3), "needs": ", ".join(s.needs)} for s in steps]


def concepts(ctx: AppContext, course: str) -> list[tuple[str, str]]:
    """(title, id) pairs for a goal picker."""
    from tutor.learners.concepts import ensure_course

    with session_scope(ctx.settings) as session:
        graph = ensure_course(session, course, ctx.settings)
    return [(graph.node(c).title or c, c) for c in graph.order]
