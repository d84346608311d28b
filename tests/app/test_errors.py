"""Errors come in six families that callers catch; every specific error is in exactly one of them, and no
code raises the bare base class."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from tutor import errors

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = (errors.NotFoundError, errors.InvalidInputError, errors.AccessDeniedError, errors.StorageError,
            errors.ModelError, errors.EvaluationError)


def specific_errors() -> list[type]:
    return [c for _, c in inspect.getmembers(errors, inspect.isclass)
            if issubclass(c, errors.TutorError) and c is not errors.TutorError and c not in FAMILIES]


def test_every_error_is_in_exactly_one_family():
    assert len(specific_errors()) >= 30
    for cls in specific_errors():
        families = [f.__name__ for f in FAMILIES if issubclass(cls, f)]
        assert len(families) == 1, f"{cls.__name__} is in {families or 'no family'}"


def test_no_code_raises_the_bare_base_class():
    bare = []
    for path in (ROOT / "tutor").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and getattr(node.exc.func, "id", None) == "TutorError":
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bare, "raise a family (tutor.errors) instead of TutorError:\n" + "\n".join(bare)


@pytest.mark.parametrize("error, family", [
    (errors.UnknownCourseError("x"), errors.NotFoundError),
    (errors.UnknownUserError("x"), errors.NotFoundError),
    (errors.InputError("Your answer", "it is empty"), errors.InvalidInputError),
    (errors.PermissionDeniedError("ada", "see the class", "instructors only"), errors.AccessDeniedError),
    (errors.SessionExpiredError("ada", 12), errors.AccessDeniedError),
    (errors.DiskFullError("/tmp"), errors.StorageError),
    (errors.LLMUnavailableError("down"), errors.ModelError),
    (errors.GenerationError("mcq", 2, "{}", "bad"), errors.ModelError),
    (errors.EvalResumeError("finished"), errors.EvaluationError),
])
def test_callers_catch_by_family(error, family):
    with pytest.raises(family):
        raise error


def test_a_service_raises_by_family(ctx):
    """The app's guard and the CLI catch TutorError; a caller that must tell cases apart catches a family."""
    from tutor.services import practice

    with pytest.raises(errors.NotFoundError, match="No item 'nope'"):
        practice.load_item(ctx, "nope")
