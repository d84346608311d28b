"""BKT updates against values worked by hand from the textbook formulas."""

from __future__ import annotations

import pytest

from tutor.learners.mastery import BktParams, is_mastered, posterior, predict_correct, trace, update

P = BktParams(p_init=0.2, p_learn=0.15, p_guess=0.25, p_slip=0.1)


@pytest.mark.parametrize(
    ("prior", "correct", "expected"),
    [
        # correct: 0.2*0.9 / (0.2*0.9 + 0.8*0.25) = 0.18/0.38 = 0.47368; + (1-0.47368)*0.15 = 0.55263
        (0.2, True, 0.552632),
        # wrong: 0.2*0.1 / (0.02 + 0.8*0.75) = 0.02/0.62 = 0.03226; + 0.96774*0.15 = 0.17742
        (0.2, False, 0.177419),
        # confident learner slips: 0.9*0.1 / (0.09 + 0.1*0.75) = 0.54545; + 0.45455*0.15 = 0.61364
        (0.9, False, 0.613636),
    ],
)
def test_update_known_answers(prior, correct, expected):
    assert update(prior, correct, P) == pytest.approx(expected, abs=1e-6)


def test_forgetting_pulls_mastery_down():
    forgetful = BktParams(p_init=0.2, p_learn=0.15, p_guess=0.25, p_slip=0.1, p_forget=0.2)
    assert update(0.9, True, forgetful) < update(0.9, True, P)


def test_prediction_is_between_guess_and_one_minus_slip():
    assert predict_correct(0.0, P) == pytest.approx(0.25)
    assert predict_correct(1.0, P) == pytest.approx(0.9)
    assert posterior(0.5, True, P) > 0.5 > posterior(0.5, False, P)


def test_three_right_answers_master_a_concept_with_default_params():
    predictions, final = trace([True, True, True], P)
    assert not is_mastered(update(update(P.p_init, True, P), True, P))
    assert is_mastered(final)
    assert predictions == sorted(predictions)  # each right answer raises the next prediction


def test_partly_and_aided_answers_are_not_clean_correct_observations():
    from tutor.learners.mastery import is_correct

    assert is_correct(1.0) and is_correct(0.9)
    assert not is_correct(0.5)  # "partly"
    assert not is_correct(1.0, hints_used=1)  # right, after a hint or the solution
    assert not is_correct(0.0)
