"""The initial learner schema: learners, concepts, prerequisites, items, attempts, mastery, cards,
BKT parameters, events, feedback.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tutor.db.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _learner_fk(nullable: bool = False, primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "learner_id",
        sa.String(64),
        sa.ForeignKey("learners.id", ondelete="CASCADE"),
        nullable=nullable,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(40), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(20), nullable=False),
        sa.Column("preferences", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "concepts",
        sa.Column("course", sa.String(60), primary_key=True),
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
    )
    op.create_table(
        "prerequisites",
        sa.Column("course", sa.String(60), primary_key=True),
        sa.Column("concept", sa.String(120), primary_key=True),
        sa.Column("prerequisite", sa.String(120), primary_key=True),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("course", sa.String(60), nullable=False),
        sa.Column("concept", sa.String(120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("prompt_id", sa.String(120), nullable=False),
        sa.Column("prompt_version", sa.String(40), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_items_course", "items", ["course"])
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(120), nullable=False, unique=True),
        _learner_fk(),
        sa.Column("course", sa.String(60), nullable=False),
        sa.Column("concept", sa.String(120), nullable=False),
        sa.Column("item_id", sa.String(40), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("hints_used", sa.Integer(), nullable=False),
        sa.Column("time_taken_s", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_attempts_learner_id", "attempts", ["learner_id"])
    op.create_table(
        "mastery",
        _learner_fk(primary_key=True),
        sa.Column("course", sa.String(60), primary_key=True),
        sa.Column("concept", sa.String(120), primary_key=True),
        sa.Column("p_mastery", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "cards",
        _learner_fk(primary_key=True),
        sa.Column("course", sa.String(60), primary_key=True),
        sa.Column("concept", sa.String(120), primary_key=True),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("due", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "bkt_params",
        sa.Column("course", sa.String(60), primary_key=True),
        sa.Column("concept", sa.String(120), primary_key=True),
        sa.Column("p_init", sa.Float(), nullable=False),
        sa.Column("p_learn", sa.Float(), nullable=False),
        sa.Column("p_guess", sa.Float(), nullable=False),
        sa.Column("p_slip", sa.Float(), nullable=False),
        sa.Column("p_forget", sa.Float(), nullable=False),
        sa.Column("n_attempts", sa.Integer(), nullable=False),
        sa.Column("fitted_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _learner_fk(),
        sa.Column("course", sa.String(60), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_events_learner_id", "events", ["learner_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _learner_fk(nullable=True),
        sa.Column("target_kind", sa.String(40), nullable=False),
        sa.Column("target_id", sa.String(120), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_feedback_learner_id", "feedback", ["learner_id"])


def downgrade() -> None:
    for index, table in (
        ("ix_feedback_learner_id", "feedback"),
        ("ix_events_learner_id", "events"),
        ("ix_attempts_learner_id", "attempts"),
        ("ix_items_course", "items"),
    ):
        op.drop_index(index, table_name=table)
    for table in ("feedback", "events", "bkt_params", "cards", "mastery", "attempts", "items",
                  "prerequisites", "concepts", "learners"):
        op.drop_table(table)
