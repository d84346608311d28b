"""What helped learners with a similar record breaks ties in the recommender, once enough of them exist."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tutor.db import session_scope
from tutor.services.advice import next_activities
from tutor.learners.attempts import record_attempt
from tutor.learners.collaborative import MIN_LEARNERS, Signal, signals, transitions
from tutor.learners.concepts import ConceptNode, CourseGraph
from tutor.learners.mastery import DEFAULT_PARAMS
from tutor.learners.profiles import create_learner
from tutor.learners.recommender import recommend
from tutor.learners.state import ConceptState, LearnerState

from mini_course import OUTLINE

START = datetime(2025, 2, 1, 9, 0, tzinfo=timezone.utc)
AFTER = START + timedelta(hours=109)  # just after the newcomer's last attempt: no review due yet
FOUNDATION = [("basics", True)] * 4 + [("variables", True)] * 4  # masters both (BKT defaults)
# Peers who, after the foundation, got strings right every time but kept missing loops.
PEER = FOUNDATION + [("strings", True)] * 3 + [("loops", False)] * 3


def _record(learner: str, history, offset: int = 0) -> None:
    with session_scope() as session:
        create_learner(session, learner)
        for n, (concept, correct) in enumerate(history):
            record_attempt(session, learner_id=learner, course="mini", concept=concept, score=float(correct),
                           idempotency_key=f"{learner}-{n}", now=START + timedelta(hours=offset + n))


def _population(course, peers: int) -> None:
    for n in range(peers):
        _record(f"peer{n}", PEER, offset=n)
    _record("newcomer", FOUNDATION, offset=100)  # same foundation, neither loops nor strings yet


def test_without_enough_similar_learners_the_course_order_decides(course):
    _population(course, peers=MIN_LEARNERS - 1)
    recs = next_activities("newcomer", course, k=2, with_content=False, now=AFTER)
    assert [r.concept for r in recs] == ["loops", "strings"]
    assert not any("similar record" in r.why for r in recs)


def test_with_enough_similar_learners_what_helped_them_comes_first_and_why_says_so(course):
    _population(course, peers=MIN_LEARNERS + 1)
    recs = next_activities("newcomer", course, k=2, with_content=False, now=AFTER)
    assert [r.concept for r in recs] == ["strings", "loops"]
    assert f"learners with a similar record improved most by practising Strings ({MIN_LEARNERS + 1} of them)" in recs[0].why
    assert "similar record" not in recs[1].why  # loops was not lifted by the signal


def test_only_learners_whose_record_resembled_this_one_count():
    concepts = [o.id for o in OUTLINE]
    evidence = transitions({f"p{n}": PEER for n in range(8)}, concepts)
    like_the_peers = {c: DEFAULT_PARAMS.p_init for c in concepts} | {"basics": 0.99, "variables": 0.99}
    found = signals(like_the_peers, evidence, concepts)
    assert found["strings"].learners == 8 and found["strings"].gain > 0.2
    # Someone who knows only functions resembles no state the peers were in before practising strings.
    unlike = {c: 0.05 for c in concepts} | {"functions": 0.99}
    assert "strings" not in signals(unlike, evidence, concepts)
    # The learner's own history is never evidence for themselves.
    assert signals(like_the_peers, evidence, concepts, exclude="p0")["strings"].learners == 7


def _graph() -> CourseGraph:
    graph = CourseGraph("mini")
    for pos, o in enumerate(OUTLINE):
        graph.concepts[o.id] = ConceptNode(o.id, o.title, pos, tuple(o.prerequisites))
    return graph


def test_the_signal_never_outranks_prerequisites_due_reviews_or_lower_mastery():
    now = START + timedelta(days=30)
    concepts = {o.id: ConceptState(mastery=DEFAULT_PARAMS.p_init) for o in OUTLINE}
    state = LearnerState("ada", now, concepts)
    for c in ("basics", "variables"):
        st = state.get(c)
        st.mastery, st.attempts, st.correct, st.recent = 0.97, 4, 4, [True] * 4
    state.get("basics").due = now - timedelta(days=2)  # a due review
    state.get("strings").mastery = 0.4  # already started: higher mastery than loops
    huge = {c: Signal(c, 0.9, 50) for c in ("functions", "strings")}
    recs = recommend(_graph(), state, k=5, collaborative=huge)
    assert [r.concept for r in recs] == ["basics", "loops", "strings"]  # review, then lowest mastery; no functions
