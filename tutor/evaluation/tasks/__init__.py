"""One module per task. A task knows its case schema, how to produce a case's outputs (calling the
tutor through the Context) and how to score outputs (no model call, so `tutor eval score` can score
outputs produced elsewhere). `verdict` names the metric and bound that decide whether a case passed,
which is what `compare` reports as "changed verdict"."""

from __future__ import annotations

from tutor.evaluation.tasks.base import Task


def get_task(name: str) -> Task:
    from tutor.evaluation.tasks import exercise, explanation, feedback, injection, retrieval

    return {
        "retrieval": retrieval.RetrievalTask(),
        "explanation": explanation.ExplanationTask(),
        "exercise": exercise.ExerciseTask(),
        "feedback": feedback.FeedbackTask(),
        "injection": injection.InjectionTask(),
    }[name]
