"""The collaborative signal: what helped learners with a similar record, as a tie-breaker for the recommender.

Each other learner's attempt log in the course is replayed with BKT into a sequence of mastery
vectors. Every attempt is a transition: (mastery vector before it, concept practised, how much that
concept's mastery rose). A transition is similar to this learner when the cosine of its before-state
and this learner's mastery vector is at least SIMILARITY. Per concept, the signal is the mean rise
over similar transitions, and it counts only when at least MIN_LEARNERS distinct learners contribute
(fewer is anecdote). The recommender uses it only to order concepts that tie on mastery and goals,
after prerequisite safety and due reviews, so it can never push an unready concept forward.
Shortcuts: plain cosine on mastery in [0, 1] (no centring), each attempt's rise is the one-step BKT
change (BKT treats concepts independently), and every learner's whole log is replayed per call
(fine for a class, not for millions of attempts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.learners.mastery import DEFAULT_PARAMS, BktParams, update

SIMILARITY = 0.95  # cosine of mastery vectors counted as "a similar record"
MIN_LEARNERS = 5  # distinct similar learners needed before the signal counts for a concept

History = list[tuple[str, bool]]  # one learner's (concept, correct) in time order


@dataclass(frozen=True)
class Transition:
    learner: str
    before: np.ndarray  # mastery vector over the course's concepts, before the attempt
    concept: str
    gain: float  # rise of that concept's mastery from the attempt


@dataclass(frozen=True)
class Signal:
    concept: str
    gain: float  # mean mastery rise among similar learners who practised it
    learners: int  # how many distinct similar learners that mean is over


def transitions(histories: dict[str, History], concepts: list[str],
                params: dict[str, BktParams] | None = None) -> list[Transition]:
    """Replay each learner's log with BKT; one transition per attempt on a known concept."""
    params = params or {}
    index = {c: i for i, c in enumerate(concepts)}
    out = []
    for learner, history in histories.items():
        vector = np.array([params.get(c, DEFAULT_PARAMS).p_init for c in concepts], dtype=float)
        for concept, correct in history:
            if concept not in index:
                continue
            i = index[concept]
            after = update(vector[i], bool(correct), params.get(concept, DEFAULT_PARAMS))
            out.append(Transition(learner, vector.copy(), concept, after - vector[i]))
            vector[i] = after
    return out


def signals(mastery: dict[str, float], evidence: list[Transition], concepts: list[str], *,
            exclude: str | None = None, similarity: float = SIMILARITY,
            min_learners: int = MIN_LEARNERS) -> dict[str, Signal]:
    """Concepts with enough similar learners behind them -> the mean rise practising them brought."""
    if not evidence:
        return {}
    me = np.array([mastery[c] for c in concepts], dtype=float)
    before = np.stack([t.before for t in evidence])
    cos = before @ me / (np.linalg.norm(before, axis=1) * np.linalg.norm(me) + 1e-12)
    gains: dict[str, list[float]] = {}
    who: dict[str, set[str]] = {}
    for t, c in zip(evidence, cos):
        if c >= similarity and t.learner != exclude:
            gains.setdefault(t.concept, []).append(t.gain)
            who.setdefault(t.concept, set()).add(t.learner)
    return {concept: Signal(concept, float(np.mean(values)), len(who[concept]))
            for concept, values in gains.items() if len(who[concept]) >= min_learners}


def course_evidence(session, course: str, concepts: list[str], params: dict[str, BktParams] | None = None,
                    exclude: str | None = None) -> list[Transition]:
    """Transitions of every learner of `course` except `exclude`, from the attempt log."""
    import sqlalchemy as sa

    from tutor.db.models import Attempt
    from tutor.learners.mastery import is_correct

    rows = session.execute(sa.select(Attempt.learner_id, Attempt.concept, Attempt.score)
                           .where(Attempt.course == course).order_by(Attempt.created_at, Attempt.id)).all()
    histories: dict[str, History] = {}
    for learner, concept, value in rows:
        if learner != exclude:
            histories.setdefault(learner, []).append((concept, is_correct(value)))
    return transitions(histories, concepts, params)
