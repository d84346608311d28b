"""Spaced repetition with FSRS: one card per (learner, concept), reviewed on every graded attempt.

The grade comes from the attempt: wrong -> Again, right with hints or a partial score -> Hard,
right -> Good, right quickly with nothing missed -> Easy. Shortcuts: no learning steps (a concept
is practised in sessions, not minutes apart, so a card goes straight to day-scale intervals), and
no fuzzing (the same history gives the same due date, which tests and the simulator rely on).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from fsrs import Card, Rating, Scheduler

EASY_SECONDS = 20.0  # a fully right answer this fast, with no hints, counts as Easy


@lru_cache(maxsize=1)
def scheduler() -> Scheduler:
    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


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
