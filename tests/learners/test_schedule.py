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
