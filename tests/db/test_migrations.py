"""Schema changes go through Alembic: an empty database upgrades to head and matches the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tutor.config import get_settings
from tutor.db import get_engine
from tutor.db.engine import _create_engine, downgrade, upgrade
from tutor.db.models import Base


def test_first_use_creates_a_wal_sqlite_database_in_home(tutor_home):
    engine = get_engine()
    assert (tutor_home / "tutor.db").exists()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001"
    assert get_engine() is engine  # cached per URL


def test_database_url_setting_moves_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    get_settings.cache_clear()
    get_engine()
    assert (tmp_path / "elsewhere.db").exists()


def test_migrations_match_the_models_exactly(tmp_path):
    engine = _create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models.py and migrations disagree; add a revision: {diff}"


def test_downgrade_to_base_and_back_up(tmp_path):
    engine = _create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade(engine)
    assert "attempts" in sa.inspect(engine).get_table_names()
