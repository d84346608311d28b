"""Community tab: study partners only among opted-in learners, complementary in both directions,
shown by display name; discussion topics from class aggregates that name no one."""

from __future__ import annotations

import pytest

from tutor.services import community, progress
from tutor.services.accounts import User
from tutor.db import session_scope
from tutor.db.models import Learner, MasteryState
from tutor.errors import CommunityOptInError
from tutor.learners.mastery import MASTERY_THRESHOLD

HIGH, LOW = 0.95, 0.2
assert LOW < MASTERY_THRESHOLD <= HIGH


def _learner(ctx, name, display, mastery: dict[str, float], attempts=4, correct=None):
    """A learner with the given mastery per concept (as if they had practised), signed in as a User."""
    with session_scope(ctx.settings) as session:
        row = session.get(Learner, name)  # the users fixture already made ada's and bob's
        if row is None:
            session.add(Learner(id=name, display_name=display))
            session.flush()
        else:
            row.display_name = display
        for concept, p in mastery.items():
            right = correct if correct is not None else (attempts if p >= MASTERY_THRESHOLD else 1)
            session.merge(MasteryState(learner_id=name, course="py", concept=concept, p_mastery=p, attempts=attempts, correct=right))
    return User(name, ("learner",))


@pytest.fixture
def concepts(ctx, course):
    ids = [cid for _, cid in progress.concepts(ctx, course)]
    assert len(ids) == 2
    return ids


def test_a_learner_who_has_not_opted_in_is_never_shown(ctx, users, course, concepts):
    a, b = concepts
    ada = _learner(ctx, "ada", "Ada L.", {a: HIGH, b: LOW})
    bob = _learner(ctx, "bob", "Bob the Builder", {a: LOW, b: HIGH})  # the perfect complement, not opted in
    community.set_opt_in(ctx, ada, True)
    assert community.partners(ctx, ada, course) == []
    community.set_opt_in(ctx, bob, True)
    assert [p["name"] for p in community.partners(ctx, ada, course)] == ["Bob the Builder"]
    community.set_opt_in(ctx, bob, False)  # opting out hides him again at once
    assert community.partners(ctx, ada, course) == []


def test_seeing_partners_needs_your_own_opt_in(ctx, users, course, concepts):
    a, b = concepts
    ada = _learner(ctx, "ada", "Ada", {a: HIGH, b: LOW})
    bob = _learner(ctx, "bob", "Bob", {a: LOW, b: HIGH})
    community.set_opt_in(ctx, bob, True)
    assert not community.is_opted_in(ctx, ada)
    with pytest.raises(CommunityOptInError):
        community.partners(ctx, ada, course)
    with session_scope(ctx.settings) as session:  # stored in the profile, in the database
        assert session.get(Learner, "bob").preferences[community.OPT_IN_KEY] is True


def test_suggestions_are_complementary_both_ways_and_show_display_names_only(ctx, users, course, concepts):
    a, b = concepts
    titles = dict((cid, title) for title, cid in progress.concepts(ctx, course))
    ada = _learner(ctx, "ada", "Ada", {a: HIGH, b: LOW})
    people = [_learner(ctx, "bob", "Bob", {a: LOW, b: HIGH}),  # complements ada
              _learner(ctx, "cat", "Cat", {a: HIGH, b: LOW}),  # knows what ada knows: nothing to exchange
              _learner(ctx, "dan", "Dan", {a: HIGH, b: HIGH}),  # could help ada, but ada cannot help him
              _learner(ctx, "eve", "Eve", {})]  # nothing practised
    for user in [ada, *people]:
        community.set_opt_in(ctx, user, True)
    suggested = community.partners(ctx, ada, course)
    assert suggested == [{"name": "Bob", "they_help_with": [titles[b]], "you_help_with": [titles[a]]}]
    assert "bob" not in str(suggested)  # the display name, never the account id
    back = community.partners(ctx, people[0], course)  # the other way round: Ada and Cat both complement Bob
    assert back == [{"name": name, "they_help_with": [titles[a]], "you_help_with": [titles[b]]} for name in ("Ada", "Cat")]


def test_topics_are_the_hardest_concepts_of_the_class_and_name_no_one(ctx, users, course, concepts):
    a, b = concepts
    ada = _learner(ctx, "ada", "Ada", {a: 0.9, b: 0.3})
    others = [("bob", {a: 0.8, b: 0.2}), ("cat", {a: 0.7, b: 0.4}), ("dan", {a: 0.75, b: 0.33}), ("eve", {a: 0.85, b: 0.27})]
    for name, mastery in others:
        _learner(ctx, name, name.title(), mastery)
    # Ada plus four others: an average over the four, minus nothing of hers, would still come close to
    # describing them; the default minimum is five OTHER learners.
    assert community.topics(ctx, ada, course) == []
    _learner(ctx, "fay", "Fay", {a: 0.8, b: 0.3}, attempts=5, correct=1)
    found = community.topics(ctx, ada, course)
    assert [t["concept"] for t in found] == [b, a]  # lowest mean mastery first
    assert found[0]["mean_mastery"] == 0.3  # mean of the five others (0.3), in steps of 0.1
    assert not any(name in str(found) for name in ("ada", "Ada", "bob", "Bob", "cat", "Cat", "fay", "Fay"))


def test_a_learner_cannot_infer_classmates_from_the_class_figures(ctx, users, course, concepts):
    """Her own numbers are not in what she sees (nothing to subtract), and one classmate's change moves a
    shown figure by at most one published step."""
    a, b = concepts
    ada = _learner(ctx, "ada", "Ada", {a: 0.1, b: 0.1})
    for name in ("bob", "cat", "dan", "eve", "fay"):
        _learner(ctx, name, name.title(), {a: 0.6, b: 0.6})
    before = community.topics(ctx, ada, course)
    _learner(ctx, "ada", "Ada", {a: 0.99, b: 0.99})  # her own mastery changes: the figures she sees do not
    assert community.topics(ctx, ada, course) == before
    assert all(round(t["mean_mastery"] * 10, 6).is_integer() and round(t["missed"] * 10, 6).is_integer() for t in before)
    _learner(ctx, "bob", "Bob", {a: 0.65, b: 0.65})  # a classmate's small change is not visible at all
    assert community.topics(ctx, ada, course) == before
    # Below the minimum group (a smaller class), nothing is shown at all.
    small = ctx.settings.model_copy(update={"class_min_group": 6})
    ctx_small = type(ctx)(small)
    ctx_small.__dict__["retriever"] = ctx.retriever
    assert community.topics(ctx_small, ada, course) == []
