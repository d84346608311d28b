"""Bayesian Knowledge Tracing: the probability a learner has mastered a concept, one answer at a time.

The standard four-parameter model (Corbett & Anderson 1995) plus pyBKT's optional forgetting:
observe an answer, take the posterior of "knows it" by Bayes' rule, then apply the learning
transition. Pure functions on floats; the database side is `load_params` / `attempts.py`.
BKT observations are binary: an answer is a correct observation only when it scored at least CORRECT_AT
(a "partly" answer, 0.5, is not) and was given without help (no hint, no solution seen): an aided right
answer says the help worked, not that the learner knew (as in the Cognitive Tutor's BKT).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

MASTERY_THRESHOLD = 0.95  # the customary BKT cut-off for "mastered"
CORRECT_AT = 0.75  # above "partly" (0.5)


@dataclass(frozen=True)
class BktParams:
    # Defaults before a fit: a beginner rarely knows a concept (init), learns it in a few practised
    # answers (learn), guesses a quarter of multiple-choice items and slips on one in ten.
    p_init: float = 0.2
    p_learn: float = 0.15
    p_guess: float = 0.25
    p_slip: float = 0.1
    p_forget: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


DEFAULT_PARAMS = BktParams()


def is_correct(score: float, hints_used: int = 0) -> bool:
    """A clean correct BKT observation: a right answer (not a partial one) given without a hint or solution."""
    return score >= CORRECT_AT and not hints_used


def posterior(p: float, correct: bool, params: BktParams) -> float:
    """P(knows | this answer), before learning from the attempt."""
    if correct:
        known, unknown = p * (1 - params.p_slip), (1 - p) * params.p_guess
    else:
        known, unknown = p * params.p_slip, (1 - p) * (1 - params.p_guess)
    return known / (known + unknown)


def update(p: float, correct: bool, params: BktParams = DEFAULT_PARAMS) -> float:
    """Mastery after one answer: Bayes' rule on the answer, then the learn/forget transition."""
    post = posterior(p, correct, params)
    return post * (1 - params.p_forget) + (1 - post) * params.p_learn


def predict_correct(p: float, params: BktParams = DEFAULT_PARAMS) -> float:
    """P(the next answer is correct) given mastery p."""
    return p * (1 - params.p_slip) + (1 - p) * params.p_guess


def trace(answers: list[bool], params: BktParams = DEFAULT_PARAMS) -> tuple[list[float], float]:
    """Predicted P(correct) before each answer, and the final mastery."""
    p = params.p_init
    predictions = []
    for correct in answers:
        predictions.append(predict_correct(p, params))
        p = update(p, correct, params)
    return predictions, p


def is_mastered(p: float) -> bool:
    return p >= MASTERY_THRESHOLD
