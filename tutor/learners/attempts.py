"""Record a graded attempt exactly once, and move mastery (BKT) and the review card (FSRS) with it.

The caller sends an idempotency key per presented question (the UI makes one when it shows the
question, the CLI when it is run). The key is unique in the database: a second submit with the
same key returns the first attempt's result and changes nothing. This is the only code path that
changes mastery: the tutor's words never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutor.db.models import Attempt, MasteryState, ReviewCard, utcnow
from tutor.errors import InvalidInputError
from tutor.learners import schedule
from tutor.learners.concepts import load_graph
from tutor.learners.mastery import DEFAULT_PARAMS, is_correct, update
from tutor.learners.profiles import get_learner
from tutor.learners.state import load_params


@dataclass(frozen=True)
class AttemptResult:
    attempt_id: int
    duplicate: bool  # True when this key was already recorded: nothing changed
    concept: str
    mastery: float
    due: datetime | None


def record_attempt(
    session: Session,
    *,
    learner_id: str,
    course: str,
    concept: str,
    score: float,
    idempotency_key: str,
    item_id: str | None = None,
    answer: str = "",
    hints_used: int = 0,
    time_taken_s: float | None = None,
    now: datetime | None = None,
) -> AttemptResult:
    if not 0.0 <= score <= 1.0:
        raise InvalidInputError(f"A score must be between 0 and 1, got {score}.")
    if not idempotency_key:
        raise InvalidInputError("An attempt needs an idempotency key (one per presented question).")
    get_learner(session, learner_id)
    load_graph(session, course).node(concept)  # UnknownConceptError with the course's concepts
    existing = session.scalar(sa.select(Attempt).where(Attempt.idempotency_key == idempotency_key))
    if existing is not None:
        return _duplicate(session, existing, learner_id)
    now = now or utcnow()
    attempt = Attempt(
        idempotency_key=idempotency_key,
        learner_id=learner_id,
        course=course,
        concept=concept,
        item_id=item_id,
        answer=answer,
        score=score,
        hints_used=hints_used,
        time_taken_s=time_taken_s,
        created_at=now,
    )
    try:
        # No savepoint here: pysqlite opens no transaction before a SAVEPOINT, so releasing it COMMITS the
        # attempt on its own, and a crash before the mastery update below would leave a half attempt
        # (found by tests/hardening: kill -9 inside this function). Losing a race with a concurrent submit
        # of the same key therefore rolls back the whole session, which holds nothing else of ours yet.
        session.add(attempt)
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = session.scalar(sa.select(Attempt).where(Attempt.idempotency_key == idempotency_key))
        if existing is None:
            raise
        return _duplicate(session, existing, learner_id)

    params = load_params(session, course).get(concept, DEFAULT_PARAMS)
    correct = is_correct(score, hints_used)  # "partly" and hinted answers are no clean correct
    state = session.get(MasteryState, (learner_id, course, concept))
    if state is None:
        state = MasteryState(learner_id=learner_id, course=course, concept=concept, p_mastery=params.p_init, attempts=0, correct=0)
        session.add(state)
    state.p_mastery = update(state.p_mastery, correct, params)
    state.attempts += 1
    state.correct += int(correct)
    state.updated_at = now

    row = session.get(ReviewCard, (learner_id, course, concept))
    card = schedule.review(schedule.from_dict(row.card) if row else None, schedule.rating_for(score, hints_used, time_taken_s), now)
    if row is None:
        row = ReviewCard(learner_id=learner_id, course=course, concept=concept, card={}, due=card.due)
        session.add(row)
    row.card, row.due, row.updated_at = schedule.to_dict(card), card.due, now
    session.flush()
    return AttemptResult(attempt.id, False, concept, state.p_mastery, card.due)


def _duplicate(session: Session, existing: Attempt, learner_id: str) -> AttemptResult:
    if existing.learner_id != learner_id:
        raise InvalidInputError("This idempotency key was already used by another learner's attempt; make one key per question shown.")
    state = session.get(MasteryState, (existing.learner_id, existing.course, existing.concept))
    card = session.get(ReviewCard, (existing.learner_id, existing.course, existing.concept))
    return AttemptResult(existing.id, True, existing.concept, state.p_mastery if state else 0.0, card.due if card else None)
