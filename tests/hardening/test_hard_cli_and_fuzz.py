"""The CLI turns bad input into exit status 2 and one line on stderr; the ingestion parsers and the suite
loader, fed random input, only ever raise the project's own errors (hypothesis, bounded)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from hardening_support import tutor_cmd
from tutor.errors import TutorError

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _one_line_error(result, *needles):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def test_cli_bad_references_exit_2_with_one_line(tutor_home, tmp_path):
    env = dict(os.environ, TUTOR_LLM="fake")
    _one_line_error(tutor_cmd("learner", "show", "nobody", env=env), "Unknown learner 'nobody'")
    _one_line_error(tutor_cmd("grade", "--item", "no-such-item", "--answer", "x", env=env), "no-such-item")
    _one_line_error(tutor_cmd("search", "loops", "--course", "nope", env=env), "Unknown course 'nope'")
    _one_line_error(tutor_cmd("remove", "--course", "nope", env=env), "nope")


def test_cli_bad_suite_and_malformed_json_exit_2_with_one_line(tutor_home, tmp_path):
    env = dict(os.environ, TUTOR_LLM="fake")
    data = tmp_path / "cases.jsonl"
    data.write_text('{"id": "a", "question": "q", "keys": ["k"]}\n{"id": "b", "question": \n', encoding="utf-8")
    wrong_field = tmp_path / "wrong.yaml"
    wrong_field.write_text("name: wrong\ntask: retrieval\ndataset: cases.jsonl\nmetrics: [{name: hit_at_5}]\nmodles: []\n", encoding="utf-8")
    _one_line_error(tutor_cmd("eval", "run", str(wrong_field), env=env), "wrong.yaml:5", "modles")
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("name: malformed\ntask: retrieval\ndataset: cases.jsonl\nmetrics: [{name: hit_at_5}]\n", encoding="utf-8")
    _one_line_error(tutor_cmd("eval", "run", str(malformed), env=env), "cases.jsonl:2", "not valid JSON")
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("name: [unclosed\n", encoding="utf-8")
    _one_line_error(tutor_cmd("eval", "run", str(broken_yaml), env=env), "not valid YAML")


SUFFIXES = [".md", ".txt", ".html", ".pdf", ".markdown", ".htm"]


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_fuzz_load_document_raises_only_document_errors(tmp_path, data, suffix):
    from tutor.retrieval.loaders import load_document

    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        doc = load_document(path, path.name, max_bytes=1_000_000)
    except TutorError:
        return
    assert doc.sections and all(s.text.strip() for s in doc.sections)


@FUZZ
@given(text=st.text(max_size=2000), title=st.text(max_size=50))
def test_fuzz_markdown_sections_never_crash_and_keep_words(text, title):
    from tutor.retrieval.loaders import markdown_sections

    sections = markdown_sections(text, title)
    assert all(isinstance(s.heading_path, list) and s.heading_path for s in sections)


@FUZZ
@given(data=st.binary(max_size=4096))
def test_fuzz_decode_text_returns_text_or_a_document_error(data):
    from tutor.retrieval.loaders import decode_text

    try:
        text = decode_text(Path("fuzz.txt"), data)
    except TutorError:
        return
    assert isinstance(text, str)


_yaml_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
                            max_leaves=10)


@FUZZ
@given(doc=st.one_of(st.text(max_size=500), st.dictionaries(
    st.sampled_from(["name", "task", "dataset", "metrics", "models", "params", "prompts", "course", "extra"]), _yaml_values, max_size=8)))
def test_fuzz_suite_loader_raises_only_suite_errors(tmp_path, doc):
    import yaml

    from tutor.evaluation.suite import load_suite

    path = tmp_path / "suite.yaml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc), encoding="utf-8")
    try:
        load_suite(path)
    except TutorError:
        pass
