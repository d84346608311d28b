"""The items seam the generation layer uses: stable ids, no duplicates, review status kept."""

from __future__ import annotations

import pytest

from tutor.db import session_scope
from tutor.db.items import get_item, list_items, save_item, set_item_status
from tutor.errors import TutorError

PAYLOAD = {
    "type": "multiple_choice",
    "question": "What does `len([1, 2, 3])` return?",
    "options": ["2", "3", "4"],
    "answer": "3",
    "explanation": "len counts the elements.",
    "difficulty": 1,
    "source_id": "lists#1",
    "source_text": "len() returns the number of items.",
}


def _save(session, **overrides):
    args = dict(course="intro-python", concept="lists", payload=PAYLOAD, prompt_id="exercise", prompt_version="1", model="fake")
    args.update(overrides)
    return save_item(session, **args)


def test_saving_the_same_question_twice_keeps_one_item():
    with session_scope() as session:
        first = _save(session)
        second = _save(session, payload={**PAYLOAD, "explanation": "better explanation"})
    assert first == second
    with session_scope() as session:
        items = list_items(session, "intro-python")
        assert [i.id for i in items] == [first]
        assert items[0].payload["explanation"] == "better explanation"


def test_same_question_in_another_concept_is_another_item():
    with session_scope() as session:
        assert _save(session) != _save(session, concept="loops")


def test_status_is_set_filtered_and_survives_a_resave():
    with session_scope() as session:
        approved = _save(session)
        draft = _save(session, payload={**PAYLOAD, "question": "What is `[1, 2][0]`?"})
        set_item_status(session, approved, "approved")
        _save(session)  # regenerating must not send an approved item back to draft
    with session_scope() as session:
        assert [i.id for i in list_items(session, "intro-python", status="approved")] == [approved]
        assert [i.id for i in list_items(session, "intro-python", status="draft")] == [draft]
        record = get_item(session, approved)
        assert (record.course, record.concept, record.status, record.prompt_id, record.model) == (
            "intro-python", "lists", "approved", "exercise", "fake")
        assert record.created_at.tzinfo is not None
        assert list_items(session, "intro-python", concept="loops") == []
        assert get_item(session, "nope") is None


@pytest.mark.parametrize("status", ["published", ""])
def test_unknown_status_is_refused(status):
    with session_scope() as session:
        item = _save(session)
        with pytest.raises(TutorError, match="Unknown item status"):
            set_item_status(session, item, status)


def test_failed_block_rolls_back():
    with pytest.raises(RuntimeError):
        with session_scope() as session:
            _save(session)
            raise RuntimeError("boom")
    with session_scope() as session:
        assert list_items(session, "intro-python") == []
