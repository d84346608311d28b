"""Feedback: exact choice grading, rubric + similarity for free text, hints that keep the answer hidden."""

from __future__ import annotations

import json

import pytest

from tutor.generation.feedback import Grader, choice_index, combine
from tutor.generation.models import Exercise
from tutor.llm.fake import FakeChatModel

TEXT = "`break` exits the loop immediately, skipping any remaining items."


def _item(**changes) -> Exercise:
    base = dict(
        type="mcq", question="Which statement exits a loop immediately?", options=["pass", "break", "continue", "for"],
        answer="break", explanation="The course says so.", difficulty="easy", course="c", concept="loops", source_id="p1",
        source_text=TEXT, source="07-loops.md", section="Loops > break and continue", origin="extractive",
        prompt_id="x", prompt_version=1, model="m",
    )
    return Exercise(**(base | changes))


@pytest.mark.parametrize("answer, index", [("break", 1), ("B", 1), ("b", 1), ("2", 1), (" Break. ", 1), ("E", None), ("goto", None)])
def test_choice_index(answer, index):
    assert choice_index(_item(), answer) == index


@pytest.mark.parametrize("band, rubric, verdict", [
    ("incorrect", "correct", "partly"), ("partly", "correct", "correct"), ("correct", "incorrect", "partly"),
    ("partly", None, "partly"), ("incorrect", "incorrect", "incorrect"),
    ("incorrect", "partly", "incorrect"), ("correct", "partly", "partly"),
])
def test_rubric_moves_the_band_one_step_at_most_and_its_hedge_raises_nothing(band, rubric, verdict):
    assert combine(band, rubric) == verdict


def test_choice_graded_exactly_without_the_model():
    fake = FakeChatModel()
    grader = Grader(fake)
    right = grader.grade(_item(), "B")
    wrong = grader.grade(_item(), "continue")
    assert (right.verdict, right.grader, right.score) == ("correct", "exact", 1.0) and right.solution
    assert (wrong.verdict, wrong.misconception) == ("incorrect", "continue")
    assert "break" not in wrong.hint.lower() and wrong.solution is None
    assert fake.calls == []


def test_free_text_exact_match_is_correct():
    assert Grader(FakeChatModel()).grade(_item(type="short_answer", options=[]), "the break statement").verdict == "correct"


def test_free_text_rubric_and_hint_that_gives_the_answer_away_is_replaced(embedder):
    rubric = json.dumps({"verdict": "partly", "misconception": "Confuses skipping a pass with leaving the loop.", "hint": "The answer is break."})
    fake = FakeChatModel([rubric])
    feedback = Grader(fake, embedder=embedder).grade(_item(type="short_answer", options=[]), "continue")
    assert feedback.grader == "rubric" and feedback.verdict in ("partly", "incorrect")
    assert feedback.misconception.startswith("Confuses")
    assert "break" not in feedback.hint.lower()
    assert feedback.solution is None
    assert "<learner_answer>continue</learner_answer>" in fake.prompts[0][1]["content"]
    assert feedback.prompt_id == "grade"


def test_solution_on_request():
    feedback = Grader(FakeChatModel()).grade(_item(), "A", reveal=True)
    assert feedback.verdict == "incorrect" and "Answer: break" in feedback.solution


def test_socratic_hint_from_the_model_is_kept(embedder):
    rubric = json.dumps({"verdict": "incorrect", "misconception": "Thinks the loop needs a return.", "hint": "Which statement leaves a loop at once?"})
    feedback = Grader(FakeChatModel([rubric]), embedder=embedder).grade(_item(type="short_answer", options=[]), "return")
    assert feedback.verdict == "incorrect" and feedback.hint == "Which statement leaves a loop at once?"


@pytest.mark.real_model
def test_real_model_grades_free_text(local_model, embedder):
    grader = Grader(local_model, embedder=embedder, max_retries=0)
    item = _item(type="short_answer", options=[])
    wrong = grader.grade(item, "a banana")
    right = grader.grade(item, "break")
    assert right.verdict == "correct"
    assert wrong.verdict in ("incorrect", "partly") and "break" not in wrong.hint.lower()
    # The model decided the wrong answer (its rubric parsed): the similarity fallback alone would pass the lines above.
    assert wrong.grader == "rubric" and wrong.model == local_model.name


def test_an_answer_stuffed_with_candidate_words_is_judged_on_meaning_not_word_presence(embedder):
    item = _item(type="short_answer", options=[], answer="break statement")
    stuffed = "statement break continue pass return loop while for else exit stop end yield raise"
    # The model is asked (its rubric may move the band one step), and the shortcut is not taken.
    fake = FakeChatModel([json.dumps({"verdict": "incorrect", "misconception": "Lists keywords.", "hint": "Which one?"})])
    feedback = Grader(fake, embedder=embedder).grade(item, stuffed)
    assert feedback.grader == "rubric" and feedback.verdict != "correct" and feedback.score < 1.0
    assert fake.calls, "the grader must not shortcut a keyword list to correct"
    # A concise answer in other words that holds the key's words is still correct without the model.
    fake = FakeChatModel()
    concise = Grader(fake, embedder=embedder).grade(item, "you use the break statement there")
    assert (concise.verdict, concise.grader) == ("correct", "exact") and fake.calls == []


def test_a_wrong_answer_the_model_calls_partly_right_stays_wrong(embedder):
    # "break" for "continue": the small model hedged "partly" while naming the confusion itself.
    item = _item(type="short_answer", options=[], question="Which statement skips the rest of the current pass of a loop?", answer="continue")
    hedge = FakeChatModel([json.dumps({"verdict": "partly", "misconception": "Confuses break with continue.", "hint": "Which one goes on?"})])
    feedback = Grader(hedge, embedder=embedder).grade(item, "break")
    assert hedge.calls and feedback.grader == "rubric"
    assert (feedback.verdict, feedback.score) == ("incorrect", 0.0)
    # The same model saying "correct" to an answer in other words may still lift it one step.
    lift = FakeChatModel([json.dumps({"verdict": "correct", "misconception": "", "hint": "Good."})])
    assert Grader(lift, embedder=embedder).grade(item, "it skips ahead to the next pass").verdict in ("partly", "correct")
