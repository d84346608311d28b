"""Fit per-concept BKT parameters from the attempt log with pyBKT (`tutor fit --course ID`).

A concept with fewer than MIN_ATTEMPTS attempts (or MIN_LEARNERS learners) keeps the defaults:
EM on a handful of answers gives confident nonsense. Fitted values are clamped to the ranges
where BKT stays identifiable (guess < 0.4, slip < 0.3: above those "knowing" and "not knowing"
swap meaning). Shortcuts: one fit per concept with pyBKT's EM (num_fits restarts, fixed seed),
no forgetting, and pyBKT (pure Python here) is slow: about 2.5 s per 1,000 attempts on 2 cores.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import sqlalchemy as sa

from tutor.config import Settings, get_settings
from tutor.db import session_scope
from tutor.db.models import Attempt, BktParameters, utcnow
from tutor.errors import NotEnoughDataError
from tutor.learners.concepts import load_graph
from tutor.learners.mastery import DEFAULT_PARAMS, BktParams, is_correct

MIN_ATTEMPTS = 50
MIN_LEARNERS = 5
LIMITS = {"p_init": (0.01, 0.99), "p_learn": (0.01, 0.6), "p_guess": (0.01, 0.4), "p_slip": (0.01, 0.3)}


@dataclass(frozen=True)
class FitRow:
    concept: str
    attempts: int
    learners: int
    params: BktParams
    fitted: bool

    def __str__(self) -> str:
        p = self.params
        how = "fitted " if self.fitted else "default"
        return (f"{self.concept:<20} {how} init {p.p_init:.2f} learn {p.p_learn:.2f} guess {p.p_guess:.2f} "
                f"slip {p.p_slip:.2f}  ({self.attempts} attempts, {self.learners} learners)")


def fit_log(rows: list[tuple[str, str, int]], *, min_attempts: int = MIN_ATTEMPTS, min_learners: int = MIN_LEARNERS,
            seed: int = 0, num_fits: int = 2) -> dict[str, FitRow]:
    """Fit BKT per concept from (learner, concept, correct) rows in time order."""
    import pandas as pd
    from pyBKT.models import Model

    df = pd.DataFrame(rows, columns=["user_id", "skill_name", "correct"])
    df["order_id"] = range(len(df))
    out: dict[str, FitRow] = {}
    enough = []
    for concept, group in df.groupby("skill_name", sort=False):
        n, learners = len(group), group["user_id"].nunique()
        if n >= min_attempts and learners >= min_learners:
            enough.append(concept)
        out[concept] = FitRow(concept, n, learners, DEFAULT_PARAMS, False)
    if not enough:
        return out
    model = Model(seed=seed, num_fits=num_fits, parallel=False)
    with warnings.catch_warnings():
        # EM divides by zero on a skill whose answers are all one way; pyBKT recovers but warns per step.
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(data=df[df["skill_name"].isin(enough)])
    table = model.params()["value"]
    for concept in enough:
        raw = {name: float(table[(concept, key, "default")])
               for name, key in (("p_init", "prior"), ("p_learn", "learns"), ("p_guess", "guesses"), ("p_slip", "slips"))}
        clamped = {k: min(max(v, LIMITS[k][0]), LIMITS[k][1]) for k, v in raw.items()}
        out[concept] = FitRow(concept, out[concept].attempts, out[concept].learners, BktParams(**clamped), True)
    return out


def fit_course(course: str, *, min_attempts: int = MIN_ATTEMPTS, settings: Settings | None = None) -> list[FitRow]:
    """Fit from the database's attempts and store the parameters; later attempts use them."""
    settings = settings or get_settings()
    with session_scope(settings) as session:
        graph = load_graph(session, course)
        attempts = session.execute(
            sa.select(Attempt.learner_id, Attempt.concept, Attempt.score, Attempt.hints_used)
            .where(Attempt.course == course).order_by(Attempt.created_at, Attempt.id)
        ).all()
    if not attempts:
        raise NotEnoughDataError(f"No attempts recorded in course '{course}' yet: nothing to fit. BKT keeps its defaults.")
    rows = [(learner, concept, int(is_correct(score, hints))) for learner, concept, score, hints in attempts if concept in graph.concepts]
    fitted = fit_log(rows, min_attempts=min_attempts)
    with session_scope(settings) as session:
        for row in fitted.values():
            if not row.fitted:
                continue
            record = session.get(BktParameters, (course, row.concept)) or BktParameters(course=course, concept=row.concept)
            p = row.params
            record.p_init, record.p_learn, record.p_guess, record.p_slip, record.p_forget = (
                p.p_init, p.p_learn, p.p_guess, p.p_slip, p.p_forget)
            record.n_attempts, record.fitted_at = row.attempts, utcnow()
            session.add(record)
    return [fitted.get(c, FitRow(c, 0, 0, DEFAULT_PARAMS, False)) for c in graph.order]
