"""Alembic environment: runs on the connection `tutor.db.engine.upgrade` hands over, or on the URL.

Autogenerate a new revision against a scratch database with:
    see tutor/db/migrations/README.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from tutor.db.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things, so column changes become table copies.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
