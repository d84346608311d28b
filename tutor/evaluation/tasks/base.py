"""The task interface the runner drives."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from tutor.evaluation.metrics import Score


class Case(BaseModel):
    """Every case has a stable id; tasks add their own fields (unknown fields are an error)."""

    model_config = ConfigDict(extra="forbid")
    id: str


class Task:
    name: ClassVar[str]
    case_model: ClassVar[type[Case]]
    main_prompt: ClassVar[str | None] = None  # the prompt --prompt-version switches
    verdict: ClassVar[tuple[str, float]]  # a case passes when this metric >= the bound

    def produce(self, case: dict, ctx) -> dict:
        raise NotImplementedError

    def score(self, case: dict, outputs: dict, ctx) -> dict[str, Score]:
        raise NotImplementedError

    def inputs(self, case: dict) -> dict:
        return {k: v for k, v in case.items() if k != "id"}

    def passed(self, metrics: dict[str, Score]) -> bool:
        name, bound = self.verdict
        score = metrics.get(name)
        return score is not None and score.value is not None and score.value >= bound
