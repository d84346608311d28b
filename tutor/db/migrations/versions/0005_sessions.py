"""Sessions the tutor controls: one row per sign-in (hashed token, expiry, revocation), and failed
sign-ins remember the client address and whether the name existed, for the per-client limit and the cap
on argon2 work spent on unknown names.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tutor.db.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
        sa.Column("client", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_sessions_user_name", "sessions", ["user_name"])
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(sa.Column("client", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("unknown_name", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_login_failures_client_created", "login_failures", ["client", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_client_created", table_name="login_failures")
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_column("unknown_name")
        batch.drop_column("client")
    op.drop_index("ix_sessions_user_name", table_name="sessions")
    op.drop_table("sessions")
