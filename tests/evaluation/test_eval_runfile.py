"""A run file always ends with a whole line: a write that fails half-way (a full disk) is cut back."""

from __future__ import annotations

import errno
import json
import os

import pytest

from tutor.evaluation import runfile


def test_a_line_cut_by_a_full_disk_is_removed_and_earlier_lines_stay(tmp_path, monkeypatch):
    path = tmp_path / "run.jsonl"
    runfile.write_line(path, {"type": "run", "run_id": "r1"})
    before = path.read_bytes()
    real_write = os.write

    def half_then_full(fd, data):  # the disk fills after half of the line is out
        real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runfile.os, "write", half_then_full)
    with pytest.raises(OSError) as raised:
        runfile.write_line(path, {"type": "case", "id": "c1", "outputs": {"text": "x" * 500}})
    assert raised.value.errno == errno.ENOSPC
    assert path.read_bytes() == before  # no half line left for a reader to trip on
    monkeypatch.setattr(runfile.os, "write", real_write)
    runfile.write_line(path, {"type": "case", "id": "c1"})  # after space is freed the line goes on cleanly
    assert [json.loads(line)["type"] for line in path.read_text().splitlines()] == ["run", "case"]
