"""The upload cache's sweep (tutor.web.uploads) on its own: by age, by size oldest first, never a file or
folder of the last minute (an upload being stored or ingested right now)."""

from __future__ import annotations

import os
import time

from tutor.web.uploads import GRACE_SECONDS, sweep


def _file(root, name: str, size: int, age_s: float):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    os.utime(path.parent, (stamp, stamp))
    return path


def test_sweep_removes_old_files_then_the_oldest_until_under_the_bound(tmp_path):
    root = tmp_path / "uploads"
    stale = _file(root, "a/stale.md", 10, 8 * 3600)
    old = _file(root, "b/old.md", 400, 3600)
    middle = _file(root, "c/middle.md", 400, 1800)
    fresh = _file(root, "d/fresh.md", 400, 5)
    result = sweep(root, max_bytes=900, max_age_s=6 * 3600)
    assert not stale.exists() and not old.exists()  # too old; then the oldest until 800 <= 900
    assert middle.exists() and fresh.exists()
    assert result == {"removed": 2, "freed": 410, "bytes": 800}
    # Their emptied folders go at a later sweep, once a minute has passed since they changed.
    assert (root / "a").exists()
    for name in ("a", "b"):
        os.utime(root / name, (time.time() - 2 * GRACE_SECONDS,) * 2)
    sweep(root, max_bytes=900, max_age_s=6 * 3600)
    assert not (root / "a").exists() and not (root / "b").exists() and (root / "c").exists()


def test_sweep_never_touches_the_last_minute(tmp_path):
    root = tmp_path / "uploads"
    fresh = [_file(root, f"f{i}/up.md", 1000, GRACE_SECONDS / 2) for i in range(3)]
    empty_new = root / "new-folder"
    empty_new.mkdir()
    sweep(root, max_bytes=100, max_age_s=1)
    assert all(p.exists() for p in fresh) and empty_new.exists()
    assert sweep(tmp_path / "missing", 1, 1) == {"removed": 0, "freed": 0, "bytes": 0}
