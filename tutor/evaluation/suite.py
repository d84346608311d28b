"""Suite files and their datasets, validated with pydantic; an error names the file, line and field.

A suite (`evals/suites/NAME.yaml`) says which task, which course, which dataset (JSONL, one case per
line with a stable `id`), which prompt versions, which model configurations, task parameters, and the
metrics that gate with their thresholds (`min` for higher-is-better, `max` for lower-is-better).
Relative paths are read from the suite file's folder.

Line numbers: PyYAML's composer keeps each node's start mark, so the loader records the line of every
key path (`metrics.0.min`) and maps a pydantic error location to the closest recorded path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tutor.errors import EvalSuiteError
from tutor.llm.registry import BACKEND_NAMES, check_backend

Task = Literal["retrieval", "explanation", "exercise", "feedback", "injection"]


class ModelConfig(BaseModel):
    """One model configuration: a backend from settings plus optional sampling overrides."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    llm: str = Field("local", description=f"A backend of tutor.llm.registry: {', '.join(BACKEND_NAMES)}.")
    model_path: str | None = None
    local_model: str | None = Field(None, description="A catalogue short name (tutor/llm/catalogue.py) for llm: local.")
    base_url: str | None = None
    model: str | None = None
    temperature: float | None = Field(None, ge=0, le=2, description="Overrides the temperature the tutor asks for.")

    @field_validator("llm")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        return check_backend(value)


class MetricGate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one_bound(self):
        if self.min is not None and self.max is not None:
            raise ValueError("give min or max, not both")
        return self

    def passes(self, value: float | None) -> bool | None:
        """None when the metric has no bound; False when it has one and no value."""
        if self.min is None and self.max is None:
            return None
        if value is None:
            return False
        return value >= self.min if self.min is not None else value <= self.max

    @property
    def bound(self) -> str:
        return f">= {self.min}" if self.min is not None else f"<= {self.max}" if self.max is not None else ""


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")
    description: str = ""
    task: Task
    course: str = "intro-python"
    course_path: str | None = Field(None, description="Folder ingested when the course is missing.")
    dataset: str
    prompts: dict[str, int] = Field(default_factory=dict, description="Prompt id -> version used by this suite.")
    models: list[ModelConfig] = Field(default_factory=lambda: [ModelConfig(name="smollm2")], min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    metrics: list[MetricGate] = Field(min_length=1)
    judge: str | None = Field(None, description="Prompt id of a judge rubric, used only when a judge endpoint is set.")
    path: str = ""

    def resolve(self, relative: str) -> Path:
        p = Path(relative)
        return p if p.is_absolute() else (Path(self.path).parent / p).resolve()

    @property
    def dataset_path(self) -> Path:
        return self.resolve(self.dataset)

    def model(self, name: str | None) -> ModelConfig:
        if name is None:
            return self.models[0]
        for config in self.models:
            if config.name == name:
                return config
        if name in ("local", "openai", "fake"):
            return ModelConfig(name=name, llm=name)
        raise EvalSuiteError(self.path, None, "models", f"no model configuration '{name}' (known: {', '.join(m.name for m in self.models)}, or local/openai/fake)")

    def gate(self, metric: str) -> MetricGate | None:
        return next((g for g in self.metrics if g.name == metric), None)


def _positions(node, path: tuple, out: dict[tuple, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[path + (str(key.value),)] = key.start_mark.line + 1
            _positions(value, path + (str(key.value),), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _positions(value, path + (str(i),), out)


def _line_for(loc: tuple, positions: dict[tuple, int]) -> int | None:
    path = tuple(str(p) for p in loc)
    while path not in positions and path:
        path = path[:-1]
    return positions.get(path)


def load_suite(path: Path | str) -> Suite:
    path = Path(path)
    if not path.is_file():
        raise EvalSuiteError(str(path), None, None, "no such suite file")
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EvalSuiteError(str(path), mark.line + 1 if mark else None, None, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise EvalSuiteError(str(path), 1, None, "a suite is a YAML mapping (name, task, dataset, metrics, ...)")
    positions: dict[tuple, int] = {}
    _positions(node, (), positions)
    try:
        return Suite(**data, path=str(path.resolve()))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "suite"
        raise EvalSuiteError(str(path), _line_for(first["loc"], positions), field, first["msg"]) from exc


def load_cases(path: Path, case_model: type[BaseModel]) -> list[dict]:
    """The dataset's cases, each validated by the task's case model; ids must be unique."""
    if not path.is_file():
        raise EvalSuiteError(str(path), None, None, "no such dataset file")
    cases: list[dict] = []
    seen: dict[str, int] = {}
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSuiteError(str(path), line_no, None, f"not valid JSON: {exc.msg}") from exc
        try:
            case = case_model.model_validate(raw).model_dump()
        except ValidationError as exc:
            first = exc.errors()[0]
            raise EvalSuiteError(str(path), line_no, ".".join(map(str, first["loc"])) or "case", first["msg"]) from exc
        if case["id"] in seen:
            raise EvalSuiteError(str(path), line_no, "id", f"duplicate id '{case['id']}' (first on line {seen[case['id']]})")
        seen[case["id"]] = line_no
        cases.append(case)
    if not cases:
        raise EvalSuiteError(str(path), None, None, "the dataset has no cases")
    return cases
