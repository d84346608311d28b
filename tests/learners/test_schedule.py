"""FSRS scheduling as the learner sees it: a missed concept comes back sooner than a passed one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fsrs import Rating

from tutor.learners import schedule

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("score", "hints", "seconds", "rating"),
    [(0.0, 0, None, Rating.Again), (0.4, 0, 5, Rating.Again), (1.0, 1, None, Rating.Hard), (0.7, 0, None, Rating.Hard),
     (1.0, 0, None, Rating.Good), (1.0, 0, 60, Rating.Good), (1.0, 0, 10, Rating.Easy)],
)
def test_rating_from_attempt(score, hints, seconds, rating):
    assert schedule.rating_for(score, hints, seconds) == rating


def test_failed_concept_is_due_sooner_than_passed_one():
    passed = schedule.review(None, Rating.Good, NOW)
    failed = schedule.review(None, Rating.Again, NOW)
    assert NOW < failed.due < passed.due


def test_intervals_grow_with_successful_reviews_and_shrink_after_a_lapse():
    card = schedule.review(None, Rating.Good, NOW)
    first = card.due - NOW
    card2 = schedule.review(card, Rating.Good, card.due)
    assert card2.due - card.due > first
    lapsed = schedule.review(card2, Rating.Again, card2.due)
    assert lapsed.due - card2.due < card2.due - card.due
    assert schedule.retrievability(card2, card2.due + timedelta(days=30)) < schedule.retrievability(card2, card2.due)


def test_card_round_trips_through_json_dict():
    card = schedule.review(None, Rating.Good, NOW)
    again = schedule.from_dict(schedule.to_dict(card))
    assert again.due == card.due and again.stability == card.stability


def test_a_concept_just_failed_comes_back_within_the_same_session():
    new_missed = schedule.review(None, Rating.Again, NOW)
    assert new_missed.due - NOW == timedelta(minutes=10)
    learnt = schedule.review(schedule.review(None, Rating.Good, NOW), Rating.Good, NOW + timedelta(days=3))
    assert learnt.due - (NOW + timedelta(days=3)) > timedelta(days=1)  # graduated: day-scale intervals
    lapsed = schedule.review(learnt, Rating.Again, learnt.due)
    assert lapsed.due - learnt.due == timedelta(minutes=10)  # relearning step, not tomorrow
    retried = schedule.review(lapsed, Rating.Good, lapsed.due)
    assert retried.due - lapsed.due >= timedelta(days=1)  # right on the retry: back to day-scale


@pytest.mark.parametrize(("seconds", "words"), [
    (600, "in 10 minutes"), (59, "in under a minute"), (60, "in 1 minute"), (2700, "in 45 minutes"),
    (3590, "in 1 hour"), (5 * 3600, "in 5 hours"), (3 * 86400, "in 3 days"), (86400 + 600, "in 1 day"),
    (45 * 86400, "in 2 months"), (400 * 86400, "in 1 year"), (0, "now"), (-30, "now"), (-2 * 86400, "now (due 2 days ago)"),
])
def test_next_review_in_words(seconds, words):
    assert schedule.in_words(NOW + timedelta(seconds=seconds), NOW) == words


def test_the_cli_says_when_a_missed_concept_comes_back(learner, course):
    from typer.testing import CliRunner

    from tutor.cli import app

    out = CliRunner().invoke(app, ["learner", "record", learner, "-c", course, "--concept", "basics", "--score", "0"],
                             catch_exceptions=False).output
    assert "next review in 10 minutes (" in out
    shown = CliRunner().invoke(app, ["learner", "show", learner, "-c", course], catch_exceptions=False).output
    assert "in 10 minutes" in shown or "in 9 minutes" in shown
