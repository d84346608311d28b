"""Question bank export/import: Moodle XML and GIFT round trips (handlers, format module and CLI)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tutor.services import question_bank
from tutor.services.lms_export import FORMATS, LmsItem, dump, gift_escape, load
from tutor.errors import LmsFormatError, PermissionDeniedError

TRICKY = [
    # Every GIFT special character, a backslash, a newline and XML's own specials, in question, options and answer.
    LmsItem("mcq", 'What does {"k": 1}["k"] give? ~ = # : \\ <b>&\nSecond line', "a=1", ["a=1", "{k}", "~x", "#3", "c:d", "e\\f"],
            "dicts", "Because ## is not :: a title"),
    LmsItem("short_answer", "Which keyword leaves a loop?", "break", [], "loops", ""),
    LmsItem("fill_blank", "A ____ loop repeats while its condition is true.", "while", [], "loops", "See 7.2"),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_keeps_question_options_answer_type_and_concept(fmt):
    text = dump(TRICKY, fmt, "py")
    back, skipped = load(text)  # the format is recognised from the text
    assert skipped == []
    assert back == TRICKY


@pytest.mark.parametrize("raw, escaped", [("a~b", "a\\~b"), ("{x}", "\\{x\\}"), ("1=1", "1\\=1"), ("#:", "\\#\\:"),
                                          ("c:\\d", "c\\:\\\\d"), ("one\ntwo", "one\\ntwo")])
def test_gift_escapes_every_special_character(raw, escaped):
    assert gift_escape(raw) == escaped


def test_gift_written_by_hand_in_moodle_style_is_read():
    text = """// a comment Moodle ignores
::Loops::Which statement skips to the next iteration? {
  =continue#right
  ~break#no, that leaves the loop
  ~pass
}

Python is a {=snake ~fish} named after Monty Python.

::Essay::Explain recursion. {}
"""
    items, skipped = load(text, "gift")
    assert [(i.type, i.concept, i.answer, i.options) for i in items] == [
        ("mcq", "Loops", "continue", ["continue", "break", "pass"]),
        ("mcq", "", "snake", ["snake", "fish"]),
    ]
    assert items[1].question == "Python is a _____ named after Monty Python."
    assert len(skipped) == 1 and "question 3" in skipped[0]


def test_broken_moodle_xml_is_one_readable_error():
    with pytest.raises(LmsFormatError, match="moodle"):
        load("<quiz><question>", "moodle")


def _approved_bank(ctx, teacher, course):
    counts = question_bank.generate(ctx, teacher, course, n=2)
    rows = question_bank.items(ctx, teacher, course)
    assert sum(counts.values()) == len(rows) >= 2
    for row in rows[:-1]:  # leave one draft: it must not be exported
        question_bank.set_status(ctx, teacher, row["id"], "approved")
    return rows[:-1], rows[-1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_holds_only_approved_items_and_imports_back_into_another_course(ctx, users, course, fmt):
    teacher = users["teacher"]
    approved, draft = _approved_bank(ctx, teacher, course)
    text, count = question_bank.export_items(ctx, teacher, course, fmt)
    assert count == len(approved)
    result = question_bank.import_items(ctx, teacher, "py-copy", text)
    assert result == {"imported": len(approved), "skipped": []}
    copied = question_bank.items(ctx, teacher, "py-copy")
    key = lambda r: (r["concept"], r["type"], r["question"], r["answer"], tuple(r["options"]))  # noqa: E731
    assert sorted(map(key, copied)) == sorted(map(key, approved))
    assert key(draft) not in set(map(key, copied))  # the draft stayed home
    assert {r["status"] for r in copied} == {"draft"}  # imported items wait for review
    assert {r["prompt"] for r in copied} == {"lms-import v1"}


def test_learners_may_not_export_or_import(ctx, users, course):
    with pytest.raises(PermissionDeniedError):
        question_bank.export_items(ctx, users["ada"], course, "gift")
    with pytest.raises(PermissionDeniedError):
        question_bank.import_items(ctx, users["ada"], course, dump(TRICKY, "gift", course))


def test_import_keeps_the_review_status_of_an_item_already_in_the_bank(ctx, users, course):
    teacher = users["teacher"]
    approved, _ = _approved_bank(ctx, teacher, course)
    text, _ = question_bank.export_items(ctx, teacher, course, "moodle")
    question_bank.import_items(ctx, teacher, course, text)
    statuses = {r["id"]: r["status"] for r in question_bank.items(ctx, teacher, course)}
    assert all(statuses[r["id"]] == "approved" for r in approved)


def test_cli_export_then_import(ctx, users, course, tmp_path):
    from tutor.cli import app

    _approved_bank(ctx, users["teacher"], course)
    out = tmp_path / "bank.gift.txt"
    runner = CliRunner()
    exported = runner.invoke(app, ["bank", "export", "--course", course, "--format", "gift", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert out.read_text().startswith("$CATEGORY: $course$/top/tutor/py")
    imported = runner.invoke(app, ["bank", "import", str(out), "--course", "py2"])
    assert imported.exit_code == 0, imported.output
    assert "Imported" in imported.output
    assert len(question_bank.items(ctx, users["teacher"], "py2")) == len(question_bank.items(ctx, users["teacher"], course, "approved"))
