"""Suite and dataset validation: a bad file gets an error naming the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.errors import EvalSuiteError
from tutor.evaluation.suite import load_cases, load_suite
from tutor.evaluation.tasks.retrieval import RetrievalCase

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "evals" / "suites").glob("*.yaml"))


def test_bad_field_names_line_and_field(tmp_path):
    suite = tmp_path / "bad.yaml"
    suite.write_text(
        "name: bad\n"
        "task: retrieval\n"
        "dataset: x.jsonl\n"
        "metrics:\n"
        "  - name: hit@5\n"
        "    min: high\n",  # line 6: not a number
        encoding="utf-8",
    )
    with pytest.raises(EvalSuiteError) as err:
        load_suite(suite)
    assert err.value.line == 6
    assert err.value.field == "metrics.0.min"
    assert f"{suite}:6: field 'metrics.0.min'" in str(err.value)


def test_unknown_key_and_bad_task_are_located(tmp_path):
    suite = tmp_path / "bad.yaml"
    suite.write_text("name: bad\ntask: retrieval\ndataset: x.jsonl\nmetrics: [{name: a}]\nthreshold: 3\n", encoding="utf-8")
    with pytest.raises(EvalSuiteError) as err:
        load_suite(suite)
    assert (err.value.line, err.value.field) == (5, "threshold")
    suite.write_text("name: bad\ntask: translation\ndataset: x.jsonl\nmetrics: [{name: a}]\n", encoding="utf-8")
    with pytest.raises(EvalSuiteError) as err:
        load_suite(suite)
    assert (err.value.line, err.value.field) == (2, "task")


def test_yaml_syntax_error_has_a_line(tmp_path):
    suite = tmp_path / "bad.yaml"
    suite.write_text("name: bad\ntask: [retrieval\n", encoding="utf-8")
    with pytest.raises(EvalSuiteError) as err:
        load_suite(suite)
    assert err.value.line is not None


def test_dataset_errors_name_line_and_field(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"id": "a", "question": "q", "keys": ["k"]}\n{"id": "b", "question": "q", "keys": []}\n', encoding="utf-8")
    with pytest.raises(EvalSuiteError) as err:
        load_cases(data, RetrievalCase)
    assert (err.value.line, err.value.field) == (2, "keys")
    data.write_text('{"id": "a", "question": "q", "keys": ["k"]}\n{"id": "a", "question": "q", "keys": ["k"]}\n', encoding="utf-8")
    with pytest.raises(EvalSuiteError, match="duplicate id 'a'"):
        load_cases(data, RetrievalCase)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_suites_and_datasets_are_valid(path):
    from tutor.evaluation.tasks import get_task

    suite = load_suite(path)
    cases = load_cases(suite.dataset_path, get_task(suite.task).case_model)
    assert len(cases) >= 4
    assert any(g.min is not None or g.max is not None for g in suite.metrics), "a shipped suite gates on something"
    assert suite.resolve(suite.course_path).is_dir()
