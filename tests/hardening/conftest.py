"""Hardening fixtures: an app context on a temp home (fake LLM, real retrieval), three accounts and a
two-chapter course uploaded the way an instructor would, and a throw-away PostgreSQL. Helpers the tests
import by name are in hardening_support.py."""

from __future__ import annotations

import shutil

import pytest

from hardening_support import PASSWORDS, free_port, tutor_cmd  # noqa: F401 - still importable from here
from tutor import devservices
from tutor.config import get_settings


@pytest.fixture
def postgres():
    """A throw-away PostgreSQL (tutor.devservices) for one test; yields the SQLAlchemy URL of its database `tutor`."""
    try:
        with devservices.postgres(start_timeout=180, settings={"fsync": "off"}) as url:
            yield url
    except devservices.ServiceError as exc:  # not installed or not starting: fail with its log, do not skip
        pytest.fail(str(exc))


@pytest.fixture
def hctx(tutor_home, monkeypatch, embedder):
    monkeypatch.setenv("TUTOR_LLM", "fake")
    get_settings.cache_clear()
    from tutor.services.context import ServiceContext
    from tutor.retrieval.retriever import Retriever

    context = ServiceContext(get_settings())
    context.__dict__["retriever"] = Retriever(context.settings, embedder=embedder)
    return context


@pytest.fixture
def husers(hctx):
    from tutor.services.accounts import add_user

    return {name: add_user(name, PASSWORDS[name], ["instructor" if name == "teacher" else "learner"], settings=hctx.settings)
            for name in PASSWORDS}


@pytest.fixture
def hcourse(hctx, husers, demo_course, tmp_path):
    from tutor.services import authoring

    files = []
    for name in ("07-loops.md", "09-functions.md"):
        upload = tmp_path / "uploads" / f"tmp{len(files)}.md"
        upload.parent.mkdir(exist_ok=True)
        shutil.copy(demo_course / name, upload)
        files.append((str(upload), name))
    result = authoring.upload(hctx, husers["teacher"], "py", files, title="Python")
    assert not result.errors, result.errors
    return "py"
