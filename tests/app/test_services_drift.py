"""One road for each action: the chat, practice, `tutor grade`, `tutor explain` and the evals used to reach
the same action through different code and drifted apart. Each test here failed on the old code."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from tutor.config import get_settings
from tutor.db import session_scope
from tutor.db.items import save_item
from tutor.services import practice

QUESTION = "How do I stop a loop early?"


def _item_whose_section_names_the_key(course: str) -> str:
    """A stored item about `break` in a section titled 'break and continue' (as the demo course's is)."""
    payload = {"type": "mcq", "question": "Which statement ends a loop at once?", "options": ["break", "continue", "pass", "return"],
               "answer": "break", "explanation": "break leaves the innermost loop.", "difficulty": "easy", "course": course,
               "concept": "loops", "source_id": "c1", "source_text": "The break statement ends the loop.",
               "source": "07-loops.md", "section": "Loops > break and continue", "origin": "extractive",
               "prompt_id": "extractive-question", "prompt_version": 1, "model": "extractive"}
    with session_scope(get_settings()) as session:
        return save_item(session, course=course, concept="loops", payload=payload, prompt_id="extractive-question",
                         prompt_version="1", model="extractive")


def test_hint_is_the_same_in_chat_practice_and_cli_and_never_names_the_key(ctx, users, course):
    from tutor.cli import app

    item_id = _item_whose_section_names_the_key(course)
    shown = practice.next_exercise(ctx, users["ada"], course, concept="loops")
    assert shown.item_id == item_id
    practice_hint = practice.hint(ctx, users["ada"], shown)  # the Practice tab's Hint and the Chat tab's "Give me a hint"
    graded = CliRunner().invoke(app, ["grade", "--item", item_id, "--answer", "continue", "--json"])
    assert graded.exit_code == 0, graded.output
    import json

    cli_hint = json.loads(graded.output)["hint"]
    assert practice_hint == cli_hint
    assert "07-loops.md" in practice_hint  # it still says where to look
    # The old practice hint quoted the section title, "break and continue": the key itself.
    assert not re.search(r"\bbreak\b", practice_hint, re.IGNORECASE), practice_hint


def test_one_retry_policy_for_tutor_explain_the_service_and_the_evals(ctx, users, course, monkeypatch):
    """The fake model answers with a sentence no passage supports, so every road re-asks as often as its policy allows.
    Before: `tutor explain` re-asked min(retries, 1) times, the app's explainer 0, the eval task 0."""
    from tutor.evaluation.context import Context
    from tutor.evaluation.suite import MetricGate, Suite
    from tutor.evaluation.tasks.explanation import explain as eval_explain
    from tutor.cli import app
    from tutor.llm.registry import get_chat_model
    from tutor.services import tutoring

    fake = get_chat_model(ctx.settings).inner  # TUTOR_LLM=fake: one shared fake per process and home
    monkeypatch.setattr(fake, "default", "Zebras graze quietly on the savanna at dawn.")  # never supported: re-asked

    def calls(run) -> int:
        before = len(fake.calls)
        run()
        return len(fake.calls) - before

    cli = calls(lambda: CliRunner().invoke(app, ["explain", QUESTION, "--course", course], catch_exceptions=False))
    service = calls(lambda: tutoring.explain(ctx, QUESTION, course))
    suite = Suite(name="drift", task="explanation", course=course, dataset="unused.jsonl", metrics=[MetricGate(name="grounding")])
    evaluation = Context(ctx.settings, suite, chat_model=ctx.model, retriever=ctx.retriever)
    eval_explain(QUESTION, evaluation)
    evaluated = len(evaluation.model.log)  # requests the task made (the eval cache answers a repeated one)
    assert cli == service == evaluated == 1 + ctx.retries.interactive == 2
    assert ctx.grader.max_retries == ctx.retries.interactive  # grading a typed answer: the same bound


def test_the_retry_setting_is_read_in_one_place():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "tutor"
    readers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if "llm_max_retries" in p.read_text(encoding="utf-8"))
    assert readers == ["config.py", "llm/retry.py"]


def test_a_stored_item_becomes_an_exercise_one_way(ctx, users, course):
    """Practice, `tutor grade` and the bank's edit check all use practice.stored_exercise: the row's id,
    course and concept win over a payload that says otherwise (an item filed under another concept)."""
    from dataclasses import replace

    from tutor.db.items import get_item

    item_id = _item_whose_section_names_the_key(course)
    with session_scope(ctx.settings) as session:
        record = get_item(session, item_id)
    moved = replace(record, payload=record.payload | {"concept": "functions", "id": None})
    exercise = practice.stored_exercise(moved)
    assert (exercise.id, exercise.course, exercise.concept) == (item_id, course, "loops")
    assert practice.load_item(ctx, item_id) == practice.stored_exercise(record)
    shown = practice.next_exercise(ctx, users["ada"], course, concept="loops")
    assert (shown.item_id, shown.concept, shown.question) == (item_id, "loops", exercise.question)


def test_tutor_ingest_and_remove_keep_the_concept_map_in_step_as_the_upload_tab_does(ctx, users, course, demo_course, tmp_path):
    """Before, only the app's Upload tab resynced the concept map: a chapter added with `tutor ingest` after the
    map existed never reached practice, and one removed with `tutor remove` stayed in it."""
    import shutil

    from tutor.cli import app
    from tutor.services import progress

    assert [c for _, c in progress.concepts(ctx, course)] == ["loops", "functions"]
    folder = tmp_path / "more"
    folder.mkdir()
    shutil.copy(demo_course / "08-dictionaries.md", folder / "08-dictionaries.md")
    added = CliRunner().invoke(app, ["ingest", str(folder), "--course", course], catch_exceptions=False)
    assert added.exit_code == 0, added.output
    assert "dictionaries" in [c for _, c in progress.concepts(ctx, course)]
    removed = CliRunner().invoke(app, ["remove", "--course", course, "09-functions.md"], catch_exceptions=False)
    assert removed.exit_code == 0 and "09-functions.md" in removed.output
    assert "functions" not in [c for _, c in progress.concepts(ctx, course)]
