"""The runner with the fake LLM: cached re-runs, run files, score, exit status, compare and report."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from eval_fixtures import rubric_reply, write_jsonl
from tutor.config import get_settings
from tutor.evaluation.compare import bootstrap_interval, compare
from tutor.evaluation.report import html_report
from tutor.evaluation.results import Run, find_run, list_runs, read_run
from tutor.evaluation.runner import run_suite
from tutor.evaluation.suite import load_suite
from tutor.llm.fake import FakeChatModel


def test_rerun_is_served_from_the_cache(feedback_suite, stub_retriever):
    suite = load_suite(feedback_suite)
    first_model = FakeChatModel(default=rubric_reply())
    first = run_suite(suite, get_settings(), chat_model=first_model, retriever=stub_retriever)
    assert len(first_model.calls) == 2  # one rubric call per free-text answer
    second_model = FakeChatModel(default=rubric_reply("correct"))
    second = run_suite(suite, get_settings(), chat_model=second_model, retriever=stub_retriever)
    assert second_model.prompts == []  # zero model calls
    assert second.summary["cache"] == {"hits": 2, "misses": 0}
    assert [c["outputs"] for c in second.cases] == [c["outputs"] for c in first.cases]
    assert all(c["cached_calls"] == c["calls"] == 1 for c in second.cases)


def test_repeat_asks_again_and_reports_spread(feedback_suite, stub_retriever):
    suite = load_suite(feedback_suite)
    model = FakeChatModel([rubric_reply("correct"), rubric_reply("incorrect"), rubric_reply("incorrect"), rubric_reply("incorrect")])
    run = run_suite(suite, get_settings(), chat_model=model, retriever=stub_retriever, repeat=2)
    assert len(model.calls) == 4
    assert len(run.cases) == 4 and {c["repeat"] for c in run.cases} == {0, 1}
    # No embedder: the similarity band says "incorrect" and the rubric moves it one step at most.
    # Repeat 0 (correct, incorrect) gives partly and incorrect, both labels right: 1.0; repeat 1
    # (incorrect, incorrect) is right only for the second case: 0.5. Mean 0.75, spread 0.5.
    accuracy = run.summary["metrics"]["verdict_accuracy"]
    assert accuracy["value"] == pytest.approx(0.75) and accuracy["spread"] == pytest.approx(0.5)


def test_run_file_holds_inputs_outputs_prompt_model_metrics_timing(feedback_suite, stub_retriever):
    run = run_suite(load_suite(feedback_suite), get_settings(), chat_model=FakeChatModel(default=rubric_reply()), retriever=stub_retriever)
    stored = read_run(run.path)
    assert run.path.parent == get_settings().home / "evals" / "runs" / "fb"
    assert stored.header["prompt_id"] == "grade" and stored.header["prompt_version"] == 1
    assert stored.header["model_name"] == "fake"
    case = stored.cases[0]
    assert case["inputs"]["learner_answer"] == "it jumps ahead"
    assert case["outputs"]["verdict"] in ("correct", "partly", "incorrect")
    assert set(case["metrics"]["verdict_accuracy"]) == {"value", "reason"}
    assert "wall_s" in case["timing"] and case["tokens"]["completion"] > 0
    assert stored.summary["metrics"]["verdict_accuracy"]["bound"] == ">= 0.5"
    assert find_run(run.id, get_settings().home).id == run.id
    assert [r.id for r in list_runs("fb", get_settings().home)] == [run.id]


def _retrieval_suite(tmp_path, min_hit: float):
    write_jsonl(tmp_path / "r.jsonl", [{"id": "q1", "question": "stop a loop", "keys": ["exits the loop"]},
                                       {"id": "q2", "question": "dict lookup", "keys": ["raises KeyError"]}])
    path = tmp_path / "r.yaml"
    path.write_text(f"name: r\ntask: retrieval\ndataset: r.jsonl\nmetrics:\n  - {{name: hit@5, min: {min_hit}}}\n", encoding="utf-8")
    outputs = write_jsonl(tmp_path / "out.jsonl", [
        {"id": "q1", "outputs": {"passages": [{"id": "c1", "section": "Loops", "score": 1.0, "text": "break exits the loop at once"}]}},
        {"id": "q2", "outputs": {"passages": [{"id": "c2", "section": "Lists", "score": 1.0, "text": "a list holds items"}]}},
    ])
    return path, outputs


@pytest.mark.parametrize("min_hit, status", [(0.5, 0), (0.6, 1)])
def test_score_exit_status_follows_the_threshold(tmp_path, min_hit, status):
    from tutor.cli import app

    suite, outputs = _retrieval_suite(tmp_path, min_hit)
    result = CliRunner().invoke(app, ["eval", "score", str(suite), "--outputs", str(outputs)])
    assert result.exit_code == status, result.output
    assert "hit@5" in result.output and ("FAIL" in result.output) == bool(status)


def _run(values: dict[str, float], suite: str = "s", run_id: str = "A") -> Run:
    cases = [{"id": i, "repeat": 0, "inputs": {"q": i}, "outputs": {"text": f"{run_id} says {i}"},
              "metrics": {"m": {"value": v, "reason": f"r{i}"}}, "passed": v >= 1.0} for i, v in values.items()]
    from tutor.evaluation.results import summarise

    return Run(header={"run_id": run_id, "suite": suite, "task": "explanation", "repeat": 1}, cases=cases, summary=summarise(cases, None, 1))


def test_compare_deltas_intervals_and_changed_verdicts():
    ids = [f"c{i:02d}" for i in range(20)]
    a = _run({i: 0.0 for i in ids}, run_id="A")
    b = _run({i: 1.0 for i in ids}, run_id="B")
    result = compare(a, b)
    (m,) = result["metrics"]
    assert (m.a, m.b, m.delta, m.low, m.high, m.n) == (0.0, 1.0, 1.0, 1.0, 1.0, 20)
    assert m.significant
    assert [c["id"] for c in result["changed"]] == ids and not result["changed"][0]["a_passed"]
    # Half the cases improve by 1: delta 0.5, the interval holds it and stays inside [0, 1].
    c = _run({i: float(n % 2) for n, i in enumerate(ids)}, run_id="C")
    (m,) = compare(a, c)["metrics"]
    assert m.delta == 0.5 and 0.0 < m.low < 0.5 < m.high < 1.0
    # Identical runs: no change, a zero-width interval at 0.
    (m,) = compare(a, a)["metrics"]
    assert (m.delta, m.low, m.high, m.significant) == (0.0, 0.0, 0.0, False)


def test_bootstrap_interval_is_reproducible_and_ordered():
    diffs = [0.1, -0.2, 0.3, 0.0, 0.5, -0.1]
    assert bootstrap_interval(diffs) == bootstrap_interval(diffs)
    low, high = bootstrap_interval(diffs)
    assert min(diffs) <= low < sum(diffs) / len(diffs) < high <= max(diffs)


def test_compare_refuses_runs_of_different_suites():
    from tutor.errors import EvalRunError

    with pytest.raises(EvalRunError):
        compare(_run({"x": 1.0}, suite="s1"), _run({"x": 1.0}, suite="s2"))


def test_report_lists_failures_first(tmp_path):
    run = _run({"ok-1": 1.0, "bad-2": 0.0, "ok-3": 1.0}, run_id="R")
    page = html_report(run)
    assert page.startswith("<!doctype html>") and "<svg" in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    items = page[page.index('<table id="items">'):]
    assert items.index("bad-2") < items.index("ok-1") < items.index("ok-3")
    assert items.count("<tr class=\"fail\">") == 1 and items.count("<tr class=\"pass\">") == 2


def test_report_command_writes_html(feedback_suite, stub_retriever, tmp_path):
    from tutor.cli import app

    run = run_suite(load_suite(feedback_suite), get_settings(), chat_model=FakeChatModel(default=rubric_reply()), retriever=stub_retriever)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["eval", "report", run.id, "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert 'id="items"' in out.read_text(encoding="utf-8")
    history = CliRunner().invoke(app, ["eval", "history", str(feedback_suite)])
    assert "verdict_accuracy" in history.output and "0.500" in history.output


def test_judge_is_reported_beside_not_instead(feedback_suite, stub_retriever, tmp_path):
    """With a judge, explanation cases get a separate judge score; the metrics and gate ignore it."""
    from tutor.evaluation.tasks.explanation import ExplanationTask

    suite = load_suite(feedback_suite)
    judge = FakeChatModel(default=json.dumps({"score": 5, "reason": "fine"}))
    record_outputs = {"text": "Use break [1].", "origin": "model", "citations": [{"n": 1, "passage_id": "p", "section": "s", "text": "break exits"}]}
    from tutor.evaluation.judge import judge_answer

    score = judge_answer(judge, "judge-explanation", "How to stop a loop?", record_outputs["text"], ["break exits"])
    assert score.value == 1.0 and score.reason.startswith("5/5")
    scores = ExplanationTask().score({"question": "q", "points": [], "level": "beginner"}, record_outputs, None)
    assert "judge" not in scores
    assert suite.judge is None  # a suite without a rubric never calls a judge


def test_latest_summaries_for_the_instructor_view(feedback_suite, stub_retriever):
    from tutor.evaluation.results import latest_summaries

    assert latest_summaries(get_settings().home) == []
    run = run_suite(load_suite(feedback_suite), get_settings(), chat_model=FakeChatModel(default=rubric_reply()), retriever=stub_retriever)
    (row,) = latest_summaries(get_settings().home)
    assert row["run_id"] == run.id and row["prompt"] == "grade v1" and "verdict_accuracy" in row["metrics"]
