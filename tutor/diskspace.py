"""Writing into TUTOR_HOME when the disk may be full: one clear DiskFullError, and no half-written file.

A full disk reaches us in three shapes: OSError with errno ENOSPC (our own files), SQLite's
"database or disk is full" (SQLITE_FULL, which sqlite3, SQLAlchemy and Chroma's Rust core all pass
on as message text only), and the same text from a Chroma server. `disk_full_as_error` turns each
into DiskFullError naming where we were writing; the few places that write wrap themselves in it
(the database session, the vector store, the eval cache), and the CLI maps any it missed.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tutor.errors import DiskFullError

_FULL_TEXTS = ("database or disk is full", "no space left on device")


def is_disk_full(exc: BaseException | None) -> bool:
    """True when `exc`, or an exception it was raised from, says the disk is full."""
    seen = 0
    while exc is not None and seen < 10:  # `raise X from Y` chains are short; the bound guards against a cycle
        if isinstance(exc, DiskFullError):
            return True
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return True
        if any(text in str(exc).lower() for text in _FULL_TEXTS):
            return True
        exc, seen = exc.__cause__, seen + 1
    return False


@contextmanager
def disk_full_as_error(where: Path | str) -> Iterator[None]:
    """Re-raise a full-disk failure inside the block as DiskFullError(where); anything else unchanged."""
    try:
        yield
    except DiskFullError:
        raise
    except Exception as exc:
        if is_disk_full(exc):
            raise DiskFullError(where) from exc
        raise


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` through a temporary file and a rename; a failed write leaves no temp file."""
    with disk_full_as_error(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
