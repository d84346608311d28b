"""Thumbs up/down on a recommendation: stored through feedback.rate against the logged list it was
shown in, one rating per learner and recommendation, and only by the learner it was shown to."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tutor.services import progress
from tutor.db import session_scope
from tutor.db.models import Feedback
from tutor.errors import PermissionDeniedError, TutorError


def _feedback(ctx):
    with session_scope(ctx.settings) as session:
        return [(f.learner_id, f.target_kind, f.target_id, f.rating, f.prompt_id, f.comment)
                for f in session.scalars(sa.select(Feedback).order_by(Feedback.id))]


def test_rating_a_recommendation_is_stored_once_with_the_model_behind_it(ctx, users, course):
    recs = progress.recommendations(ctx, users["ada"], course)
    first = recs[0]
    assert first["event_id"] is not None and all(r["event_id"] == first["event_id"] for r in recs)
    progress.rate_recommendation(ctx, users["ada"], first, liked=True)
    progress.rate_recommendation(ctx, users["ada"], first, liked=False)  # changed her mind: replaces
    model = first["predicted_success"]["model"]
    assert _feedback(ctx) == [("ada", "recommendation", f"{first['event_id']}:{first['concept']}", -1, None,
                               f"{first['kind']} {first['concept']}; predicted by {model}")]


def test_another_learner_cannot_rate_what_was_shown_to_ada(ctx, users, course):
    rec = progress.recommendations(ctx, users["ada"], course)[0]
    with pytest.raises(PermissionDeniedError):
        progress.rate_recommendation(ctx, users["bob"], rec, liked=False)
    assert _feedback(ctx) == []


def test_a_concept_that_was_not_in_the_shown_list_cannot_be_rated(ctx, users, course):
    rec = progress.recommendations(ctx, users["ada"], course, k=1)[0]
    with pytest.raises(TutorError, match="not shown"):
        progress.rate_recommendation(ctx, users["ada"], rec | {"concept": "not-a-concept"}, liked=True)
    with pytest.raises(TutorError, match="not shown"):
        progress.rate_recommendation(ctx, users["ada"], rec | {"event_id": None}, liked=True)
