"""A run file on disk: appending a line so a kill cannot leave half of it mid-file, reading back only
whole lines, and the lock a writer holds so no two processes append to one run.

Each line goes out in one write(2) on an O_APPEND descriptor and is fsynced: a kill -9 loses at most
the line in flight, and a cut line can only be the last one (it lacks its newline). The writer holds
an flock on the file for as long as it runs; the kernel drops it when the process dies, so a resume
can tell a killed run (lock free) from one still running (lock held).
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tutor.errors import EvalRunError


def write_line(path: Path, record, *, durable: bool = True) -> None:
    """Append one record (a tutor.evaluation.records model, or a dict) as one whole line."""
    if hasattr(record, "to_json"):
        record = record.to_json()
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        start = os.lseek(fd, 0, os.SEEK_END)
        try:
            written = os.write(fd, data)
            while written < len(data):  # a short write is rare on a regular file (full disk, a signal); finish the line
                written += os.write(fd, data[written:])
            if durable:
                os.fsync(fd)
        except OSError:
            # A full disk can stop a line half-way: cut the file back so it still ends with a whole line.
            os.ftruncate(fd, start)
            raise
    finally:
        os.close(fd)


def split_tail(data: bytes) -> tuple[bytes, bytes]:
    """(the file's whole lines, what follows the last newline). A non-empty tail is a line cut by a kill,
    unless it happens to parse: then only the newline was lost, and the line is whole."""
    cut = data.rfind(b"\n") + 1
    return data[:cut], data[cut:]


def tail_is_whole(tail: bytes) -> bool:
    try:
        json.loads(tail.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return True


def whole_lines(path: Path) -> list[str]:
    """The lines a reader should trust: every line ended by a newline, plus a last line that parses."""
    body, tail = split_tail(Path(path).read_bytes())
    lines = body.decode("utf-8").splitlines()
    if tail.strip() and tail_is_whole(tail):
        lines.append(tail.decode("utf-8"))
    return lines


def repair_tail(path: Path) -> bool:
    """Make the file end with a whole line: drop a cut last line, or restore the lost newline of a whole
    one. Touches nothing before the last newline. True when a cut line was dropped."""
    body, tail = split_tail(Path(path).read_bytes())
    if not tail:
        return False
    if tail_is_whole(tail):
        with open(path, "ab") as f:
            f.write(b"\n")
            f.flush()
            os.fsync(f.fileno())
        return False
    with open(path, "r+b") as f:
        f.truncate(len(body))
        os.fsync(f.fileno())
    return True


@contextmanager
def held(path: Path) -> Iterator[None]:
    """Hold the run file's writer lock (creating the file) for the block; refuse when another process holds it."""
    import fcntl

    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EvalRunError(f"{path}: another process is still writing this run; wait for it or stop it first.") from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
