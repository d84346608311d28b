"""The typed records of an eval run file, shared by the runner (writes them), results (reads them back),
compare, resume and the report: a header line, one line per case and repeat, a summary line.

Each record is a pydantic model: a line that does not fit is refused when read (with its file and line),
and nothing is parsed back from strings. Fields the format grew later (a summary's `cache`, `judge`,
`resumed`, `finished`, `missing_cases`; a header's `outputs_file`; a case's `judge`) ride along as extras,
present only when written. Records also read like the dicts they are on disk (`record["field"]`,
`.get`, `in`), so a caller may index a case line the same way whether it came from disk or from the runner.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(extra="allow")

    def __getitem__(self, key: str) -> Any:
        if key in type(self).model_fields or key in (self.__pydantic_extra__ or {}):
            return getattr(self, key)
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: str) -> bool:
        """True for a field the line carries (set when written or read), as `key in line` was on the dict."""
        return key in self.model_fields_set or key in (self.__pydantic_extra__ or {})

    def keys(self) -> list[str]:
        return list(self.model_dump().keys())

    def __iter__(self):  # the keys, as a dict's (pydantic's own yields (name, value) pairs)
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def to_json(self) -> dict:
        return self.model_dump(mode="json")


class RunHeader(Record):
    type: Literal["run"] = "run"
    run_id: str
    suite: str
    suite_path: str = ""
    task: str = ""
    course: str = ""
    dataset: str = ""
    dataset_sha256: str | None = None
    model: dict[str, Any] = Field(default_factory=dict)
    model_name: str | None = None
    prompt_id: str | None = None
    prompt_version: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    repeat: int = 1
    started: str | None = None
    gates: list[dict[str, Any]] = Field(default_factory=list)


class MetricValue(Record):
    """One metric of one case: its value (None where it does not apply) and why."""

    value: float | None = None
    reason: str = ""


class CaseRecord(Record):
    type: Literal["case"] = "case"
    id: str
    repeat: int = 0
    inputs: Any = None
    outputs: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, MetricValue] = Field(default_factory=dict)
    passed: bool
    timing: dict[str, float] = Field(default_factory=dict)
    tokens: dict[str, int] = Field(default_factory=dict)
    calls: int = 0
    cached_calls: int = 0


class MetricSummary(Record):
    """One metric over the run: mean of the per-repeat means, their spread, the gate and its verdict."""

    value: float | None = None
    n: int = 0
    spread: float = 0.0
    stdev: float = 0.0
    bound: str = ""
    passed: bool | None = None

    @property
    def status(self) -> str:
        return {True: "pass", False: "FAIL", None: ""}[self.passed]


class RunSummary(Record):
    type: Literal["summary"] = "summary"
    metrics: dict[str, MetricSummary] = Field(default_factory=dict)
    failed: list[str] = Field(default_factory=list)
    cases_passed: int = 0
    cases: int = 0


RECORDS: dict[str, type[Record]] = {"run": RunHeader, "case": CaseRecord, "summary": RunSummary}
