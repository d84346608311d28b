"""TUTOR_APPROVED_ITEMS_ONLY: off, practice may serve drafts (and writes one when the bank is empty);
on, it serves approved items only and never generates."""

from __future__ import annotations

import pytest

from tutor.services import practice, question_bank
from tutor.config import Settings, get_settings
from tutor.errors import NoApprovedItemsError


def test_the_setting_reads_from_the_environment(monkeypatch):
    assert Settings().approved_items_only is False
    monkeypatch.setenv("TUTOR_APPROVED_ITEMS_ONLY", "true")
    get_settings.cache_clear()
    assert get_settings().approved_items_only is True
    get_settings.cache_clear()


def _only_approved(ctx):
    ctx.settings = ctx.settings.model_copy(update={"approved_items_only": True})


def test_off_practice_serves_a_draft(ctx, users, course):
    assert not ctx.settings.approved_items_only
    shown = practice.next_exercise(ctx, users["ada"], course)
    statuses = {r["id"]: r["status"] for r in question_bank.items(ctx, users["teacher"], course)}
    assert statuses[shown.item_id] == "draft"  # written on the fly, not reviewed


def test_on_with_no_approved_item_refuses_and_generates_nothing(ctx, users, course):
    question_bank.generate(ctx, users["teacher"], course, n=1)
    before = question_bank.items(ctx, users["teacher"], course)
    _only_approved(ctx)
    with pytest.raises(NoApprovedItemsError, match="Question bank"):
        practice.next_exercise(ctx, users["ada"], course)
    assert question_bank.items(ctx, users["teacher"], course) == before


def test_on_serves_only_the_approved_item_of_any_recommended_concept(ctx, users, course):
    teacher = users["teacher"]
    question_bank.generate(ctx, teacher, course, n=2)
    rows = question_bank.items(ctx, teacher, course)
    concepts = sorted({r["concept"] for r in rows})
    assert len(concepts) == 2
    # Approve one item of one concept only: every other item of both concepts stays a draft.
    chosen = next(r for r in rows if r["concept"] == concepts[-1])
    question_bank.set_status(ctx, teacher, chosen["id"], "approved")
    _only_approved(ctx)
    for _ in range(3):
        shown = practice.next_exercise(ctx, users["ada"], course)
        assert shown.item_id == chosen["id"]
    other = next(c for c in concepts if c != chosen["concept"])
    with pytest.raises(NoApprovedItemsError, match=other):
        practice.next_exercise(ctx, users["ada"], course, concept=other)
    assert practice.next_exercise(ctx, users["ada"], course, concept=chosen["concept"]).item_id == chosen["id"]
