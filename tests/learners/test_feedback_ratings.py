"""Thumbs up/down and the event log: stored once per target, tied to the prompt, exported and deleted."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tutor.db import session_scope
from tutor.db.models import Event, Feedback
from tutor.errors import FeedbackError, UnknownLearnerError
from tutor.learners.feedback import log_event, rate, ratings_of
from tutor.learners.profiles import create_learner, delete_learner, export_learner


def test_rating_again_replaces_the_first_rating(learner):
    with session_scope() as session:
        rate(session, learner, "message", "m1", +1, prompt_id="explain", prompt_version="2")
    with session_scope() as session:
        rate(session, learner, "message", "m1", -1, comment="too long", prompt_id="explain", prompt_version="3")
    with session_scope() as session:
        assert ratings_of(session, "message", "m1") == (0, 1)  # the learner changed their mind: one vote, down
        row = session.scalar(sa.select(Feedback))
        assert (row.rating, row.comment, row.prompt_id, row.prompt_version) == (-1, "too long", "explain", "3")


def test_votes_of_different_learners_and_targets_all_count(learner):
    with session_scope() as session:
        create_learner(session, "bo")
        rate(session, learner, "recommendation", "r7", +1)
        rate(session, "bo", "recommendation", "r7", +1)
        rate(session, "bo", "item", "r7", -1)  # same id, other kind: another target
        assert ratings_of(session, "recommendation", "r7") == (2, 0)
        assert ratings_of(session, "item", "r7") == (0, 1)


def test_a_second_rating_row_for_the_same_target_is_refused_by_the_database(learner):
    with session_scope() as session:
        rate(session, learner, "item", "i1", 1)
    with pytest.raises(sa.exc.IntegrityError):
        with session_scope() as session:
            session.add(Feedback(learner_id=learner, target_kind="item", target_id="i1", rating=-1))


@pytest.mark.parametrize("kind, target, rating, message", [
    ("video", "x", 1, "rate one of message, recommendation, item"),
    ("message", "m1", 5, "+1 (thumbs up) or -1"),
    ("message", "m1", 0, "+1 (thumbs up) or -1"),
    ("message", "", 1, "needs the id"),
])
def test_bad_ratings_say_what_is_allowed(learner, kind, target, rating, message):
    with pytest.raises(FeedbackError, match=message.replace("+", r"\+").replace("(", r"\(").replace(")", r"\)")):
        with session_scope() as session:
            rate(session, learner, kind, target, rating)


def test_unknown_learner_cannot_rate_or_log(course):
    with pytest.raises(UnknownLearnerError):
        with session_scope() as session:
            rate(session, "nobody", "message", "m1", 1)
    with pytest.raises(UnknownLearnerError):
        with session_scope() as session:
            log_event(session, "nobody", "view", {})


def test_events_append_in_order_and_reject_non_json_payloads(learner):
    with session_scope() as session:
        log_event(session, learner, "view", {"section": "Loops"}, course="mini")
        log_event(session, learner, "time_on_task", {"seconds": 95})
    with session_scope() as session:
        rows = session.scalars(sa.select(Event).order_by(Event.id)).all()
        assert [(e.kind, e.payload, e.course) for e in rows] == [("view", {"section": "Loops"}, "mini"),
                                                                 ("time_on_task", {"seconds": 95}, None)]
    with pytest.raises(FeedbackError, match="JSON data"):
        with session_scope() as session:
            log_event(session, learner, "chat_turn", {"when": object()})
    with pytest.raises(FeedbackError, match="event kind"):
        with session_scope() as session:
            log_event(session, learner, "", {})


def test_ratings_and_events_are_exported_and_deleted_with_the_learner(learner):
    with session_scope() as session:
        create_learner(session, "bo")
        rate(session, learner, "message", "m1", -1, prompt_id="hint", prompt_version="1", comment="unclear")
        log_event(session, learner, "chat_turn", {"turn": 1})
        rate(session, "bo", "message", "m1", 1)
    with session_scope() as session:
        data = json.loads(json.dumps(export_learner(session, learner)))
    assert [(f["rating"], f["prompt_id"], f["prompt_version"], f["comment"]) for f in data["feedback"]] == [(-1, "hint", "1", "unclear")]
    assert [e["payload"] for e in data["events"]] == [{"turn": 1}]
    with session_scope() as session:
        counts = delete_learner(session, learner)
    assert counts["feedback"] == 1 and counts["events"] == 1
    with session_scope() as session:
        assert ratings_of(session, "message", "m1") == (1, 0)  # bo's vote stays
