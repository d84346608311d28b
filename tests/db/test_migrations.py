"""Schema changes go through Alembic: an empty database upgrades to head and matches the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tutor.config import get_settings
from tutor.db import get_engine
from tutor.db.engine import _create_engine, downgrade, upgrade
from tutor.db.models import Base


def _single_head() -> str:
    from alembic.script import ScriptDirectory

    from tutor.db.engine import MIGRATIONS, _alembic_config

    heads = ScriptDirectory.from_config(_alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migrations have several heads {heads}: chain the newest after the real head"
    assert MIGRATIONS.exists()
    return heads[0]


def test_migrations_have_one_head_and_it_is_the_newest_file():
    import re

    from tutor.db.engine import MIGRATIONS

    numbers = sorted(re.match(r"(\d+)_", p.name).group(1) for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))
    assert _single_head() == numbers[-1]


def test_first_use_creates_a_wal_sqlite_database_in_home(tutor_home):
    engine = get_engine()
    assert (tutor_home / "tutor.db").exists()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == _single_head()
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


def test_0003_keeps_each_learners_latest_rating_of_a_target(tmp_path):
    """Ratings stored twice before 0003 (no unique index then) collapse to the latest on upgrade."""
    engine = _create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO learners VALUES ('ada','Ada','beginner','[]','[]','en','{}','2025-01-01 00:00:00')")
        for rating in (1, -1, 1):
            conn.exec_driver_sql("INSERT INTO feedback (learner_id, target_kind, target_id, rating, comment, created_at) "
                                 f"VALUES ('ada','message','m1',{rating},'','2025-01-01 00:00:00')")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT rating FROM feedback").all() == [(1,)]
