"""One SQLAlchemy engine per database URL, migrated to the newest schema on first use.

SQLite in `TUTOR_HOME` is the default (WAL journal, so the app's readers do not block a writer);
any SQLAlchemy URL works through `TUTOR_DATABASE_URL` (PostgreSQL for a deployment). The schema is
only ever changed by Alembic migrations, never by `create_all`, so an upgrade keeps every learner's
history. Shortcut: the cache is per process; a long-lived server that changes URL at run time would
keep the old engine open until `dispose_engines()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from tutor.config import Settings, get_settings
from tutor.diskspace import disk_full_as_error
from tutor.home import ensure_dir

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_lock = threading.Lock()
_engines: dict[str, sa.Engine] = {}
_sessionmakers: dict[str, sessionmaker[Session]] = {}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a writer commits; busy_timeout waits instead of failing at once
    # when two processes (CLI and app) write together; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Run Alembic migrations up to `revision` on this engine's database."""
    from alembic import command

    config = _alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    from alembic import command

    config = _alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _create_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            ensure_dir(Path(database).parent)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    return engine


def get_engine(settings: Settings | None = None) -> sa.Engine:
    """The engine for the configured database, created and migrated to head on first use."""
    settings = settings or get_settings()
    url = settings.resolved_database_url
    engine = _engines.get(url)
    if engine is not None:
        return engine
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create_engine(url)
            upgrade(engine)
            _engines[url] = engine
            _sessionmakers[url] = sessionmaker(engine, expire_on_commit=False)
    return engine


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    settings = settings or get_settings()
    # SQLite reports a full disk as "database or disk is full" from any flush or commit (the WAL grows);
    # the transaction is rolled back, so the caller only needs the clear message.
    with disk_full_as_error(_database_location(settings)):
        get_engine(settings)
        session = _sessionmakers[settings.resolved_database_url]()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def _database_location(settings: Settings) -> str:
    """What a disk-full message names: the SQLite file, or the server's URL without its password."""
    url = sa.engine.make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def dispose_engines() -> None:
    """Close every cached engine (tests, or a server switching databases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sessionmakers.clear()
