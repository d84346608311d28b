"""The CLI end to end on the fake backend (fast): quiz saves items, grade loads them, explain prints JSON."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import get_settings


def test_quiz_then_grade_then_explain(course_home, monkeypatch):
    monkeypatch.setenv("TUTOR_LLM", "fake")
    get_settings.cache_clear()
    runner = CliRunner()
    out = runner.invoke(app, ["quiz", "--course", "intro-python", "--concept", "loops", "--n", "3", "--json"])
    assert out.exit_code == 0, out.output
    items = json.loads(out.output)
    assert len(items) == 3 and {i["type"] for i in items} == {"mcq", "short_answer", "fill_blank"}
    for item in items:
        assert set(item) >= {"id", "type", "question", "options", "answer", "explanation", "difficulty", "source_id", "source_text"}
    mcq = next(i for i in items if i["type"] == "mcq")
    graded = runner.invoke(app, ["grade", "--item", mcq["id"], "--answer", mcq["answer"], "--json"])
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.output)["verdict"] == "correct"
    explained = runner.invoke(app, ["explain", "How do I stop a loop early?", "--course", "intro-python", "--json"])
    data = json.loads(explained.output)
    assert set(data) == {"text", "citations", "prompt_id", "prompt_version"} and data["citations"]
    assert set(data["citations"][0]) == {"n", "source", "section", "page", "text"}
