"""Spaced repetition with FSRS: one card per (learner, concept), reviewed on every graded attempt.

The grade comes from the attempt: wrong -> Again, right with hints or a partial score -> Hard,
right -> Good, right quickly with nothing missed -> Easy. Learning and relearning steps are minutes:
a concept missed the first time, or missed after it had graduated to day-scale reviews, is due again
10 minutes later, so it comes back within the same session; a right answer on a new concept
graduates straight to FSRS's day-scale intervals (one learning step). No fuzzing (the same history
gives the same due date, which tests and the simulator rely on). `in_words` says when a review is due
the way a person would ("in 10 minutes", "in 3 days").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from fsrs import Card, Rating, Scheduler

EASY_SECONDS = 20.0  # a fully right answer this fast, with no hints, counts as Easy
LEARNING_STEPS = (timedelta(minutes=10),)  # a new concept answered wrong comes back in 10 minutes
RELEARNING_STEPS = (timedelta(minutes=10),)  # so does a learnt one that lapsed


@lru_cache(maxsize=1)
def scheduler() -> Scheduler:
    return Scheduler(learning_steps=LEARNING_STEPS, relearning_steps=RELEARNING_STEPS, enable_fuzzing=False)


def rating_for(score: float, hints_used: int = 0, time_taken_s: float | None = None) -> Rating:
    if score < 0.5:
        return Rating.Again
    if hints_used > 0 or score < 0.9:
        return Rating.Hard
    if time_taken_s is not None and time_taken_s <= EASY_SECONDS:
        return Rating.Easy
    return Rating.Good


def new_card(now: datetime) -> Card:
    return Card(due=now)


def review(card: Card | None, rating: Rating, now: datetime) -> Card:
    """The card after a review at `now` (a new card when the concept was never reviewed)."""
    card = card if card is not None else new_card(now)
    reviewed, _log = scheduler().review_card(card, rating, review_datetime=now)
    return reviewed


def retrievability(card: Card, now: datetime) -> float:
    return float(scheduler().get_card_retrievability(card, current_datetime=now))


def to_dict(card: Card) -> dict:
    return card.to_dict()


def from_dict(data: dict) -> Card:
    return Card.from_dict(data)


_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))


def _amount(seconds: float) -> str:
    """The largest unit the span nearly fills (59.9 minutes reads as 1 hour), rounded."""
    for name, size in _UNITS:
        if seconds >= 0.97 * size or name == "minute":
            n = max(1, round(seconds / size))
            return f"{n} {name}{'s' if n != 1 else ''}"
    raise AssertionError("unreachable")


def in_words(due: datetime | None, now: datetime) -> str:
    """When a review is due, in words: "now", "in 10 minutes", "in 3 days", "now (due 2 days ago)"."""
    if due is None:
        return "not scheduled yet"
    seconds = (due - now).total_seconds()
    if seconds <= 0:
        late = -seconds
        return "now" if late < 60 else f"now (due {_amount(late)} ago)"
    if seconds < 60:
        return "in under a minute"
    return f"in {_amount(seconds)}"
