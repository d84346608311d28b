"""Kill -9 during `tutor eval run`, then `tutor eval resume`: one line per (case, repeat), one header, one
summary whose metrics equal an uninterrupted run's; a cut last line is dropped and its case run again;
finished, missing or changed runs are refused with one line; a resumed run counts in history.

The kill test runs real retrieval (MiniLM) over a two-chapter copy of the demo course in subprocesses;
the others run in-process with a canned retriever, so they need no model."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hardening_support import tutor_cmd
from tutor.config import get_settings
from tutor.errors import EvalResumeError, EvalRunError

ROOT = Path(__file__).resolve().parents[2]
QUALITY_METRICS = ("hit@1", "hit@5", "mrr@10", "ndcg@10")  # latency_s is wall time: it differs run to run


def _write_suite(folder: Path, cases: list[dict], *, course_path: str | None = None) -> Path:
    (folder / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    suite = folder / "resumable.yaml"
    course = f"course: two-chapters\ncourse_path: {course_path}\n" if course_path else "course: canned\n"
    suite.write_text(
        f"name: resumable\ntask: retrieval\n{course}dataset: cases.jsonl\nparams: {{k: 10, mode: hybrid}}\n"
        "metrics:\n  - {name: hit@5, min: 0.0}\n  - {name: hit@1}\n  - {name: mrr@10}\n  - {name: ndcg@10}\n",
        encoding="utf-8",
    )
    return suite


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _assert_one_line_per_case(path: Path, case_ids: list[str], repeat: int = 1) -> list[dict]:
    lines = _lines(path)
    assert lines[0]["type"] == "run" and lines[-1]["type"] == "summary"
    assert [r["type"] for r in lines].count("run") == 1 and [r["type"] for r in lines].count("summary") == 1
    keys = [(r["id"], r["repeat"]) for r in lines if r["type"] == "case"]
    assert sorted(keys) == sorted((c, r) for c in case_ids for r in range(repeat))  # each once, none missing
    return lines


# -- the real thing: a subprocess killed with SIGKILL mid-run ------------------------------------


def _whole_case_lines(path: Path) -> int:
    data = path.read_bytes()
    return sum(1 for line in data.split(b"\n")[:-1] if line.startswith(b'{"type": "case"'))


def _kill_after_some_cases(cmd: list[str], runs: Path, at_least: int) -> Path:
    child = subprocess.Popen(cmd, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            files = list(runs.glob("*.jsonl")) if runs.is_dir() else []
            if files and _whole_case_lines(files[0]) >= at_least:
                os.kill(child.pid, signal.SIGKILL)
                child.wait(30)
                return files[0]
            if child.poll() is not None:
                pytest.fail(f"the run ended (status {child.returncode}) before it could be killed: {child.stderr.read().decode()[-2000:]}")
            time.sleep(0.02)
        pytest.fail("no case line reached the run file in time")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)


def test_kill_9_mid_run_then_resume_gives_the_uninterrupted_summary(tutor_home, tmp_path, demo_course):
    course = tmp_path / "course"
    course.mkdir()
    for name in ("07-loops.md", "09-functions.md"):
        shutil.copy(demo_course / name, course / name)
    dev = [json.loads(line) for line in (ROOT / "evals" / "datasets" / "retrieval_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    cases = [c for c in dev if c["concept"] in ("loops", "functions")]
    suite = _write_suite(tmp_path, cases, course_path="course")
    runs = tutor_home / "evals" / "runs" / "resumable"
    env = dict(os.environ, TUTOR_LLM="fake")

    killed = _kill_after_some_cases([sys.executable, "-m", "tutor.cli", "eval", "run", str(suite)], runs, at_least=2)
    recorded = _whole_case_lines(killed)
    assert 2 <= recorded < len(cases), "the kill should land after some cases and before the last"
    assert "summary" not in killed.read_text(encoding="utf-8", errors="replace")

    history = tutor_cmd("eval", "history", str(suite), env=env)
    assert history.returncode == 0 and "No finished runs" in history.stdout  # the killed run does not count

    resumed = tutor_cmd("eval", "resume", "resumable", "--json", env=env)  # by suite name: the newest unfinished run
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming run {killed.stem}" in resumed.stderr
    lines = _assert_one_line_per_case(killed, [c["id"] for c in cases])
    assert len(list(runs.glob("*.jsonl"))) == 1  # finished in place, no second run file

    reference = tutor_cmd("eval", "run", str(suite), "--json", env=env)
    assert reference.returncode == 0, reference.stderr
    expected, got = json.loads(reference.stdout), lines[-1]
    assert json.loads(resumed.stdout)["metrics"] == got["metrics"]
    for metric in QUALITY_METRICS:
        assert got["metrics"][metric]["value"] == pytest.approx(expected["metrics"][metric]["value"]), metric
        assert got["metrics"][metric]["n"] == expected["metrics"][metric]["n"] == len(cases)
    assert (got["cases"], got["cases_passed"], got["failed"]) == (expected["cases"], expected["cases_passed"], expected["failed"])
    assert got["resumed"] == {"cases_recorded_before": recorded, "cases_run": len(cases) - recorded}


# -- in-process: a canned retriever, so no model ------------------------------------------------


@dataclass
class Passage:
    id: str
    section: str
    score: float
    text: str


class CannedStore:
    def exists(self, course: str) -> bool:
        return True


class CannedRetriever:
    """Ranks a fixed passage first for some questions, so the metrics are not all zero or all one."""

    store = CannedStore()
    embedder = None

    def search(self, question: str, course: str, k: int = 10, mode: str = "hybrid") -> list[Passage]:
        hit = Passage("p1", "Loops", 1.0, "break exits the loop at once")
        miss = Passage("p2", "Lists", 0.5, "a list holds items in order")
        return [hit, miss] if "loop" in question else [miss]


CASES = [{"id": f"c{n}", "question": "stop a loop" if n % 2 else "sort a list", "keys": ["exits the loop"]} for n in range(6)]


@pytest.fixture
def suite(tmp_path):
    from tutor.evaluation.suite import load_suite

    return load_suite(_write_suite(tmp_path, CASES))


def _finished_run(suite, repeat: int = 1):
    from tutor.evaluation.runner import run_suite

    return run_suite(suite, get_settings(), retriever=CannedRetriever(), repeat=repeat)


def _as_if_killed(run, keep: int, cut: bool) -> Path:
    """The run file as a kill leaves it: header, the first `keep` case lines, maybe half of the next, no summary."""
    raw = run.path.read_text(encoding="utf-8").splitlines(keepends=True)
    text = "".join(raw[: 1 + keep]) + (raw[1 + keep][: len(raw[1 + keep]) // 2] if cut else "")
    run.path.write_text(text, encoding="utf-8")
    return run.path


def test_a_cut_last_line_is_dropped_and_that_case_is_run_again(suite):
    from tutor.evaluation.results import list_runs, read_run
    from tutor.evaluation.resume import pick_run, resume_run

    finished = _finished_run(suite, repeat=2)
    path = _as_if_killed(finished, keep=7, cut=True)
    unfinished = read_run(path)  # an unfinished run with a cut last line still reads
    assert len(unfinished.cases) == 7 and not unfinished.summary
    assert list_runs("resumable", get_settings().home) == []  # and history ignores it
    kept = path.read_text(encoding="utf-8").splitlines()[:8]

    announced = []
    resumed = resume_run(pick_run(str(path), get_settings().home), get_settings(), retriever=CannedRetriever(),
                         announce=lambda run, dropped: announced.append(dropped))
    assert announced == [True]
    lines = _assert_one_line_per_case(path, [c["id"] for c in CASES], repeat=2)
    assert path.read_text(encoding="utf-8").splitlines()[:8] == kept  # nothing before the cut was touched
    assert lines[0]["repeat"] == 2  # the recorded repeat count, not a default
    for metric in QUALITY_METRICS:
        assert resumed.summary["metrics"][metric]["value"] == pytest.approx(finished.summary["metrics"][metric]["value"])
    assert resumed.summary["resumed"] == {"cases_recorded_before": 7, "cases_run": 5}


def test_resuming_a_finished_run_is_refused_in_one_line(suite):
    finished = _finished_run(suite)
    env = dict(os.environ, TUTOR_LLM="fake")
    for ref in (finished.id, str(finished.path)):
        refused = tutor_cmd("eval", "resume", ref, env=env)
        assert refused.returncode == 2 and refused.stderr.strip().splitlines() == [f"error: Run {finished.id} is finished already (it has a summary): nothing to resume."]
    none_left = tutor_cmd("eval", "resume", "resumable", env=env)
    assert none_left.returncode == 2 and "No unfinished run of suite 'resumable'" in none_left.stderr
    assert len(none_left.stderr.strip().splitlines()) == 1
    unknown = tutor_cmd("eval", "resume", "resumable-20000101-000000-000-retriever", env=env)
    assert unknown.returncode == 2 and "No run or suite" in unknown.stderr
    assert finished.path.read_text(encoding="utf-8").count('"type": "summary"') == 1  # untouched


def test_a_run_whose_recorded_case_left_the_dataset_is_refused(suite):
    path = _as_if_killed(_finished_run(suite), keep=3, cut=False)
    before = path.read_bytes()
    dataset = suite.dataset_path
    dataset.write_text("".join(json.dumps(c) + "\n" for c in CASES if c["id"] != "c1"), encoding="utf-8")
    refused = tutor_cmd("eval", "resume", str(path), env=dict(os.environ, TUTOR_LLM="fake"))
    assert refused.returncode == 2 and "recorded case 'c1' is no longer in cases.jsonl" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == before  # refused before anything was written


def test_a_changed_threshold_or_dataset_is_refused(suite, tmp_path):
    from tutor.evaluation.resume import resume_run
    from tutor.evaluation.results import read_run

    path = _as_if_killed(_finished_run(suite), keep=2, cut=False)
    suite.dataset_path.write_text("".join(json.dumps(c) + "\n" for c in CASES + [{"id": "new", "question": "q", "keys": ["k"]}]), encoding="utf-8")
    with pytest.raises(EvalResumeError, match="dataset cases.jsonl changed"):
        resume_run(read_run(path), get_settings(), retriever=CannedRetriever())
    suite_file = Path(suite.path)
    suite_file.write_text(suite_file.read_text(encoding="utf-8").replace("min: 0.0", "min: 0.5"), encoding="utf-8")
    with pytest.raises(EvalResumeError, match="thresholds changed"):
        resume_run(read_run(path), get_settings(), retriever=CannedRetriever())


def test_a_run_still_being_written_is_not_resumed_twice(suite):
    from tutor.evaluation.results import read_run
    from tutor.evaluation.resume import resume_run
    from tutor.evaluation.runfile import held

    path = _as_if_killed(_finished_run(suite), keep=2, cut=False)
    with held(path):  # as the original process would while it runs
        with pytest.raises(EvalRunError, match="another process is still writing"):
            resume_run(read_run(path), get_settings(), retriever=CannedRetriever())
    assert _lines(path)[-1]["type"] == "case"


def test_a_resumed_run_counts_in_history(suite):
    from tutor.cli import app
    from tutor.evaluation.results import read_run
    from tutor.evaluation.resume import resume_run

    path = _as_if_killed(_finished_run(suite), keep=3, cut=True)
    runner = CliRunner()
    before = runner.invoke(app, ["eval", "history", suite.path], env={"COLUMNS": "250"})
    assert "No finished runs" in before.output
    resumed = resume_run(read_run(path), get_settings(), retriever=CannedRetriever())
    after = runner.invoke(app, ["eval", "history", suite.path], env={"COLUMNS": "250"})
    assert after.exit_code == 0 and resumed.id in after.output
