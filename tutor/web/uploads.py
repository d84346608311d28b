"""Gradio's upload cache, bounded and cleaned.

Gradio stores every file posted to /gradio_api/upload under GRADIO_TEMP_DIR (the app points it at
TUTOR_HOME/uploads) and never removes it on its own. `sweep` removes files older than
TUTOR_UPLOAD_CACHE_HOURS, then the oldest files until the folder is under TUTOR_UPLOAD_CACHE_MB. Files
written in the last GRACE_SECONDS stay: they belong to an upload being ingested right now. It runs at
start-up and after every upload request.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

GRACE_SECONDS = 60.0
_lock = threading.Lock()  # one sweep at a time per process


def _files(root: Path) -> list[tuple[float, int, Path]]:
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            try:
                stat = path.lstat()
            except FileNotFoundError:
                continue
            found.append((stat.st_mtime, stat.st_size, path))
    return found


def _remove_empty_dirs(root: Path, now: float) -> None:
    # Only folders older than the grace period: Gradio makes a folder, then renames the upload into it,
    # and a concurrent upload must not find its fresh folder gone in between.
    for folder, _dirs, _names in sorted(os.walk(root), key=lambda t: -len(t[0])):
        if Path(folder) != root:
            try:
                if now - os.stat(folder).st_mtime > GRACE_SECONDS:
                    os.rmdir(folder)
            except OSError:
                pass


def sweep(root: Path, max_bytes: int, max_age_s: float, now: float | None = None) -> dict[str, int]:
    """Delete old files, then the oldest until under `max_bytes`; returns what was removed and what is left."""
    now = time.time() if now is None else now
    removed = freed = 0
    with _lock:
        if not root.is_dir():
            return {"removed": 0, "freed": 0, "bytes": 0}
        files = sorted(_files(root))
        total = sum(size for _, size, _ in files)
        for mtime, size, path in files:
            age = now - mtime
            if age <= GRACE_SECONDS:
                break  # sorted by age: everything after is newer still
            if age > max_age_s or total > max_bytes:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
                removed += 1
                freed += size
                total -= size
        _remove_empty_dirs(root, now)
    return {"removed": removed, "freed": freed, "bytes": total}
