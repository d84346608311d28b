"""The recommender's policy as a learner would notice it, and the `why` it gives."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tutor.db import session_scope
from tutor.db.items import save_item, set_item_status
from tutor.errors import UnknownConceptError
from tutor.learners.attempts import record_attempt
from tutor.learners.concepts import CourseGraph, ConceptNode, link, load_graph, sync_from_outline, unlink
from tutor.learners.mastery import DEFAULT_PARAMS
from tutor.learners.paths import plan_path
from tutor.learners.recommender import pick_item, recommend
from tutor.learners.state import ConceptState, LearnerState, load_state

from mini_course import OUTLINE

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
MASTERED = 0.97


def _graph() -> CourseGraph:
    graph = CourseGraph("mini")
    for pos, o in enumerate(OUTLINE):
        graph.concepts[o.id] = ConceptNode(o.id, o.title, pos, tuple(o.prerequisites))
    return graph


def _state(**mastery) -> LearnerState:
    concepts = {o.id: ConceptState(mastery=mastery.get(o.id, DEFAULT_PARAMS.p_init)) for o in OUTLINE}
    return LearnerState("ada", NOW, concepts)


def test_a_due_review_comes_first():
    state = _state(basics=MASTERED, variables=MASTERED, loops=0.5)
    review = state.get("basics")
    review.attempts, review.correct, review.recent = 3, 3, [True, True, True]
    review.due, review.retrievability = NOW - timedelta(days=2), 0.82
    recs = recommend(_graph(), state)
    assert recs[0].concept == "basics" and recs[0].kind == "review"
    assert "due for review 2 days ago" in recs[0].why and "82%" in recs[0].why


def test_never_recommends_a_concept_with_unmastered_prerequisites():
    graph = _graph()
    for mastery in [{}, {"basics": MASTERED}, {"basics": MASTERED, "variables": MASTERED, "loops": MASTERED},
                    {"basics": MASTERED, "variables": 0.9, "loops": MASTERED, "strings": MASTERED}]:
        state = _state(**mastery)
        for c in graph.order:  # even an overdue review of a concept whose prerequisite slipped is held back
            st = state.get(c)
            st.attempts, st.due, st.recent = 1, NOW - timedelta(days=1), [False]
        recs = recommend(graph, state, k=10)
        assert recs, mastery
        for rec in recs:
            assert all(state.get(p).mastery >= 0.95 for p in graph.prerequisites(rec.concept)), (mastery, rec.concept)


def test_lowest_mastery_first_and_goal_breaks_ties():
    state = _state(basics=MASTERED, variables=MASTERED, loops=0.6)
    recs = recommend(_graph(), state)
    assert [r.concept for r in recs] == ["strings", "loops"]
    tie = _state(basics=MASTERED, variables=MASTERED)
    assert [r.concept for r in recommend(_graph(), tie)] == ["loops", "strings"]  # course order
    tie.goals = ["strings"]
    assert recommend(_graph(), tie)[0].concept == "strings"
    assert "it is your goal" in recommend(_graph(), tie)[0].why
    tie.goals = []
    assert recommend(_graph(), tie, affinity={"strings": 0.9, "loops": 0.1})[0].concept == "strings"


def test_why_states_the_evidence():
    state = _state(basics=MASTERED, variables=MASTERED, loops=0.3)
    loops = state.get("loops")
    loops.attempts, loops.correct, loops.recent = 3, 1, [False, True, False]
    rec = next(r for r in recommend(_graph(), state) if r.concept == "loops")
    assert rec.kind == "practise"
    assert "2 of your last 3 answers on Loops were wrong or needed help" in rec.why
    assert "estimated mastery 30%" in rec.why and "its prerequisite variables is mastered" in rec.why
    new = next(r for r in recommend(_graph(), state) if r.concept == "strings")
    assert new.kind == "learn" and "Strings is new to you" in new.why


def test_everything_mastered_and_nothing_due_means_nothing_to_do():
    assert recommend(_graph(), _state(**{o.id: MASTERED for o in OUTLINE})) == []


def test_path_orders_unmastered_prerequisites_before_the_goal():
    steps = plan_path(_graph(), _state(basics=MASTERED), "functions")
    order = [s.concept for s in steps]
    assert order == ["variables", "loops", "strings", "functions"]
    assert steps[-1].needs == ("loops", "strings")
    assert [s.concept for s in plan_path(_graph(), _state(basics=MASTERED, variables=MASTERED, loops=MASTERED), "functions")] == [
        "strings", "functions"]
    with pytest.raises(UnknownConceptError):
        plan_path(_graph(), _state(), "recursion")


def test_item_choice_targets_70_to_85_percent_success(course):
    with session_scope() as session:
        ids = {d: save_item(session, course=course, concept="loops", payload={"question": f"q{d}", "difficulty": d},
                            prompt_id="p", prompt_version="1", model="fake") for d in (1, 2, 3)}
        from tutor.db.items import list_items
        items = list_items(session, course, "loops")
    assert pick_item(items, 0.40).id == ids[1]  # a struggling learner gets the easy item
    assert pick_item(items, 0.78).id == ids[2]
    assert pick_item(items, 0.95).id == ids[3]
    assert pick_item([], 0.5) is None


def test_database_state_drives_recommendations(learner):
    with session_scope() as session:
        for n in range(3):
            record_attempt(session, learner_id=learner, course="mini", concept="basics", score=1.0,
                           idempotency_key=f"k{n}", now=NOW + timedelta(minutes=n))
        record_attempt(session, learner_id=learner, course="mini", concept="variables", score=0.0,
                       idempotency_key="k9", now=NOW + timedelta(minutes=5))
        graph = load_graph(session, "mini")
        state = load_state(session, learner, "mini", graph.order, NOW + timedelta(hours=1))
    recs = recommend(graph, state)
    assert [r.concept for r in recs] == ["variables"]
    # The miss 55 minutes ago put it in FSRS's relearning steps (10 minutes): it is a review already.
    assert recs[0].kind == "review"
    assert "Variables is back for a retry; your one answer on Variables so far was wrong or needed help" in recs[0].why
    # A day and a half later the mastered basics is still not due; two days later it comes first.
    later = load_state_at(learner, NOW + timedelta(days=2, hours=1))
    assert recommend(graph, later)[0].kind == "review"


def load_state_at(learner, when):
    with session_scope() as session:
        graph = load_graph(session, "mini")
        return load_state(session, learner, "mini", graph.order, when)


def test_instructor_edits_survive_a_resync(course):
    with session_scope() as session:
        unlink(session, course, "functions", "strings")
        link(session, course, "strings", "loops")
        sync_from_outline(session, course, OUTLINE)
        graph = load_graph(session, course)
    assert graph.prerequisites("functions") == ("loops",)
    assert graph.prerequisites("strings") == ("variables", "loops")
    with pytest.raises(Exception, match="cycle"):
        with session_scope() as session:
            link(session, course, "basics", "functions")
