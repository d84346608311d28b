"""Helpers the hardening tests import by name: the accounts' passwords, a free port and `tutor` as a subprocess.

They live here, not in conftest.py, because `from conftest import ...` resolves to whichever conftest pytest
loaded last: with tests/learners on the same command line it was that folder's, and collection failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tutor.devservices import free_port

PASSWORDS = {"teacher": "teacher-pass-1", "ada": "ada-pass-123", "bob": "bob-pass-123"}


def tutor_cmd(*args: str, env: dict | None = None, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor.cli", *args], env=env or dict(os.environ), input=input,
                          capture_output=True, text=True, timeout=timeout)


def add_accounts_and_course(env: dict, demo_course: Path) -> None:
    """Through the CLI, as an operator would: the three accounts of PASSWORDS and course `py` (the loops chapter)."""
    for name in PASSWORDS:
        role = "instructor" if name == "teacher" else "learner"
        done = tutor_cmd("user", "add", name, "--role", role, "--password-stdin", env=env, input=PASSWORDS[name] + "\n")
        assert done.returncode == 0, done.stderr
    loaded = tutor_cmd("ingest", str(demo_course / "07-loops.md"), "--course", "py", env=env)
    assert loaded.returncode == 0, loaded.stderr


__all__ = ["PASSWORDS", "add_accounts_and_course", "free_port", "tutor_cmd"]
