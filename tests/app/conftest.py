"""An app context on a temporary home with the fake LLM, two chapters of the demo course loaded,
and three users: an instructor and two learners."""

from __future__ import annotations

import shutil

import pytest

from tutor.config import get_settings


@pytest.fixture
def ctx(tutor_home, monkeypatch, embedder):
    monkeypatch.setenv("TUTOR_LLM", "fake")
    get_settings.cache_clear()
    from tutor.services.context import ServiceContext
    from tutor.retrieval.retriever import Retriever

    context = ServiceContext(get_settings())
    context.__dict__["retriever"] = Retriever(context.settings, embedder=embedder)  # share the session's model
    return context


@pytest.fixture
def users(ctx):
    from tutor.services.accounts import add_user

    return {
        "teacher": add_user("teacher", "teacher-pass-1", ["instructor"], settings=ctx.settings),
        "ada": add_user("ada", "ada-pass-123", ["learner"], settings=ctx.settings),
        "bob": add_user("bob", "bob-pass-123", ["learner"], settings=ctx.settings),
    }


@pytest.fixture
def course(ctx, users, demo_course, tmp_path):
    """Chapters 07 (loops) and 09 (functions) uploaded as the instructor would, under their own names."""
    from tutor.services import authoring

    files = []
    for name in ("07-loops.md", "09-functions.md"):
        upload = tmp_path / "uploads" / f"tmp{len(files)}.md"  # Gradio hands over temp names
        upload.parent.mkdir(exist_ok=True)
        shutil.copy(demo_course / name, upload)
        files.append((str(upload), name))
    result = authoring.upload(ctx, users["teacher"], "py", files, title="Python")
    assert not result.errors, result.errors
    return "py"
