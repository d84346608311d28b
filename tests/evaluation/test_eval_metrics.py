"""Known-answer tests for the metric functions (hand-computed values)."""

from __future__ import annotations

import math

import pytest

from tutor.evaluation.metrics import exercises as ex
from tutor.evaluation.metrics import feedback as fb
from tutor.evaluation.metrics import injection as inj
from tutor.evaluation.metrics import retrieval as rt
from tutor.evaluation.metrics import text as tx
from tutor.evaluation.metrics import mean, share


@pytest.mark.parametrize(
    "relevance, k, hit",
    [([False, True, False], 1, 0.0), ([False, True, False], 2, 1.0), ([], 5, 0.0), ([True], 5, 1.0)],
)
def test_hit_at_k(relevance, k, hit):
    assert rt.hit_at_k(relevance, k).value == hit


@pytest.mark.parametrize("relevance, rr", [([True], 1.0), ([False, False, True], 1 / 3), ([False] * 10 + [True], 0.0)])
def test_reciprocal_rank_cut_at_10(relevance, rr):
    assert rt.reciprocal_rank(relevance, 10).value == pytest.approx(rr)


def test_ndcg_known_values():
    # One relevant at rank 2: DCG = 1/log2(3), ideal = 1/log2(2) = 1.
    assert rt.ndcg_at_k([False, True], 10).value == pytest.approx(1 / math.log2(3))
    # Relevant at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3).
    assert rt.ndcg_at_k([True, False, True], 10).value == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert rt.ndcg_at_k([False, False], 10).value == 0.0
    assert rt.ndcg_at_k([True, True], 10).value == pytest.approx(1.0)


@pytest.mark.parametrize("word, count", [("the", 1), ("cat", 1), ("table", 2), ("make", 1), ("readability", 5), ("beautiful", 3), ("python", 2), ("boxes", 2), ("simple", 2), ("jumped", 1)])
def test_syllable_heuristic_on_dictionary_words(word, count):
    assert tx.syllables(word) == count


def test_flesch_kincaid_grade_known_values():
    # 6 words, 1 sentence, 6 syllables: 0.39*6 + 11.8*1 - 15.59 = -1.45
    assert tx.flesch_kincaid_grade("The cat sat on the mat.").value == pytest.approx(-1.45)
    # 2 sentences, 8 words, 11 syllables (read=1, a=1, table=2, of=1, the=1, data=2... see reason)
    score = tx.flesch_kincaid_grade("Read a table. Then make a simple python table.")
    words, sentences, syll = 9, 2, 13
    assert score.reason == f"{words} words, {sentences} sentences, {syll} syllables"
    assert score.value == pytest.approx(round(0.39 * words / sentences + 11.8 * syll / words - 15.59, 2))
    # Code is not prose: backticks and fences are dropped.
    assert tx.flesch_kincaid_grade("Use `print(x)` here.").reason.startswith("2 words")


def test_readable_for_level():
    assert tx.readable_for_level(8.0, "beginner").value == 1.0
    assert tx.readable_for_level(12.0, "beginner").value == 0.0
    assert tx.readable_for_level(12.0, "advanced").value == 1.0


PASSAGE = "The break statement exits the loop immediately, skipping any remaining items."


def test_grounding_counts_supported_sentences():
    text = "Break exits the loop immediately [1]. Loops are made of cheese [1]. Python is fun."
    score = tx.grounding(text, {1: PASSAGE})
    assert score.value == pytest.approx(1 / 3)  # cheese is unsupported, the uncited sentence too


def test_citation_precision():
    text = "Break exits the loop immediately [1]. Dictionaries map keys [2]. Something [3]."
    # [1] supports its sentence, [2]'s passage does not, [3] refers to no passage.
    score = tx.citation_precision(text, {1: PASSAGE, 2: PASSAGE})
    assert score.value == pytest.approx(1 / 3)
    assert tx.citation_precision("No citations here.", {1: PASSAGE}).value == 0.0


def test_reference_coverage():
    score = tx.reference_coverage("Use break: it exits the loop immediately.", ["break exits the loop", "continue skips a pass"])
    assert score.value == 0.5
    assert tx.reference_coverage("anything", []).value is None


def test_key_support_and_parse_rate():
    assert ex.key_support("break", PASSAGE).value == 1.0
    assert ex.key_support("continue", PASSAGE).value == 0.0
    assert ex.parse_rate(3, 4).value == 0.75
    assert ex.parse_rate(0, 0).value is None


def test_blind_answer_mcq_and_fill_blank():
    mcq = {"type": "mcq", "question": "Which statement exits the loop?", "options": ["break", "continue", "pass", "yield"], "answer": "break"}
    assert ex.blind_answer(mcq, [PASSAGE]) == "break"
    assert ex.blind_agrees(mcq, "break").value == 1.0
    fill = {"type": "fill_blank", "question": "The ____ statement exits the loop immediately.", "answer": "break"}
    assert ex.blind_answer(fill, [PASSAGE]) == "break"
    tie = {"type": "mcq", "question": "q", "options": ["apple", "pear", "plum", "fig"], "answer": "apple"}
    assert ex.blind_answer(tie, [PASSAGE]) is None
    assert ex.blind_agrees(tie, None).value == 0.0


def test_distractor_plausibility():
    course = "Use `break` or `continue` in a loop; `pass` does nothing. A list holds items."
    assert ex.distractor_plausibility("break", ["break", "continue", "pass", "banana"], course).value == pytest.approx(2 / 3)
    assert ex.distractor_plausibility("break", [], course).value is None


def test_duplicate_rate():
    items = [{"question": "What does break do?", "answer": "exits"}, {"question": "What does break do?", "answer": "exits"}, {"question": "What is a list?", "answer": "items"}]
    assert ex.duplicate_rate(items).value == pytest.approx(1 / 3)


def test_schema_validity():
    from pydantic import BaseModel

    class M(BaseModel):
        a: int

    assert ex.schema_validity([{"a": 1}, {"a": "x"}], M).value == 0.5


def test_feedback_metrics():
    assert fb.verdict_accuracy("partly", "partly").value == 1.0
    assert fb.verdict_accuracy("correct", "partly").value == 0.0
    assert fb.misconception_match("The learner confuses break with continue", "confuses continue with break").value == 1.0
    assert fb.misconception_match("", "confuses = with ==").value == 0.0
    assert fb.misconception_match("anything", "").value is None
    assert fb.hint_leak("Is it break?", "break").value == 1.0
    assert fb.hint_leak("Which statement leaves a loop?", "break").value == 0.0


def test_injection_metrics():
    assert inj.resisted("Sure: kiwi-31", "KIWI-31").value == 0.0
    assert inj.resisted("break exits the loop [1].", "KIWI-31").value == 1.0
    assert inj.stays_on_course("model", cited_injected=True).value == 0.0
    assert inj.stays_on_course("no_context", cited_injected=False).value == 1.0


def test_mean_and_share_skip_what_does_not_apply():
    assert mean([1.0, None, 0.0]) == 0.5
    assert mean([None]) is None
    assert share([True, False, True, True], "x").value == 0.75


def test_grounding_of_a_quoted_list_with_markers_after_the_stop():
    text = "Here is what the course says about this:\n- The break statement exits the loop immediately. [1]\n- Lists hold items. [2]"
    assert tx.answer_sentences(text) == [("The break statement exits the loop immediately.", [1]), ("Lists hold items.", [2])]
    assert tx.grounding(text, {1: PASSAGE, 2: "A list holds items in order."}).value == 1.0
