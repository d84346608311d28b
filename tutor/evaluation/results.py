"""Run files: one JSONL per run under TUTOR_HOME/evals/runs/<suite>/<run id>.jsonl.

Line 1 is the run header (suite, task, model configuration, prompt id and version, parameters), then
one line per case and repeat (inputs, outputs, metric values with reasons, verdict, timing, tokens),
then a summary line (per-metric value, spread over repeats, threshold and pass/fail). Case lines are
keyed by case id, so two runs of one suite join on it. This module reads, aggregates and finds runs;
every line is a typed record (tutor.evaluation.records), validated when read.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from tutor.errors import EvalRunError
from tutor.evaluation.metrics import mean
from tutor.evaluation.records import RECORDS, CaseRecord, MetricSummary, RunHeader, RunSummary
from tutor.evaluation.runfile import whole_lines, write_line  # noqa: F401  (write_line: the runner's import)
from tutor.evaluation.suite import Suite


def runs_dir(home: Path) -> Path:
    return Path(home) / "evals" / "runs"


@dataclass
class Run:
    header: RunHeader
    cases: list[CaseRecord]
    summary: RunSummary | None = None  # None until the run finishes
    path: Path | None = None

    def __post_init__(self):
        # Records built as dicts (a test, a caller that assembled a run by hand) are validated into their types.
        if isinstance(self.header, dict):
            self.header = RunHeader.model_validate(self.header)
        self.cases = [c if isinstance(c, CaseRecord) else CaseRecord.model_validate(c) for c in self.cases]
        if isinstance(self.summary, dict):
            self.summary = RunSummary.model_validate(self.summary) if self.summary else None

    @property
    def id(self) -> str:
        return self.header.run_id

    def metric_names(self) -> list[str]:
        names: list[str] = []
        for case in self.cases:
            for name in case.metrics:
                if name not in names:
                    names.append(name)
        return names

    def per_case(self, metric: str) -> dict[str, float]:
        """Case id -> the metric's value averaged over repeats (cases where it does not apply are left out)."""
        values: dict[str, list[float]] = {}
        for case in self.cases:
            score = case.metrics.get(metric)
            if score is not None and score.value is not None:
                values.setdefault(case.id, []).append(score.value)
        return {k: sum(v) / len(v) for k, v in values.items()}

    def verdicts(self) -> dict[str, bool]:
        """Case id -> passed (in every repeat)."""
        out: dict[str, bool] = {}
        for case in self.cases:
            out[case.id] = out.get(case.id, True) and case.passed
        return out


def summarise(cases: list[CaseRecord], suite: Suite | None, repeats: int) -> RunSummary:
    """Per metric: mean over cases per repeat, then mean and spread of those over repeats; gates checked."""
    names: list[str] = []
    for case in cases:
        names += [n for n in case["metrics"] if n not in names]
    metrics = {}
    for name in names:
        per_repeat = [mean(c["metrics"][name]["value"] for c in cases if c["repeat"] == r and name in c["metrics"]) for r in range(repeats)]
        present = [v for v in per_repeat if v is not None]
        value = sum(present) / len(present) if present else None
        entry = MetricSummary(
            value=value,
            n=sum(1 for c in cases if c["repeat"] == 0 and c["metrics"].get(name, {}).get("value") is not None),
            spread=(max(present) - min(present)) if len(present) > 1 else 0.0,
            stdev=statistics.stdev(present) if len(present) > 1 else 0.0,
        )
        gate = suite.gate(name) if suite else None
        if gate:
            entry.bound, entry.passed = gate.bound, gate.passes(value)
        metrics[name] = entry
    if suite:  # a gated metric that no case produced is a failure, not a silent pass
        for gate in suite.metrics:
            if gate.name not in metrics:
                metrics[gate.name] = MetricSummary(value=None, bound=gate.bound, passed=gate.passes(None))
    failed = [n for n, m in metrics.items() if m.passed is False]
    passed_cases = sum(1 for c in cases if c["passed"])
    return RunSummary(metrics=metrics, failed=failed, cases_passed=passed_cases, cases=len(cases))


def read_run(path: Path) -> Run:
    """A run as far as it got; a last line cut by a kill (an unfinished run's) is left out, not an error."""
    header, cases, summary = None, [], None
    for n, line in enumerate(whole_lines(path), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalRunError(f"{path}:{n}: not a JSON line ({exc.msg}); the run file is damaged.") from exc
        kind = raw.get("type") if isinstance(raw, dict) else None
        if kind not in RECORDS:
            continue
        try:
            record = RECORDS[kind].model_validate(raw)
        except ValidationError as exc:
            where = ".".join(map(str, exc.errors()[0]["loc"]))
            raise EvalRunError(f"{path}:{n}: a {kind} line that does not fit the run format ({where}: {exc.errors()[0]['msg']}).") from exc
        if kind == "run":
            header = record
        elif kind == "case":
            cases.append(record)
        else:
            summary = record
    if header is None:
        raise EvalRunError(f"{path}: not an eval run file (no header line).")
    return Run(header=header, cases=cases, summary=summary, path=Path(path))


def find_run(ref: str, home: Path) -> Run:
    """A run by file path, by run id, or `latest:SUITE`."""
    path = Path(ref)
    if path.is_file():
        return read_run(path)
    root = runs_dir(home)
    if ref.startswith("latest:"):
        runs = list_runs(ref.split(":", 1)[1], home)
        if not runs:
            raise EvalRunError(f"No runs of suite '{ref.split(':', 1)[1]}' under {root}.")
        return runs[-1]
    matches = sorted(root.glob(f"*/{ref}.jsonl")) if root.is_dir() else []
    if not matches:
        raise EvalRunError(f"No run '{ref}' under {root}. List runs with: tutor eval history SUITE")
    return read_run(matches[0])


def list_runs(suite: str, home: Path) -> list[Run]:
    """Finished runs of a suite, oldest first."""
    return [r for r in _all_runs(suite, home) if r.summary]


def unfinished_runs(suite: str, home: Path) -> list[Run]:
    """Runs of a suite that have no summary (killed, or still running), oldest first; scored runs are not resumable."""
    return [r for r in _all_runs(suite, home) if not r.summary and "outputs_file" not in r.header]


def _all_runs(suite: str, home: Path) -> list[Run]:
    folder = runs_dir(home) / suite
    # A file with no whole line yet is a run killed before its header reached the disk: nothing to list.
    paths = [p for p in folder.glob("*.jsonl") if whole_lines(p)] if folder.is_dir() else []
    return sorted((read_run(p) for p in paths), key=lambda r: r.header.started or "")


def latest_summaries(home: Path) -> list[dict]:
    """The newest finished run of every suite, flattened for a dashboard (the app's instructor view)."""
    root = runs_dir(home)
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        runs = list_runs(folder.name, home)
        if runs:
            r = runs[-1]
            out.append({
                "suite": folder.name, "run_id": r.id, "started": r.header.get("started"), "model": r.header.get("model_name"),
                "prompt": f"{r.header.get('prompt_id')} v{r.header.get('prompt_version')}" if r.header.get("prompt_id") else None,
                "failed": r.summary.get("failed", []),
                "metrics": {n: m.value for n, m in r.summary.metrics.items()},
            })
    return out
