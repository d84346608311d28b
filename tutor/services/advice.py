"""`next` and `path` end to end: database state -> policy -> content sections and an exercise.

This is where the learner model meets retrieval and the item bank; the policy itself is in
recommender.py and paths.py. Retrieval (and its embedding model) is loaded only when content is
asked for, so `--no-content` answers in well under a second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tutor.config import Settings, get_settings
from tutor.db import session_scope
from tutor.db.items import list_items
from tutor.db.models import Concept, Event, utcnow
from tutor.errors import InvalidInputError, UnknownConceptError
from tutor.learners.collaborative import course_evidence, signals
from tutor.learners.concepts import CourseGraph, ensure_course
from tutor.learners.paths import PathStep, plan_path
from tutor.learners.prediction import predict_concepts
from tutor.learners.recommender import Recommendation, difficulty_of, item_success, pick_item, recommend
from tutor.learners.state import LearnerState, load_params, load_state

SECTIONS_PER_ACTIVITY = 2


def next_activities(
    learner_id: str,
    course: str,
    k: int = 5,
    *,
    with_content: bool = True,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> list[Recommendation]:
    settings = settings or get_settings()
    now = now or utcnow()
    with session_scope(settings) as session:
        graph = ensure_course(session, course, settings)
        state = load_state(session, learner_id, course, graph.order, now)
        retriever = _retriever(settings) if with_content else None
        affinity = _affinity(retriever, graph, state) if retriever else None
        evidence = course_evidence(session, course, graph.order, load_params(session, course), exclude=learner_id)
        peers = signals({c: state.get(c).mastery for c in graph.order}, evidence, graph.order)
        recs = recommend(graph, state, k=k, affinity=affinity, collaborative=peers)
        predictions = predict_concepts(session, learner_id, course, [r.concept for r in recs], settings=settings)
        for rec in recs:
            # The shown score (and the exercise difficulty it picks) comes from the better model.
            p = predictions[rec.concept]
            rec.predicted_success, rec.predicted_by, rec.prediction_reason = p.probability, p.model, p.reason
            rec.exercise = _exercise(session, course, rec)
            if retriever is not None:
                rec.sections = _sections(retriever, course, graph, rec.concept)
        # Logged so feedback on a recommendation can point at what was shown, and for later evaluation.
        session.add(Event(learner_id=learner_id, course=course, kind="recommendation",
                          payload={"concepts": [r.concept for r in recs], "kinds": [r.kind for r in recs]}))
    return recs


def learning_path(learner_id: str, goal: str, course: str | None = None, *, settings: Settings | None = None,
                  now: datetime | None = None) -> tuple[str, list[PathStep]]:
    settings = settings or get_settings()
    with session_scope(settings) as session:
        course = course or _course_of(session, goal, settings)
        graph = ensure_course(session, course, settings)
        state = load_state(session, learner_id, course, graph.order, now or utcnow())
        return course, plan_path(graph, state, goal)


def _course_of(session, concept: str, settings: Settings) -> str:
    courses = sorted(set(session.scalars(sa.select(Concept.course).where(Concept.id == concept))))
    if not courses:
        # Not synced yet: look through the courses in the store.
        from tutor.retrieval.store import open_store

        for course in open_store(settings).course_ids():
            if concept in ensure_course(session, course, settings).concepts:
                courses.append(course)
    if len(courses) == 1:
        return courses[0]
    if not courses:
        raise UnknownConceptError("any loaded course", concept)
    raise InvalidInputError(f"Concept '{concept}' is in several courses ({', '.join(courses)}): pass --course.")


def _retriever(settings: Settings):
    from tutor.retrieval.retriever import Retriever

    return Retriever(settings)


def _sections(retriever, course: str, graph: CourseGraph, concept: str) -> list[dict[str, Any]]:
    node = graph.node(concept)
    passages = retriever.search(node.title or concept, course, k=8)
    # Prefer passages from the concept's own chapter; retrieval ranks them, the graph says whose they are.
    own = [p for p in passages if p.concept == concept] or passages
    out, seen = [], set()
    for p in own:
        if p.section in seen:
            continue
        seen.add(p.section)
        out.append({"section": p.section, "source": p.source, "citation": p.citation(), "chunk_id": p.id,
                    "text": p.text[:400]})
        if len(out) == SECTIONS_PER_ACTIVITY:
            break
    return out


def _affinity(retriever, graph: CourseGraph, state: LearnerState) -> dict[str, float] | None:
    """Cosine similarity of each concept's title to the learner's goals and interests (0 if none)."""
    wishes = [w for w in state.goals + state.interests if w.strip()]
    if not wishes:
        return None
    concepts = graph.order
    vectors = retriever.embedder.embed([graph.node(c).title or c for c in concepts] + wishes)
    titles, wanted = vectors[: len(concepts)], vectors[len(concepts):]
    scores = (titles @ wanted.T).max(axis=1)  # the embedder normalises, so dot = cosine
    return {c: float(s) for c, s in zip(concepts, scores)}


def _exercise(session, course: str, rec: Recommendation) -> dict[str, Any] | None:
    items = [i for i in list_items(session, course, rec.concept) if i.status != "rejected"]
    approved = [i for i in items if i.status == "approved"]
    item = pick_item(approved or items, rec.predicted_success)
    if item is None:
        return None
    return {
        "item_id": item.id,
        "status": item.status,
        "question": item.payload.get("question"),
        "difficulty": item.payload.get("difficulty"),
        "predicted_success": round(item_success(rec.predicted_success, difficulty_of(item.payload)), 3),
    }

