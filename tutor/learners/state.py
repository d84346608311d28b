"""Read a learner's standing in a course from the database into plain values.

`LearnerState` is what the recommender and path planner reason over; the simulator builds the same
object in memory, so the policy it benchmarks is the policy the CLI runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tutor.db.models import Attempt, BktParameters, MasteryState, ReviewCard
from tutor.learners import schedule
from tutor.learners.mastery import DEFAULT_PARAMS, BktParams, is_correct
from tutor.learners.profiles import get_learner

RECENT = 5  # answers remembered per concept for the `why` text


@dataclass
class ConceptState:
    mastery: float
    attempts: int = 0
    correct: int = 0
    recent: list[bool] = field(default_factory=list)  # newest last
    due: datetime | None = None
    retrievability: float | None = None
    params: BktParams = DEFAULT_PARAMS

    @property
    def seen(self) -> bool:
        return self.attempts > 0


@dataclass
class LearnerState:
    learner_id: str
    now: datetime
    concepts: dict[str, ConceptState]
    goals: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)

    def get(self, concept: str) -> ConceptState:
        return self.concepts[concept]


def load_params(session: Session, course: str) -> dict[str, BktParams]:
    rows = session.scalars(sa.select(BktParameters).where(BktParameters.course == course))
    return {
        r.concept: BktParams(p_init=r.p_init, p_learn=r.p_learn, p_guess=r.p_guess, p_slip=r.p_slip, p_forget=r.p_forget)
        for r in rows
    }


def load_state(session: Session, learner_id: str, course: str, concepts: list[str], now: datetime) -> LearnerState:
    learner = get_learner(session, learner_id)
    params = load_params(session, course)
    states = {c: ConceptState(mastery=params.get(c, DEFAULT_PARAMS).p_init, params=params.get(c, DEFAULT_PARAMS)) for c in concepts}
    owned = lambda model: sa.select(model).where(model.learner_id == learner_id, model.course == course)  # noqa: E731
    for row in session.scalars(owned(MasteryState)):
        if row.concept in states:
            st = states[row.concept]
            st.mastery, st.attempts, st.correct = row.p_mastery, row.attempts, row.correct
    for row in session.scalars(owned(ReviewCard)):
        if row.concept in states:
            card = schedule.from_dict(row.card)
            states[row.concept].due = row.due
            states[row.concept].retrievability = schedule.retrievability(card, now)
    for row in session.scalars(owned(Attempt).order_by(Attempt.created_at, Attempt.id)):
        if row.concept in states:
            recent = states[row.concept].recent
            recent.append(is_correct(row.score, row.hints_used))
            del recent[:-RECENT]
    return LearnerState(learner_id, now, states, goals=list(learner.goals), interests=list(learner.interests))
