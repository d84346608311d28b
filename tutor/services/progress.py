"""Progress handlers: one learner's mastery per concept, due reviews, the predicted score, the
recommendations with their reasons, and the path to a goal.

Permission: a learner sees only their own progress; an instructor may look at any learner. The check
is here, in the handler, so hiding a control in the UI is never the only guard.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.services.accounts import User, ensure_learner, require_self_or_instructor
from tutor.services.context import ServiceContext
from tutor.db import session_scope
from tutor.db.models import Learner, utcnow
from tutor.errors import NotFoundError, UnknownLearnerError


@dataclass
class ProgressView:
    learner_id: str
    course: str
    rows: list[dict]  # one per concept: concept, title, mastery, attempts, correct, due
    due: list[dict]
    predicted_score: float  # expected share correct on one question per concept

    def table(self) -> list[list]:
        return [[r["title"], round(r["mastery"], 3), r["attempts"], r["correct"], r["next_review"] or ""] for r in self.rows]


def progress(ctx: ServiceContext, user: User, course: str, learner_id: str | None = None) -> ProgressView:
    from tutor.learners.concepts import ensure_course
    from tutor.learners.mastery import predict_correct
    from tutor.learners.schedule import in_words
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
               "attempts": st.attempts, "correct": st.correct, "due": st.due.strftime("%Y-%m-%d %H:%M") if st.due else None,
               "next_review": in_words(st.due, now) if st.due else None}
        rows.append(row)
        if is_due:
            due.append(row)
    predicted = sum(predict_correct(state.get(c).mastery, state.get(c).params) for c in graph.order) / max(len(graph.order), 1)
    return ProgressView(learner_id, course, rows, due, predicted)


def recommendations(ctx: ServiceContext, user: User, course: str, k: int = 5) -> list[dict]:
    """The learner's next activities; each carries `event_id`, the logged list it was shown in, so a
    thumbs up/down (rate_recommendation) points at exactly what was shown."""
    import sqlalchemy as sa

    from tutor.db.models import Event
    from tutor.services.advice import next_activities

    learner_id = ensure_learner(user, ctx.settings)
    recs = [r.as_dict() for r in next_activities(learner_id, course, k=k, with_content=False, settings=ctx.settings)]
    with session_scope(ctx.settings) as session:
        # next_activities logs the list it returns as this learner's newest 'recommendation' event.
        event_id = session.scalar(sa.select(sa.func.max(Event.id)).where(
            Event.learner_id == learner_id, Event.course == course, Event.kind == "recommendation"))
    return [r | {"event_id": event_id} for r in recs]


def rate_recommendation(ctx: ServiceContext, user: User, rec: dict, liked: bool) -> str:
    """Thumbs up/down on one shown recommendation (a dict from `recommendations`), one rating per
    learner, list and concept. No prompt writes a recommendation, so the prompt fields stay empty and
    the comment names the model behind its predicted success (BKT or the KT model)."""
    from tutor.db.models import Event
    from tutor.errors import PermissionDeniedError
    from tutor.learners.feedback import rate

    learner_id = ensure_learner(user, ctx.settings)
    concept, event_id = rec.get("concept"), rec.get("event_id")
    with session_scope(ctx.settings) as session:
        event = session.get(Event, event_id) if event_id is not None else None
        if event is None or event.kind != "recommendation" or concept not in (event.payload or {}).get("concepts", []):
            raise NotFoundError("That recommendation was not shown: press Refresh and rate one from the list.")
        if event.learner_id != learner_id:
            raise PermissionDeniedError(user.name, "rate another learner's recommendations", "a learner rates only their own")
        model = (rec.get("predicted_success") or {}).get("model", "?")
        rate(session, learner_id, "recommendation", f"{event_id}:{concept}", 1 if liked else -1,
             comment=f"{rec.get('kind', '?')} {concept}; predicted by {model}")
    return f"Thanks: your {'thumbs up' if liked else 'thumbs down'} on '{rec.get('title', concept)}' was stored."


def path_to(ctx: ServiceContext, user: User, course: str, goal: str) -> list[dict]:
    from tutor.services.advice import learning_path

    learner_id = ensure_learner(user, ctx.settings)
    _, steps = learning_path(learner_id, goal, course, settings=ctx.settings)
    return [{"concept": s.concept, "title": s.title, "mastery": round(s.mastery, 3), "needs": ", ".join(s.needs)} for s in steps]


def concepts(ctx: ServiceContext, course: str) -> list[tuple[str, str]]:
    """(title, id) pairs for a goal picker."""
    from tutor.learners.concepts import ensure_course

    with session_scope(ctx.settings) as session:
        graph = ensure_course(session, course, ctx.settings)
    return [(graph.node(c).title or c, c) for c in graph.order]
