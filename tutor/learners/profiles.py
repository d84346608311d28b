"""Learner profiles: create, read, update, export everything about a learner as JSON, delete it all.

Export and delete walk the same list of learner-owned tables (`OWNED`), so a table added later
is either in both or in neither; tests/learners/test_profiles.py checks no learner row survives.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tutor.db.models import Attempt, Event, Feedback, Learner, MasteryState, ReviewCard
from tutor.errors import InvalidInputError, LearnerExistsError, UnknownLearnerError

# Every table with a learner_id column, in the order they are deleted (children before the learner).
OWNED = (Attempt, MasteryState, ReviewCard, Event, Feedback)
LEARNER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
LEVELS = ("beginner", "intermediate", "advanced")


def _check_id(learner_id: str) -> str:
    if not LEARNER_ID.match(learner_id or ""):
        raise InvalidInputError(
            f"Invalid learner id '{learner_id}': use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit."
        )
    return learner_id


def create_learner(
    session: Session,
    learner_id: str,
    *,
    display_name: str | None = None,
    level: str = "beginner",
    goals: list[str] | None = None,
    interests: list[str] | None = None,
    language: str = "en",
    preferences: dict[str, Any] | None = None,
) -> Learner:
    _check_id(learner_id)
    if level not in LEVELS:
        raise InvalidInputError(f"Unknown level '{level}': use one of {', '.join(LEVELS)}.")
    if session.get(Learner, learner_id) is not None:
        raise LearnerExistsError(learner_id)
    learner = Learner(
        id=learner_id,
        display_name=display_name or learner_id,
        level=level,
        goals=list(goals or []),
        interests=list(interests or []),
        language=language,
        preferences=dict(preferences or {}),
    )
    session.add(learner)
    session.flush()
    return learner


def get_learner(session: Session, learner_id: str) -> Learner:
    learner = session.get(Learner, learner_id)
    if learner is None:
        raise UnknownLearnerError(learner_id)
    return learner


def update_learner(session: Session, learner_id: str, **changes: Any) -> Learner:
    learner = get_learner(session, learner_id)
    allowed = {"display_name", "level", "goals", "interests", "language", "preferences"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInputError(f"Cannot change {', '.join(sorted(unknown))}: a profile has {', '.join(sorted(allowed))}.")
    for key, value in changes.items():
        if value is not None:
            setattr(learner, key, value)
    session.flush()
    return learner


def _row(obj) -> dict[str, Any]:
    out = {}
    for column in sa.inspect(obj).mapper.column_attrs:
        value = getattr(obj, column.key)
        out[column.key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def export_learner(session: Session, learner_id: str) -> dict[str, Any]:
    """Everything stored about one learner, as JSON-ready data (one list per table)."""
    learner = get_learner(session, learner_id)
    data: dict[str, Any] = {"format": "tutor-learner-export/1", "learner": _row(learner)}
    for model in OWNED:
        rows = session.scalars(sa.select(model).where(model.learner_id == learner_id))
        data[model.__tablename__] = [_row(row) for row in rows]
    return data


def delete_learner(session: Session, learner_id: str) -> dict[str, int]:
    """Delete the learner and every row that refers to them; returns rows deleted per table.

    Rows are deleted explicitly rather than relying on ON DELETE CASCADE, which SQLite only honours
    with the foreign_keys pragma on (another client of the same file may not set it).
    """
    learner = get_learner(session, learner_id)
    counts = {}
    for model in OWNED:
        result = session.execute(sa.delete(model).where(model.learner_id == learner_id))
        counts[model.__tablename__] = result.rowcount or 0
    session.delete(learner)
    session.flush()
    counts["learners"] = 1
    return counts


def list_learners(session: Session) -> list[Learner]:
    return list(session.scalars(sa.select(Learner).order_by(Learner.id)))
