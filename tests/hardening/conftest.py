"""Hardening fixtures: an app context on a temp home (fake LLM, real retrieval), three accounts and a
two-chapter course uploaded the way an instructor would; plus helpers to run `tutor` as a subprocess."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest

from tutor.config import get_settings

PASSWORDS = {"teacher": "teacher-pass-1", "ada": "ada-pass-123", "bob": "bob-pass-123"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tutor_cmd(*args: str, env: dict | None = None, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor.cli", *args], env=env or dict(os.environ), input=input,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def hctx(tutor_home, monkeypatch, embedder):
    monkeypatch.setenv("TUTOR_LLM", "fake")
    get_settings.cache_clear()
    from tutor.app.context import AppContext
    from tutor.retrieval.retriever import Retriever

    context = AppContext(get_settings())
    context.__dict__["retriever"] = Retriever(context.settings, embedder=embedder)
    return context


@pytest.fixture
def husers(hctx):
    from tutor.app.accounts import add_user

    return {name: add_user(name, PASSWORDS[name], ["instructor" if name == "teacher" else "learner"], settings=hctx.settings)
            for name in PASSWORDS}


@pytest.fixture
def hcourse(hctx, husers, demo_course, tmp_path):
    from tutor.app import courses

    files = []
    for name in ("07-loops.md", "09-functions.md"):
        upload = tmp_path / "uploads" / f"tmp{len(files)}.md"
        upload.parent.mkdir(exist_ok=True)
        shutil.copy(demo_course / name, upload)
        files.append((str(upload), name))
    result = courses.upload(hctx, husers["teacher"], "py", files, title="Python")
    assert not result.errors, result.errors
    return "py"
