"""Attempts are recorded exactly once; a learner's data exports completely and deletes completely."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tutor.db import session_scope
from tutor.db.models import Attempt, Event, Feedback, Learner, MasteryState, ReviewCard
from tutor.errors import LearnerExistsError, UnknownConceptError, UnknownLearnerError
from tutor.learners.attempts import record_attempt
from tutor.learners.mastery import DEFAULT_PARAMS, update
from tutor.learners.profiles import OWNED, create_learner, delete_learner, export_learner

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def _attempt(learner, concept="basics", score=1.0, key="k1", now=NOW, **kw):
    with session_scope() as session:
        return record_attempt(session, learner_id=learner, course="mini", concept=concept, score=score,
                              idempotency_key=key, now=now, **kw)


def test_attempt_moves_mastery_by_one_bkt_step_and_schedules_a_review(learner):
    result = _attempt(learner, score=1.0)
    assert not result.duplicate
    assert result.mastery == pytest.approx(update(DEFAULT_PARAMS.p_init, True, DEFAULT_PARAMS))
    assert result.due > NOW


def test_double_submitted_attempt_is_recorded_once(learner):
    first = _attempt(learner, score=1.0, key="same")
    second = _attempt(learner, score=1.0, key="same", now=NOW + timedelta(seconds=1))
    assert second.duplicate and second.attempt_id == first.attempt_id
    assert second.mastery == first.mastery and second.due == first.due
    with session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1
        assert session.get(MasteryState, (learner, "mini", "basics")).attempts == 1


def test_unknown_learner_and_concept_are_clear_errors(learner):
    with pytest.raises(UnknownLearnerError, match="Unknown learner 'bob'"):
        _attempt("bob")
    with pytest.raises(UnknownConceptError, match="Unknown concept 'recursion' in course 'mini'.*basics"):
        _attempt(learner, concept="recursion")


def test_creating_a_learner_twice_is_refused(learner):
    with pytest.raises(LearnerExistsError):
        with session_scope() as session:
            create_learner(session, learner)


def _fill(learner):
    _attempt(learner, key="a1")
    _attempt(learner, concept="variables", score=0.0, key="a2")
    with session_scope() as session:
        session.add(Event(learner_id=learner, course="mini", kind="view", payload={"section": "Basics"}))
        session.add(Feedback(learner_id=learner, target_kind="message", target_id="m1", rating=1))


def test_export_contains_every_table_the_learner_owns(learner):
    _fill(learner)
    with session_scope() as session:
        data = json.loads(json.dumps(export_learner(session, learner)))  # must be JSON-serialisable
    assert data["learner"]["display_name"] == "Ada" and data["learner"]["goals"] == ["functions"]
    assert {m.__tablename__ for m in OWNED} <= set(data)
    assert len(data["attempts"]) == 2 and len(data["mastery"]) == 2 and len(data["cards"]) == 2
    assert data["events"][0]["payload"] == {"section": "Basics"} and data["feedback"][0]["rating"] == 1


def test_delete_removes_every_row_about_the_learner_and_nobody_else(learner):
    with session_scope() as session:
        create_learner(session, "bo")
    _fill(learner)
    _attempt("bo", key="b1")
    with session_scope() as session:
        counts = delete_learner(session, learner)
    assert counts["attempts"] == 2 and counts["learners"] == 1
    with session_scope() as session:
        assert session.get(Learner, learner) is None
        for model in (Attempt, MasteryState, ReviewCard, Event, Feedback):
            assert session.scalar(sa.select(sa.func.count()).select_from(model).where(model.learner_id == learner)) == 0
        # every table with a learner_id column is covered by export/delete
        assert {t.name for t in Learner.metadata.sorted_tables if "learner_id" in t.c} == {m.__tablename__ for m in OWNED}
        assert session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1  # bo's attempt stays
    with pytest.raises(UnknownLearnerError):
        with session_scope() as session:
            export_learner(session, learner)
