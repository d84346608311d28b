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
        assert set(item) >= {"id", "type", "question", "options", "answer", "explanation", "difficulty", "source_id", "source_text", "origin"}
        assert item["origin"] == "extractive"  # the echoing fake writes no valid item: every one says it was quoted
    mcq = next(i for i in items if i["type"] == "mcq")
    graded = runner.invoke(app, ["grade", "--item", mcq["id"], "--answer", mcq["answer"], "--json"])
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.output)["verdict"] == "correct"
    explained = runner.invoke(app, ["explain", "How do I stop a loop early?", "--course", "intro-python", "--json"])
    data = json.loads(explained.output)
    assert set(data) == {"text", "citations", "origin", "prompt_id", "prompt_version", "model"} and data["citations"]
    # The echoing fake repeats the prompt, whose course sentences attribute to passages: origin says so.
    assert data["origin"] in ("model", "extractive") and data["model"] == ("fake" if data["origin"] == "model" else "extractive")
    assert set(data["citations"][0]) == {"n", "source", "section", "page", "text"}


def test_explain_a_questions_file_answers_each_line_in_order(course_home, monkeypatch, tmp_path):
    # A fake model that answers the loop question with a course fact and everything else with nonsense.
    from tutor.llm import registry
    from tutor.llm.fake import FakeChatModel

    def reply(messages):
        asked = messages[-1]["content"]
        return "Use break to exit the loop immediately." if "stop a loop" in asked else "Bananas are yellow."

    fake = FakeChatModel(default=reply)
    monkeypatch.setattr(registry, "get_chat_model", lambda settings=None: fake)
    questions = tmp_path / "questions.txt"
    questions.write_text("How do I stop a loop early?\n\nWhat is the capital of France?\nWhat does continue do in a loop?\n")
    out = CliRunner().invoke(app, ["explain", "--course", "intro-python", "--questions-file", str(questions), "--json"])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.output.splitlines()]
    assert [line["question"] for line in lines] == ["How do I stop a loop early?", "What is the capital of France?", "What does continue do in a loop?"]
    assert [line["origin"] for line in lines] == ["model", "no_context", "extractive"]
    for line in lines:
        assert set(line) >= {"text", "citations", "origin", "prompt_id", "prompt_version"}
    assert "[" in lines[0]["text"] and lines[0]["citations"]  # the tutor added the citation to the model's sentence


def test_explain_needs_a_question_or_a_file(course_home):
    out = CliRunner().invoke(app, ["explain", "--course", "intro-python"])
    assert out.exit_code != 0 and "one question, or --questions-file" in str(out.exception or "") + out.output
