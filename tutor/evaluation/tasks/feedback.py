"""Feedback: the tutor's Grader judges labelled learner answers; scored for verdict accuracy against the
label (correct / partly / incorrect), misconception match, and hints that give the key away.

Each case carries its exercise (type, question, options, key, explanation, source passage) so the
dataset stands alone. Params: max_retries (rubric re-asks; default: the tutor's interactive retry policy).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tutor.evaluation.metrics import Score
from tutor.evaluation.metrics.feedback import hint_leak, misconception_match, verdict_accuracy
from tutor.evaluation.tasks.base import Case, Task


class FeedbackItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["mcq", "short_answer", "fill_blank"]
    question: str
    options: list[str] = Field(default_factory=list)
    answer: str
    explanation: str = ""
    passage: str
    concept: str = ""


class FeedbackCase(Case):
    item: FeedbackItem
    learner_answer: str
    label: Literal["correct", "partly", "incorrect"]
    misconception: str = ""


def _exercise(case: dict, course: str):
    from tutor.generation.models import Exercise

    item = case["item"]
    return Exercise(
        id=case["id"], type=item["type"], question=item["question"], options=item["options"], answer=item["answer"],
        explanation=item["explanation"] or item["answer"], difficulty="easy", course=course, concept=item["concept"],
        source_id=f"eval-{case['id']}", source_text=item["passage"], source="evals/datasets", section=item["concept"],
        origin="extractive", prompt_id="dataset", prompt_version=1, model="dataset",
    )


class FeedbackTask(Task):
    name = "feedback"
    case_model = FeedbackCase
    main_prompt = "grade"
    verdict = ("verdict_accuracy", 1.0)

    def produce(self, case: dict, ctx) -> dict:
        from tutor.generation.feedback import Grader

        grader = Grader(ctx.model, embedder=ctx.embedder, max_retries=ctx.max_retries("interactive"))
        grader.prompt = ctx.prompt_for("grade")
        feedback = grader.grade(_exercise(case, ctx.course), case["learner_answer"])
        return feedback.model_dump(include={"verdict", "score", "grader", "misconception", "hint", "similarity", "prompt_id", "prompt_version", "model"})

    def score(self, case: dict, outputs: dict, ctx) -> dict:
        predicted = outputs.get("verdict", "")
        exact = outputs.get("grader") == "exact"
        skip = Score(None, "graded exactly" if not exact else "decided by the model or similarity")
        return {
            "verdict_accuracy": verdict_accuracy(predicted, case["label"]),
            # Exact grading (choices, blanks) is right by construction; what the model decides is reported
            # apart, beside the "always incorrect" baseline on the same cases, so the mix cannot flatter it.
            "accuracy_exact": verdict_accuracy(predicted, case["label"]) if exact else skip,
            "accuracy_model_decided": skip if exact else verdict_accuracy(predicted, case["label"]),
            "always_incorrect_baseline": skip if exact else Score(float(case["label"] == "incorrect"), f"labelled {case['label']}"),
            "model_decided": skip if exact else Score(float(outputs.get("grader") == "rubric"), f"grader: {outputs.get('grader')}"),
            "misconception_match": misconception_match(outputs.get("misconception", ""), case["misconception"]),
            "hint_leak": hint_leak(outputs.get("hint", ""), case["item"]["answer"]) if predicted != "correct" else hint_leak("", ""),
        }
