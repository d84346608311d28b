"""One hint, wherever a learner asks for it (Practice's Hint button, the chat's "Give me a hint", the
feedback after a wrong answer, `tutor grade`), and it never gives the key away, not even through a
section title or a file name that names it."""

from __future__ import annotations

import re
import uuid

import pytest

from tutor.db import session_scope
from tutor.db.items import save_item

PASSAGE = "The break statement ends the loop at once; the else clause of a loop runs when no break happened."


@pytest.fixture
def shown(ctx, users, course):
    """An exercise on screen whose key ("break") is named by its section title and its file name."""
    from tutor.services import practice
    from tutor.services.accounts import ensure_learner

    payload = {"type": "short_answer", "question": "Which statement ends a loop at once?", "options": [],
               "answer": "break", "explanation": PASSAGE, "difficulty": "easy", "course": course, "concept": "loops",
               "source_id": "c1", "source_text": PASSAGE, "source": "break-statements.md",
               "section": "Loops > break and continue Statements", "origin": "extractive", "prompt_id": "extractive-question",
               "prompt_version": 1, "model": "extractive"}
    with session_scope(ctx.settings) as session:
        item_id = save_item(session, course=course, concept="loops", payload=payload, prompt_id="extractive-question",
                            prompt_version="1", model="extractive")
    ensure_learner(users["ada"], ctx.settings)
    return practice.Presented(presentation_id=uuid.uuid4().hex, learner_id="ada", course=course, concept="loops",
                              item_id=item_id, type="short_answer", question=payload["question"])


def _gives_away(text: str) -> bool:
    return re.search(r"\bbreak\b", text, re.IGNORECASE) is not None


def test_practice_hint_chat_hint_and_feedback_hint_are_one_and_never_name_the_key(ctx, users, shown):
    from tutor.services import practice
    from tutor.app.ui import build

    practice_hint = practice.hint(ctx, users["ada"], shown)
    demo = build(ctx, accounts=False)
    chat_hint = next(f.fn for f in demo.fns.values() if f.name == "chat_hint")
    shown.learner_id = "local"  # the app without accounts runs as the local user
    from tutor.services.accounts import ensure_learner, local_user

    ensure_learner(local_user(), ctx.settings)
    history, _ = chat_hint([], shown, None)
    feedback = practice.submit(ctx, local_user(), shown, "continue")
    assert feedback.verdict != "correct"
    for text in (practice_hint, history[-1]["content"], feedback.hint):
        assert text and not _gives_away(text), text
    assert practice_hint == history[-1]["content"] == feedback.hint
    assert shown.hints_used == 2  # both hints were counted for the schedule


def test_cli_grade_prints_the_same_hint(ctx, users, shown, capsys):
    from typer.testing import CliRunner

    from tutor.cli import app as cli

    result = CliRunner().invoke(cli, ["grade", "--item", shown.item_id, "--answer", "continue"])
    assert result.exit_code == 0, result.output
    hint = next(line for line in result.output.splitlines() if line.startswith("hint:"))
    assert not _gives_away(hint), hint


def test_a_section_title_that_does_not_name_the_key_is_kept(ctx, users, shown):
    from tutor.services import practice
    from tutor.db.models import Item

    with session_scope(ctx.settings) as session:
        row = session.get(Item, shown.item_id)
        row.payload = dict(row.payload) | {"section": "Loops > Leaving early", "source": "07-control.md"}
    text = practice.hint(ctx, users["ada"], shown)
    assert '"Loops > Leaving early" in 07-control.md' in text
