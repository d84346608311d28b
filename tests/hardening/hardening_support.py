"""Helpers the hardening tests import by name: the accounts' passwords, a free port and `tutor` as a subprocess.

They live here, not in conftest.py, because `from conftest import ...` resolves to whichever conftest pytest
loaded last: with tests/learners on the same command line it was that folder's, and collection failed."""

from __future__ import annotations

import os
import subprocess
import sys

from tutor.devservices import free_port

PASSWORDS = {"teacher": "teacher-pass-1", "ada": "ada-pass-123", "bob": "bob-pass-123"}


def tutor_cmd(*args: str, env: dict | None = None, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor.cli", *args], env=env or dict(os.environ), input=input,
                          capture_output=True, text=True, timeout=timeout)


__all__ = ["PASSWORDS", "free_port", "tutor_cmd"]
