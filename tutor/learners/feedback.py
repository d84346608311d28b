"""Write a learner's feedback ratings and their event log (views, chat turns, time on task, ...).

`rate` stores a thumbs up/down on a tutor message, a recommendation or an exercise item, with the
prompt id and version that produced it, so ratings join back to prompts in evaluations. A learner has
one rating per target: rating again replaces the earlier one (a unique index backs this up).
`log_event` appends one event. Both tables are learner-owned, so export and delete cover them
(profiles.OWNED). Shortcuts: the target is not checked to exist (messages live in other logs);
event payloads must be JSON-ready dicts, checked here rather than failing at commit.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutor.db.models import Event, Feedback, utcnow
from tutor.errors import FeedbackError
from tutor.learners.profiles import get_learner

TARGET_KINDS = ("message", "recommendation", "item")
RATINGS = (1, -1)
MAX_KIND = 40  # the events.kind column


def rate(
    session: Session,
    learner_id: str,
    target_kind: str,
    target_id: str,
    rating: int,
    prompt_id: str | None = None,
    prompt_version: str | None = None,
    comment: str | None = None,
) -> Feedback:
    """Store (or replace) this learner's rating of one target; returns the stored row."""
    if target_kind not in TARGET_KINDS:
        raise FeedbackError(f"Cannot rate a '{target_kind}': rate one of {', '.join(TARGET_KINDS)}.")
    if rating not in RATINGS or isinstance(rating, bool):
        raise FeedbackError(f"A rating is +1 (thumbs up) or -1 (thumbs down), not {rating!r}.")
    if not str(target_id or "").strip():
        raise FeedbackError(f"A rating needs the id of the {target_kind} it is about.")
    get_learner(session, learner_id)
    values = {"rating": int(rating), "comment": comment or "", "prompt_id": prompt_id,
              "prompt_version": prompt_version, "created_at": utcnow()}
    row = _existing(session, learner_id, target_kind, target_id)
    if row is None:
        try:
            # A savepoint: if another request inserted the same rating meanwhile, the unique index
            # refuses ours and we update theirs instead of failing the whole transaction.
            with session.begin_nested():
                row = Feedback(learner_id=learner_id, target_kind=target_kind, target_id=target_id, **values)
                session.add(row)
            return row
        except IntegrityError:
            row = _existing(session, learner_id, target_kind, target_id)
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return row


def _existing(session: Session, learner_id: str, target_kind: str, target_id: str) -> Feedback | None:
    return session.scalar(sa.select(Feedback).where(Feedback.learner_id == learner_id, Feedback.target_kind == target_kind,
                                                    Feedback.target_id == target_id))


def ratings_of(session: Session, target_kind: str, target_id: str) -> tuple[int, int]:
    """(thumbs up, thumbs down) on one target, one vote per learner."""
    rows = session.execute(sa.select(Feedback.rating, sa.func.count()).where(
        Feedback.target_kind == target_kind, Feedback.target_id == target_id).group_by(Feedback.rating)).all()
    counts = dict(rows)
    return counts.get(1, 0), counts.get(-1, 0)


def log_event(session: Session, learner_id: str, kind: str, payload: dict[str, Any] | None = None, *,
              course: str | None = None) -> Event:
    """Append one event (e.g. kind='view', payload={'section': ...}) to the learner's log."""
    if not kind or len(kind) > MAX_KIND:
        raise FeedbackError(f"An event kind is 1-{MAX_KIND} characters, e.g. 'view' or 'chat_turn'; got {kind!r}.")
    payload = dict(payload or {})
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise FeedbackError(f"The payload of a '{kind}' event must be JSON data (strings, numbers, lists, dicts): {exc}") from exc
    get_learner(session, learner_id)
    event = Event(learner_id=learner_id, course=course, kind=kind, payload=payload)
    session.add(event)
    session.flush()
    return event
