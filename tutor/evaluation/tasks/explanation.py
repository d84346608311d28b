"""Explanations: the tutor's Explainer answers each question; scored for grounding, citations, coverage
of the case's reference points, readability for the learner's level and length.

Params: k (passages, default 4), max_retries (default: the tutor's interactive retry policy, tutor.llm.retry).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tutor.evaluation.metrics import Score
from tutor.evaluation.metrics.text import citation_precision, flesch_kincaid_grade, grounding, readable_for_level, reference_coverage, word_count
from tutor.evaluation.tasks.base import Case, Task


class ExplanationCase(Case):
    question: str = Field(min_length=1)
    points: list[str] = Field(default_factory=list, description="Reference points a good answer covers.")
    level: Literal["beginner", "intermediate", "advanced"] = "beginner"
    concept: str = ""


def explain(question: str, ctx, retriever=None, level: str = "beginner") -> dict:
    from tutor.generation.explanation import Explainer
    from tutor.generation.models import LearnerProfile

    explainer = Explainer(ctx.model, retriever or ctx.retriever, k=int(ctx.params.get("k", 4)), max_retries=ctx.max_retries("interactive"))
    explainer.prompt = ctx.prompt_for("explain")
    result = explainer.explain(question, ctx.course, LearnerProfile(level=level))
    return {
        "text": result.text,
        "origin": result.origin,
        "citations": [{"n": c.n, "passage_id": c.passage_id, "section": c.section, "text": c.text} for c in result.citations],
        "prompt_id": explainer.prompt.id if result.origin == "model" else result.prompt_id,
        "prompt_version": explainer.prompt.version if result.origin == "model" else result.prompt_version,
        "model": result.model,
    }


def text_scores(outputs: dict, level: str) -> dict[str, Score]:
    text = outputs.get("text", "")
    cited = {int(c["n"]): c["text"] for c in outputs.get("citations", [])}
    grade = flesch_kincaid_grade(text)
    origin = outputs.get("origin", "")
    return {
        "grounding": grounding(text, cited) if origin != "no_context" else Score(None, "declined: nothing relevant in the course"),
        "citation_precision": citation_precision(text, cited) if origin != "no_context" else Score(None, "declined"),
        "model_answer": Score(float(origin == "model"), f"origin: {origin}"),
        "fk_grade": grade,
        "readable": readable_for_level(grade.value, level),
        "words": word_count(text),
    }


class ExplanationTask(Task):
    name = "explanation"
    case_model = ExplanationCase
    main_prompt = "explain"
    verdict = ("grounding", 0.5)

    def produce(self, case: dict, ctx) -> dict:
        return explain(case["question"], ctx, level=case["level"])

    def score(self, case: dict, outputs: dict, ctx) -> dict:
        scores = text_scores(outputs, case["level"])
        scores["coverage"] = reference_coverage(outputs.get("text", ""), case["points"])
        return scores
