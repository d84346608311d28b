"""Accounts remember their latest sign-in, so sessions expire (TUTOR_SESSION_HOURS) across every app
process sharing the database; failed sign-ins are rows, so the rate limit holds across processes too.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tutor.db.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("signed_in_at", UTCDateTime(), nullable=True))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_login_failures_name_created", "login_failures", ["name", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_name_created", table_name="login_failures")
    op.drop_table("login_failures")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("signed_in_at")
