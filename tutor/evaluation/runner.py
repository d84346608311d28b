"""Run a suite: every case (times --repeat), through the task, with cached model calls; write the run.

The run file is written line by line as cases finish, so a killed run leaves what it did; only runs
with a summary line count in history, and `tutor eval resume` finishes a killed one (evaluation/resume.py)
through the same `run_cases`. Each case line records the calls it made, how many came from
the cache, tokens and model latency (as measured when the completion was made), and wall time.
`score_outputs` scores outputs produced elsewhere (JSONL of {"id", "outputs"}) without any model.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from tutor.config import Settings
from tutor.errors import EvalSuiteError
from tutor.evaluation.context import Context
from tutor.evaluation.metrics import Score
from tutor.evaluation.records import CaseRecord, RunHeader
from tutor.evaluation.results import Run, runs_dir, summarise
from tutor.evaluation.runfile import held, write_line
from tutor.evaluation.suite import ModelConfig, Suite, load_cases
from tutor.evaluation.tasks import get_task

Progress = Callable[[str, int], None]


def _run_file(settings: Settings, suite: Suite, model: str, version: int | None) -> tuple[str, Path]:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")[:-3]
    run_id = f"{suite.name}-{stamp}-{model}" + (f"-v{version}" if version is not None else "")
    folder = runs_dir(settings.home) / suite.name
    folder.mkdir(parents=True, exist_ok=True)
    return run_id, folder / f"{run_id}.jsonl"


def _shown_config(config) -> dict:
    """The model configuration as recorded: an endpoint URL without its password or key (resume takes the real
    one from the suite again)."""
    from tutor.redact import redact_url

    return config.model_dump() | {"base_url": redact_url(config.base_url)}


def _header(run_id: str, suite: Suite, task, ctx: Context, repeat: int, model_name: str, prompt) -> RunHeader:
    return RunHeader(
        run_id=run_id, suite=suite.name, suite_path=suite.path, task=suite.task,
        course=suite.course, dataset=str(suite.dataset_path), dataset_sha256=dataset_digest(suite.dataset_path),
        model=_shown_config(ctx.model_config),
        model_name=model_name, prompt_id=prompt.id if prompt else None, prompt_version=prompt.version if prompt else None,
        params=suite.params, repeat=repeat, started=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        gates=[g.model_dump() for g in suite.metrics],
    )


def dataset_digest(path: Path) -> str:
    """Recorded in the header, so a resume can tell the dataset changed under an unfinished run."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class Plan:
    """What running a suite's cases needs, built once: by a new run, or by a resume from a run's header."""

    suite: Suite
    task: object
    cases: list[dict]
    ctx: Context
    prompt: object
    uses_model: bool

    @property
    def model_name(self) -> str:
        return self.ctx.model.name if self.uses_model else "none"


def plan_run(suite: Suite, settings: Settings, model_config: ModelConfig, *, prompt_version: int | None = None,
             chat_model=None, retriever=None, judge=None) -> Plan:
    task = get_task(suite.task)
    cases = load_cases(suite.dataset_path, task.case_model)
    ctx = Context(settings, suite, model_config, chat_model=chat_model, retriever=retriever, prompt_version=prompt_version)
    prompt = ctx.prompt_for(task.main_prompt) if task.main_prompt else None
    ctx.judge = _judge(suite, settings, judge)
    if prompt_version is not None and prompt is None:
        raise EvalSuiteError(suite.path, None, "task", f"a {suite.task} suite uses no prompt, so --prompt-version does not apply")
    return Plan(suite, task, cases, ctx, prompt, task.main_prompt is not None)


def run_suite(suite: Suite, settings: Settings, *, model: str | None = None, prompt_version: int | None = None,
              repeat: int = 1, chat_model=None, retriever=None, judge=None, progress: Progress | None = None) -> Run:
    plan = plan_run(suite, settings, suite.model(model), prompt_version=prompt_version, chat_model=chat_model, retriever=retriever, judge=judge)
    prompt = plan.prompt
    run_id, path = _run_file(settings, suite, plan.ctx.model_config.name if plan.uses_model else "retriever", prompt.version if prompt else None)
    header = _header(run_id, suite, plan.task, plan.ctx, repeat, plan.model_name, prompt)
    with held(path):
        write_line(path, header)
        return run_cases(plan, path, header, repeat, progress=progress)


def run_cases(plan: Plan, path: Path, header: RunHeader, repeat: int, *, recorded: list[CaseRecord] = (),
              progress: Progress | None = None) -> Run:
    """Run every (case, repeat) not in `recorded`, append each line, then the summary over all case lines.

    The caller holds the run file's lock. With `recorded` (a resume), the cache counts in the summary
    come from the case lines, so they cover the calls made before the interruption too.
    """
    ctx, uses_model = plan.ctx, plan.uses_model
    done = {(rec["id"], rec["repeat"]) for rec in recorded}
    if progress:
        progress("total", len(plan.cases) * repeat)
        if done:
            progress("advance", len(done))
    records = list(recorded)
    for r in range(repeat):
        if uses_model:
            ctx.model.repeat = r
        for case in plan.cases:
            if (case["id"], r) in done:
                continue
            record = _run_case(plan.task, case, ctx, r, uses_model)
            write_line(path, record)
            records.append(record)
            if progress:
                progress("advance", 1)
    summary = summarise(records, plan.suite, repeat)
    if uses_model and recorded:
        calls = sum(rec["calls"] for rec in records)
        cached = sum(rec["cached_calls"] for rec in records)
        summary["cache"] = {"hits": cached, "misses": calls - cached}
    elif uses_model:
        summary["cache"] = {"hits": ctx.model.hits, "misses": ctx.model.misses}
    if ctx.judge is not None:
        judged = [rec["judge"]["value"] for rec in records if rec.get("judge", {}).get("value") is not None]
        summary["judge"] = {"prompt": plan.suite.judge, "model": ctx.judge.name, "value": sum(judged) / len(judged) if judged else None, "n": len(judged)}
    if recorded:
        summary["resumed"] = {"cases_recorded_before": len(recorded), "cases_run": len(records) - len(recorded)}
    summary["finished"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    write_line(path, summary)
    return Run(header=header, cases=records, summary=summary, path=path)


def _run_case(task, case: dict, ctx: Context, r: int, uses_model: bool) -> CaseRecord:
    start_log = len(ctx.model.log) if uses_model else 0
    started = time.perf_counter()
    outputs = task.produce(case, ctx)
    wall = time.perf_counter() - started
    calls = ctx.model.log[start_log:] if uses_model else []
    metrics = task.score(case, outputs, ctx)
    model_latency = sum(c["latency_s"] for c in calls)
    tokens = {"prompt": sum(c["prompt_tokens"] for c in calls), "completion": sum(c["completion_tokens"] for c in calls)}
    # Latency: the model's own time when it was called (cached entries keep theirs), else wall time.
    metrics["latency_s"] = Score(round(model_latency if calls else wall, 4), f"{len(calls)} model call(s)" if calls else "wall time, no model call")
    if uses_model:
        metrics["tokens"] = Score(float(tokens["prompt"] + tokens["completion"]), f"{tokens['prompt']} prompt + {tokens['completion']} completion")
    record = CaseRecord(
        id=case["id"], repeat=r, inputs=task.inputs(case), outputs=outputs,
        metrics={k: v.as_json() for k, v in metrics.items()}, passed=task.passed(metrics),
        timing={"wall_s": round(wall, 4), "model_latency_s": round(model_latency, 4)},
        tokens=tokens, calls=len(calls), cached_calls=sum(c["cached"] for c in calls),
    )
    if ctx.judge is not None and "text" in outputs:
        from tutor.evaluation.judge import judge_answer

        # Beside the metrics, never among them: the gate and the verdict ignore it.
        passages = [c["text"] for c in outputs.get("citations", [])]
        record["judge"] = judge_answer(ctx.judge, ctx.suite.judge, case.get("question", ""), outputs["text"], passages).as_json()
    return record


def _judge(suite: Suite, settings: Settings, judge):
    """The judge model (cached like the model under test) when the suite names a rubric and one is configured."""
    if not suite.judge:
        return None
    if judge is None:
        from tutor.evaluation.judge import judge_model

        judge = judge_model()
    if judge is None:
        return None
    from tutor.llm.cache import CachingChatModel

    return CachingChatModel(judge, settings.home / "evals" / "cache", f"judge|{judge.name}", temperature=0.0)


def score_outputs(suite: Suite, settings: Settings, outputs_file: Path, *, retriever=None) -> Run:
    """Score outputs made elsewhere: JSONL lines with "id" and "outputs" (a run file's case lines also work)."""
    task = get_task(suite.task)
    cases = {c["id"]: c for c in load_cases(suite.dataset_path, task.case_model)}
    ctx = Context(settings, suite, retriever=retriever)
    run_id, path = _run_file(settings, suite, "scored", None)
    header = _header(run_id, suite, task, ctx, 1, "external", None)
    header["outputs_file"] = str(outputs_file)
    write_line(path, header)
    records = []
    for n, line in enumerate(Path(outputs_file).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSuiteError(str(outputs_file), n, None, f"not valid JSON: {exc.msg}") from exc
        if row.get("type") in ("run", "summary"):
            continue
        if "id" not in row or "outputs" not in row:
            raise EvalSuiteError(str(outputs_file), n, "id" if "id" not in row else "outputs", "each line needs 'id' and 'outputs'")
        if row["id"] not in cases:
            raise EvalSuiteError(str(outputs_file), n, "id", f"no case '{row['id']}' in {suite.dataset_path.name}")
        case = cases[row["id"]]
        metrics = task.score(case, row["outputs"], ctx)
        record = CaseRecord(id=case["id"], repeat=0, inputs=task.inputs(case), outputs=row["outputs"],
                            metrics={k: v.as_json() for k, v in metrics.items()}, passed=task.passed(metrics))
        write_line(path, record)
        records.append(record)
    summary = summarise(records, suite, 1)
    summary["missing_cases"] = sorted(set(cases) - {r["id"] for r in records})
    write_line(path, summary)
    return Run(header=header, cases=records, summary=summary, path=path)
