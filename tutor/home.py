"""Folders in TUTOR_HOME: created on first use, or one clear error naming the folder and the reason.

A home that is read-only, on a full disk, or under a regular file (a typo in TUTOR_HOME) would
otherwise surface as a stack trace from deep inside SQLite or Chroma.
"""

from __future__ import annotations

import os
from pathlib import Path

from tutor.errors import HomeNotWritableError


def ensure_dir(path: Path) -> Path:
    """`path` as an existing folder we may write in; HomeNotWritableError otherwise."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HomeNotWritableError(path, exc.strerror or str(exc)) from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise HomeNotWritableError(path, "permission denied")
    return path
