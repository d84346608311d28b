"""Two writers sync the same course's concepts at once (scale-out, issue 7): both succeed, each concept is stored once.

The case: an instructor uploads a chapter through app process A (resync_concepts) while a learner of process B
opens the course for the first time (ensure_course); both call sync_from_outline on one database. The overlap
is forced, not left to timing: the first thread inserts its rows and keeps its transaction open until the
second is seen reaching those rows (on PostgreSQL: waiting on a lock, in pg_stat_activity; on SQLite: its
INSERT has started, as SQLite shows no view of a busy wait), and only then commits. A check-then-insert
fails here on the primary key (the second looked before the first committed); "on conflict do nothing" waits
and skips.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tutor.config import get_settings
from tutor.db import dispose_engines, get_engine, session_scope
from tutor.db.models import Concept, PrerequisiteEdge
from tutor.learners.concepts import sync_from_outline
from tutor.retrieval.outline import ConceptOutline

COURSE = "race"
OUTLINE = [
    ConceptOutline(id="basics", title="Basics"),
    ConceptOutline(id="variables", title="Variables", prerequisites=["basics"]),
    ConceptOutline(id="loops", title="Loops", prerequisites=["variables"]),
    ConceptOutline(id="functions", title="Functions", prerequisites=["loops", "variables"]),
]
# The second writer's outline renames one chapter: its sync, committed last, must win for existing rows too.
RENAMED = [entry.model_copy(update={"title": "Loops and ranges"}) if entry.id == "loops" else entry for entry in OUTLINE]
WAIT_S = 60


def sync_while_the_other_holds_its_rows(settings, second_reached_rows: Callable[[], bool],
                                        watch_second: Callable[[Session], None] = lambda session: None) -> list[BaseException]:
    """Thread one syncs OUTLINE and holds its transaction open until `second_reached_rows()`; thread two, started
    once thread one's rows are in, syncs RENAMED. Each has its own session and connection. Returns their errors."""
    first_inserted = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with session_scope(settings) as session:
                sync_from_outline(session, COURSE, OUTLINE)
                first_inserted.set()
                deadline = time.monotonic() + WAIT_S
                while not second_reached_rows():
                    if time.monotonic() > deadline:
                        raise AssertionError(f"the second writer did not reach the first's rows within {WAIT_S} s")
                    time.sleep(0.05)
            # Committed only now, while the second writer waits on (or has already looked at) these rows.
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            first_inserted.set()  # never leave the second thread waiting when the first failed early

    def second() -> None:
        if not first_inserted.wait(WAIT_S):
            errors.append(AssertionError("the first writer never inserted its rows"))
            return
        try:
            with session_scope(settings) as session:
                watch_second(session)
                sync_from_outline(session, COURSE, RENAMED)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * WAIT_S)
    assert not any(thread.is_alive() for thread in threads), "a writer is still blocked: deadlock?"
    return errors


def assert_each_concept_once(settings) -> None:
    with session_scope(settings) as session:
        concepts = session.execute(sa.select(Concept.id, Concept.title).where(Concept.course == COURSE)).all()
        edges = session.scalar(sa.select(sa.func.count()).select_from(PrerequisiteEdge).where(PrerequisiteEdge.course == COURSE))
    assert sorted(concepts) == sorted((entry.id, entry.title) for entry in RENAMED)
    assert edges == sum(len(entry.prerequisites) for entry in OUTLINE)


@pytest.mark.server
def test_two_writers_sync_one_course_on_postgresql(postgres, monkeypatch):
    monkeypatch.setenv("TUTOR_DATABASE_URL", postgres)
    get_settings.cache_clear()
    settings = get_settings()
    engine = get_engine(settings)  # migrated once here, not by the two writers at the same moment

    def second_waits_on_a_lock() -> bool:
        with engine.connect() as conn:
            return bool(conn.scalar(sa.text("SELECT count(*) FROM pg_stat_activity "
                                            "WHERE datname = current_database() AND wait_event_type = 'Lock'")))

    try:
        errors = sync_while_the_other_holds_its_rows(settings, second_waits_on_a_lock)
        assert not errors, errors
        assert_each_concept_once(settings)
    finally:
        dispose_engines()  # the server stops after this test; no pooled connection may outlive it


def test_two_writers_sync_one_course_on_sqlite():
    settings = get_settings()  # the test home's SQLite file: WAL, busy_timeout, one connection per session
    get_engine(settings)
    second_inserting = threading.Event()

    def watch_inserts(session: Session) -> None:
        def traced(statement: str) -> None:
            if statement.lstrip().upper().startswith("INSERT"):
                second_inserting.set()

        # Traced connection is closed by dispose_engines() below, so the callback never outlives this test.
        session.connection().connection.driver_connection.set_trace_callback(traced)

    try:
        errors = sync_while_the_other_holds_its_rows(settings, second_inserting.is_set, watch_inserts)
        assert not errors, errors
        assert_each_concept_once(settings)
    finally:
        dispose_engines()
