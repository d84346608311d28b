"""Community tab (learners): opt-in study partners and class discussion topics.

Privacy rules, enforced here and not in the UI:
- A learner appears as someone's partner only after opting in (`community_opt_in` in their profile
  preferences, stored in the learners table). Seeing partners needs the same opt-in, because a
  partner list is reciprocal: whoever you see can see you.
- A partner is shown by display name only, with the concepts each could help the other with.
- Discussion topics are class aggregates that never name anyone, computed over the OTHER learners
  only (so the viewer cannot subtract their own numbers out), shown only for concepts at least
  TUTOR_CLASS_MIN_GROUP (default 5) other learners have practised, and published in steps of 0.1:
  with three learners one could take the class mean, remove their own value and read the other two's
  average; with five others and coarse steps, one learner moves a shown figure by one step at most.

"Complementary" is thresholded, so it can be said in words: they master (p >= MASTERY_THRESHOLD)
concepts you do not, AND you master concepts they do not. Both sets must be non-empty; partners are
ranked by the smaller set, so the exchange goes both ways. A concept never practised counts as not
mastered (no evidence), which is the shortcut: a cautious prior rather than the BKT p_init.
"""

from __future__ import annotations

import sqlalchemy as sa

from tutor.services.accounts import User, ensure_learner
from tutor.services.context import ServiceContext
from tutor.db import session_scope
from tutor.db.models import Learner, MasteryState
from tutor.errors import CommunityOptInError

OPT_IN_KEY = "community_opt_in"
STEP = 0.1  # published precision of class figures (mean mastery, share missed)
PARTNERS = 3
TOPICS = 3


def set_opt_in(ctx: ServiceContext, user: User, on: bool) -> str:
    learner_id = ensure_learner(user, ctx.settings)
    with session_scope(ctx.settings) as session:
        learner = session.get(Learner, learner_id)
        # A new dict, so SQLAlchemy sees the JSON column change.
        learner.preferences = dict(learner.preferences or {}) | {OPT_IN_KEY: bool(on)}
    return ("You are visible to other opted-in learners as a study partner." if on
            else "You are no longer shown to other learners.")


def is_opted_in(ctx: ServiceContext, user: User) -> bool:
    learner_id = ensure_learner(user, ctx.settings)
    with session_scope(ctx.settings) as session:
        return bool((session.get(Learner, learner_id).preferences or {}).get(OPT_IN_KEY))


def _mastered(session, course: str, threshold: float) -> dict[str, set[str]]:
    rows = session.execute(sa.select(MasteryState.learner_id, MasteryState.concept)
                           .where(MasteryState.course == course, MasteryState.p_mastery >= threshold)).all()
    out: dict[str, set[str]] = {}
    for learner_id, concept in rows:
        out.setdefault(learner_id, set()).add(concept)
    return out


def partners(ctx: ServiceContext, user: User, course: str, k: int = PARTNERS) -> list[dict]:
    """Opted-in learners whose mastery complements the user's, best exchange first."""
    from tutor.learners.concepts import ensure_course
    from tutor.learners.mastery import MASTERY_THRESHOLD

    learner_id = ensure_learner(user, ctx.settings)
    with session_scope(ctx.settings) as session:
        me = session.get(Learner, learner_id)
        if not (me.preferences or {}).get(OPT_IN_KEY):
            raise CommunityOptInError(user.name)
        graph = ensure_course(session, course, ctx.settings)
        others = {l.id: l.display_name for l in session.scalars(sa.select(Learner).where(Learner.id != learner_id))
                  if (l.preferences or {}).get(OPT_IN_KEY)}
        mastered = _mastered(session, course, MASTERY_THRESHOLD)
    mine = mastered.get(learner_id, set())
    title = lambda c: graph.node(c).title or c if c in graph.concepts else c  # noqa: E731
    found = []
    for other, name in others.items():
        theirs = mastered.get(other, set())
        they_help, you_help = theirs - mine, mine - theirs
        if they_help and you_help:
            found.append((min(len(they_help), len(you_help)), len(they_help) + len(you_help), name, they_help, you_help))
    found.sort(key=lambda f: (-f[0], -f[1], f[2]))
    return [{"name": name, "they_help_with": sorted(map(title, they)), "you_help_with": sorted(map(title, you))}
            for _, _, name, they, you in found[:k]]


def _coarse(value: float) -> float:
    return round(round(value / STEP) * STEP, 2)


def topics(ctx: ServiceContext, user: User, course: str, k: int = TOPICS) -> list[dict]:
    """Concepts the rest of the class finds hardest (lowest mean mastery, then most answers missed); no names."""
    from tutor.learners.concepts import ensure_course

    learner_id = ensure_learner(user, ctx.settings)
    min_group = ctx.settings.class_min_group
    with session_scope(ctx.settings) as session:
        graph = ensure_course(session, course, ctx.settings)
        rows = session.execute(
            sa.select(MasteryState.concept, sa.func.avg(MasteryState.p_mastery), sa.func.count(),
                      sa.func.sum(MasteryState.attempts), sa.func.sum(MasteryState.correct))
            .where(MasteryState.course == course, MasteryState.attempts > 0, MasteryState.learner_id != learner_id)
            .group_by(MasteryState.concept)
        ).all()
    found = []
    for concept, mean, learners, attempts, correct in rows:
        if learners < min_group or concept not in graph.concepts:
            continue
        missed = 1 - (correct or 0) / attempts if attempts else 0.0
        found.append({"concept": concept, "title": graph.node(concept).title or concept, "mean_mastery": _coarse(float(mean)),
                      "missed": _coarse(missed)})
    found.sort(key=lambda t: (t["mean_mastery"], -t["missed"], t["concept"]))
    return found[:k]
