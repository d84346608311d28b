"""A full disk under TUTOR_HOME: every write that fails says so in one clear message (DiskFullError, naming
the path), nothing is left half-written, and after space is freed the same action succeeds exactly once.

TUTOR_HOME lives on a small tmpfs mounted by the test (root is needed, as on CI); a filler file takes
every free byte, so the next write fails with ENOSPC for real, and deleting it frees the disk again.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from hardening_support import tutor_cmd
from tutor.config import get_settings
from tutor.errors import DiskFullError

DISK_SIZE = "64m"  # room for the database, two courses' chunks and their Chroma indexes


class SmallDisk:
    def __init__(self, root: Path):
        self.root = root
        self.filler = root / "filler"

    def fill(self) -> None:
        """Take every free byte: after this, the next write that needs space fails with ENOSPC.

        SQLite first: in WAL mode it writes into a log it may already have room in, so the log is folded
        into the database and cut to zero first; the next database write must then grow it."""
        database = self.root / "home" / "tutor.db"
        if database.exists():
            with sqlite3.connect(database) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with open(self.filler, "ab", buffering=0) as f:
            for size in (1 << 20, 4096, 1):  # big steps, then down to the last byte
                try:
                    while True:
                        f.write(bytes(size))
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc

    def free(self) -> None:
        self.filler.unlink()


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True)


@pytest.fixture
def small_disk(tutor_home, tmp_path, monkeypatch):
    """Mount a small tmpfs and point TUTOR_HOME into it (requested before hctx, so the app context uses it)."""
    root = tmp_path / "disk"
    root.mkdir()
    mounted = _run("mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(root))
    if mounted.returncode != 0:
        pytest.fail(f"these tests need to mount a small tmpfs for TUTOR_HOME (run them as root, as CI does): "
                    f"mount said: {mounted.stderr.strip()}")
    try:
        monkeypatch.setenv("TUTOR_HOME", str(root / "home"))
        get_settings.cache_clear()
        yield SmallDisk(root)
    finally:
        from tutor.db import dispose_engines

        dispose_engines()
        get_settings.cache_clear()
        if _run("umount", str(root)).returncode != 0:
            _run("umount", "--lazy", str(root))  # Chroma's cached client may still hold its files open


def _says_disk_full(message: str, home: Path) -> None:
    assert "The disk is full (no space left on device)" in message, message
    assert str(home) in message and "free some space" in message, message


def _chunks(ctx, course: str) -> list[tuple[str, str, int]]:
    rows = ctx.store.rows(ctx.store.raw_collection(course), include_documents=False)
    return sorted((p.id, p.source, p.file_chunks) for p in rows)


def test_upload_on_a_full_disk_says_so_keeps_the_course_and_the_retry_stores_once(small_disk, hctx, husers, hcourse, demo_course, tmp_path):
    from tutor.services import authoring
    from tutor.db import session_scope
    from tutor.db.models import Concept

    home = hctx.settings.home
    before = _chunks(hctx, hcourse)
    upload = tmp_path / "uploads" / "tmp-new.md"
    shutil.copy(demo_course / "08-dictionaries.md", upload)
    files = [(str(upload), "08-dictionaries.md")]

    small_disk.fill()
    with pytest.raises(DiskFullError) as raised:
        authoring.upload(hctx, husers["teacher"], hcourse, files)
    _says_disk_full(str(raised.value), home)
    small_disk.free()

    assert _chunks(hctx, hcourse) == before  # the course as it was, no stray chunk of the failed file
    found = hctx.retriever.search("How do I stop a loop early?", hcourse, k=3)
    assert found and found[0].source == "07-loops.md"

    result = authoring.upload(hctx, husers["teacher"], hcourse, files)
    assert result.loaded == ["08-dictionaries.md"] and not result.errors
    after = _chunks(hctx, hcourse)
    ids = [i for i, _, _ in after]
    assert len(ids) == len(set(ids))
    new = [total for _, source, total in after if source == "08-dictionaries.md"]
    assert new and len(new) == new[0]  # the file stored once, every one of its chunks
    assert [row for row in after if row[1] != "08-dictionaries.md"] == before
    with session_scope(hctx.settings) as session:
        titles = session.scalars(sa.select(Concept.title).where(Concept.course == hcourse)).all()
    assert any("ictionar" in title for title in titles), titles  # the concept map has the new chapter


def test_upload_whose_concept_map_update_meets_a_full_disk_is_finished_by_the_retry(small_disk, hctx, husers, hcourse, demo_course,
                                                                                      tmp_path, monkeypatch):
    from tutor.services import authoring
    from tutor.db import session_scope
    from tutor.db.models import Concept

    upload = tmp_path / "uploads" / "tmp-new.md"
    shutil.copy(demo_course / "08-dictionaries.md", upload)
    files = [(str(upload), "08-dictionaries.md")]
    real_resync = authoring.resync_concepts

    def disk_fills_up_first(ctx, course):  # the chunks are stored; the disk fills before the concept map is written
        small_disk.fill()
        return real_resync(ctx, course)

    monkeypatch.setattr(authoring, "resync_concepts", disk_fills_up_first)
    with pytest.raises(DiskFullError):
        authoring.upload(hctx, husers["teacher"], hcourse, files)
    monkeypatch.setattr(authoring, "resync_concepts", real_resync)
    small_disk.free()

    result = authoring.upload(hctx, husers["teacher"], hcourse, files)
    assert result.unchanged == ["08-dictionaries.md"] and not result.errors
    with session_scope(hctx.settings) as session:
        titles = session.scalars(sa.select(Concept.title).where(Concept.course == hcourse)).all()
    assert any("ictionar" in title for title in titles), titles


def _attempt_keys(settings) -> list[str]:
    from tutor.db import session_scope
    from tutor.db.models import Attempt

    with session_scope(settings) as session:
        return list(session.scalars(sa.select(Attempt.idempotency_key).order_by(Attempt.id)))


def _integrity(home: Path) -> str:
    with sqlite3.connect(home / "tutor.db") as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def test_grading_on_a_full_disk_says_so_writes_nothing_and_the_retry_stores_once(small_disk, hctx, husers, hcourse):
    from tutor.services import practice
    from tutor.db import session_scope
    from tutor.db.models import MasteryState

    ada = husers["ada"]
    for answer in ("first answer", "second answer"):
        practice.submit(hctx, ada, practice.next_exercise(hctx, ada, hcourse), answer)
    earlier = _attempt_keys(hctx.settings)
    assert len(earlier) == 2
    shown = practice.next_exercise(hctx, ada, hcourse)

    small_disk.fill()
    with pytest.raises(DiskFullError) as raised:
        practice.submit(hctx, ada, shown, "third answer")
    _says_disk_full(str(raised.value), hctx.settings.home)
    small_disk.free()

    assert _integrity(hctx.settings.home) == "ok"
    assert _attempt_keys(hctx.settings) == earlier  # nothing of the failed attempt, every earlier one
    retried = practice.submit(hctx, ada, shown, "third answer")
    again = practice.submit(hctx, ada, shown, "third answer")
    assert not retried.duplicate and again.duplicate
    keys = _attempt_keys(hctx.settings)
    assert keys[:2] == earlier and len(keys) == 3
    with session_scope(hctx.settings) as session:
        moved = sum(s.attempts for s in session.scalars(sa.select(MasteryState).where(MasteryState.learner_id == "ada")))
    assert moved == 3  # mastery moved once per stored attempt, never for the failed one


def test_chat_answer_on_a_full_disk_says_so_and_stores_no_half_turn(small_disk, hctx, husers, hcourse):
    from tutor.services import tutoring
    from tutor.db import session_scope
    from tutor.db.models import Event

    ada = husers["ada"]
    list(tutoring.answer(hctx, ada, hcourse, "What is a for loop?"))
    small_disk.fill()
    with pytest.raises(DiskFullError) as raised:
        list(tutoring.answer(hctx, ada, hcourse, "How do I stop a loop early?"))
    _says_disk_full(str(raised.value), hctx.settings.home)
    small_disk.free()
    assert _integrity(hctx.settings.home) == "ok"
    with session_scope(hctx.settings) as session:
        questions = [p["question"] for p in session.scalars(sa.select(Event.payload).where(Event.kind == "chat_turn"))]
    assert questions == ["What is a for loop?"]


def test_eval_run_on_a_full_disk_is_one_line_and_leaves_no_broken_run(small_disk, hctx, demo_course):
    from tutor.evaluation.results import list_runs, runs_dir
    from tutor.retrieval.ingest import ingest

    home = hctx.settings.home
    # The suite's course is loaded first, so the eval itself is what meets the full disk.
    ingest([demo_course], "intro-python", hctx.store, hctx.retriever.embedder, hctx.settings)
    env = dict(os.environ, TUTOR_HOME=str(home), TUTOR_LLM="fake")

    small_disk.fill()
    failed = tutor_cmd("eval", "run", "retrieval", env=env)
    small_disk.free()
    assert failed.returncode == 2, failed.stderr
    assert "Traceback" not in failed.stderr, failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, failed.stderr
    _says_disk_full(errors[0], home)
    assert list_runs("retrieval", home) == []  # no half run is counted (or breaks the history)

    rerun = tutor_cmd("eval", "run", "retrieval", env=env)
    assert rerun.returncode in (0, 1), rerun.stderr  # 1: under a threshold, still a finished run
    assert len(list_runs("retrieval", home)) == 1
    assert not list(runs_dir(home).rglob("*.tmp"))


def test_eval_cache_on_a_full_disk_says_so_and_leaves_no_temp_file(small_disk):
    from tutor.llm.cache import CachingChatModel
    from tutor.llm.fake import FakeChatModel

    home = get_settings().home
    cache_dir = home / "evals" / "cache"
    model = CachingChatModel(FakeChatModel(default="an answer"), cache_dir, "fake")
    model.complete([{"role": "user", "content": "warm up"}])  # creates the cache folders while there is room
    small_disk.fill()
    with pytest.raises(DiskFullError) as raised:
        model.complete([{"role": "user", "content": "a new question"}])
    _says_disk_full(str(raised.value), home)
    small_disk.free()
    assert not list(cache_dir.rglob("*.tmp"))
    assert model.complete([{"role": "user", "content": "a new question"}]).text == "an answer"
    assert len(list(cache_dir.rglob("*.json"))) == 2
