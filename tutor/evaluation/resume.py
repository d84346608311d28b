"""Finish an eval run that was interrupted (kill -9, power cut): `tutor eval resume RUN_OR_SUITE`.

The resumed run is the recorded one, not a new one: suite, model configuration, prompt version,
parameters (with their --set overrides) and repeat count all come from its header, and it refuses to
go on when the suite or dataset on disk no longer matches (a mixed run would compare like with unlike).
Only a cut last line is dropped; (case, repeat) pairs that have a line are not run again, the rest are
appended, then one summary over every case line. The writer's lock keeps two processes off one file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from pydantic import ValidationError

from tutor.config import Settings
from tutor.errors import EvalResumeError, EvalSuiteError
from tutor.evaluation.results import Run, read_run, runs_dir, unfinished_runs
from tutor.evaluation.runfile import held, repair_tail
from tutor.evaluation.runner import Plan, Progress, dataset_digest, plan_run, run_cases
from tutor.evaluation.suite import ModelConfig, load_suite


def pick_run(ref: str, home: Path) -> Run:
    """A run file, a run id, or a suite (file or name): then its newest unfinished run."""
    path = Path(ref)
    if path.suffix == ".jsonl":
        if not path.is_file():
            raise EvalResumeError(f"No run file {path}.")
        return _unfinished(read_run(path))
    if path.is_file():
        suite_name = load_suite(path).name
    else:
        matches = sorted(runs_dir(home).glob(f"*/{ref}.jsonl")) if runs_dir(home).is_dir() and "/" not in ref else []
        if matches:
            return _unfinished(read_run(matches[0]))
        if not (runs_dir(home) / ref).is_dir():  # a suite never run has nothing to resume either
            raise EvalResumeError(f"No run or suite '{ref}' under {runs_dir(home)}: give a run id, a run file or a suite. List runs with: tutor eval history SUITE")
        suite_name = ref
    runs = unfinished_runs(suite_name, home)
    if not runs:
        raise EvalResumeError(f"No unfinished run of suite '{suite_name}' under {runs_dir(home) / suite_name}: nothing to resume.")
    return runs[-1]


def _unfinished(run: Run) -> Run:
    if run.summary:
        raise EvalResumeError(f"Run {run.id} is finished already (it has a summary): nothing to resume.")
    if "outputs_file" in run.header:
        raise EvalResumeError(f"Run {run.id} scored outside outputs: score them again with tutor eval score.")
    return run


def resume_run(run: Run, settings: Settings, *, chat_model=None, retriever=None, judge=None, progress: Progress | None = None,
               announce: Callable[[Run, bool], None] | None = None) -> Run:
    """Run what the interrupted run has no line for, append it, then the summary over all its case lines.

    `announce(run, dropped_cut_line)` is called once every check has passed, before any case runs.
    """
    path = run.path
    if path is None or not Path(path).is_file():
        raise EvalResumeError(f"No run file for run '{run.id}'.")
    with held(path):  # refuses while the original process (or another resume) still writes the file
        run = _unfinished(read_run(path))  # again, under the lock: what is on disk now is what counts
        h = run.header
        suite = _recorded_suite(run)
        suite.params = dict(h.get("params") or {})
        plan = plan_run(suite, settings, _recorded_model(run, suite), prompt_version=h.get("prompt_version"),
                        chat_model=chat_model, retriever=retriever, judge=judge)
        problem = _mismatch(plan, run)
        if problem:
            raise EvalResumeError(f"Cannot resume run {run.id}: {problem}. Start a new run: tutor eval run {h['suite_path']}")
        dropped = repair_tail(path)
        if announce:
            announce(run, dropped)
        return run_cases(plan, Path(path), h, int(h.get("repeat", 1)), recorded=run.cases, progress=progress)


def _recorded_suite(run: Run):
    try:
        return load_suite(run.header["suite_path"])
    except EvalSuiteError as exc:
        raise EvalResumeError(f"Cannot resume run {run.id}: its suite cannot be loaded ({exc}).") from exc


def _recorded_model(run: Run, suite=None) -> ModelConfig:
    from tutor.redact import redact_url

    recorded = dict(run.header["model"])
    # A redacted endpoint URL was recorded: the suite's configuration of that name holds the real one.
    for config in getattr(suite, "models", None) or []:
        if config.name == recorded.get("name") and config.base_url and redact_url(config.base_url) == recorded.get("base_url"):
            recorded["base_url"] = config.base_url
    try:
        return ModelConfig(**recorded)
    except ValidationError as exc:  # a header from a version whose model configurations had other fields
        raise EvalResumeError(f"Cannot resume run {run.id}: its recorded model configuration is no longer valid ({exc.errors()[0]['msg']}).") from exc


def _mismatch(plan: Plan, run: Run) -> str | None:
    """Why the suite, dataset, prompt or model on disk is not the one the run started with, or None."""
    h, suite = run.header, plan.suite
    for field, now in (("suite", suite.name), ("task", suite.task), ("course", suite.course), ("dataset", str(suite.dataset_path))):
        if h.get(field) != now:
            return f"the suite's {field} is now '{now}', the run used '{h.get(field)}'"
    if h.get("gates") != [g.model_dump() for g in suite.metrics]:
        return "the suite's metrics or thresholds changed since the run started"
    prompt_id = plan.prompt.id if plan.prompt else None
    if h.get("prompt_id") != prompt_id:
        return f"the suite's prompt is now '{prompt_id}', the run used '{h.get('prompt_id')}'"
    if h.get("model_name") != plan.model_name:
        return f"the model is now '{plan.model_name}', the run used '{h.get('model_name')}'"
    # The case-by-case check first, for its more precise message; the digest also catches added cases.
    problem = _recorded_cases_mismatch(plan, run)
    if problem is None and h.get("dataset_sha256") and h["dataset_sha256"] != dataset_digest(suite.dataset_path):
        problem = f"the dataset {suite.dataset_path.name} changed since the run started"
    return problem


def _recorded_cases_mismatch(plan: Plan, run: Run) -> str | None:
    cases = {c["id"]: c for c in plan.cases}
    seen: set[tuple[str, int]] = set()
    for rec in run.cases:
        key = (rec["id"], rec["repeat"])
        if key in seen:
            return f"the run file holds two lines for case '{rec['id']}' repeat {rec['repeat']}"
        seen.add(key)
        if rec["id"] not in cases:
            return f"recorded case '{rec['id']}' is no longer in {plan.suite.dataset_path.name}"
        if rec["repeat"] >= int(run.header.get("repeat", 1)):
            return f"case '{rec['id']}' has repeat {rec['repeat']}, beyond the run's {run.header.get('repeat')}"
        # Round-trip through JSON so tuples and lists compare as they were written.
        if json.loads(json.dumps(plan.task.inputs(cases[rec["id"]]), ensure_ascii=False)) != rec["inputs"]:
            return f"case '{rec['id']}' changed in {plan.suite.dataset_path.name} since the run started"
    return None
