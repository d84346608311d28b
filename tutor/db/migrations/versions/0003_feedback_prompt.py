"""Feedback ratings name the prompt (id and version) that produced what was rated, and one learner has
one rating per target (a new thumbs replaces the old one, so nothing is counted twice).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("prompt_id", sa.String(120), nullable=True))
        batch.add_column(sa.Column("prompt_version", sa.String(40), nullable=True))
    # Ratings written before this revision may repeat a target; keep each learner's latest one,
    # which is what the unique index (and tutor.learners.feedback.rate) enforce from now on.
    op.execute(
        "DELETE FROM feedback WHERE learner_id IS NOT NULL AND id NOT IN "
        "(SELECT MAX(id) FROM feedback WHERE learner_id IS NOT NULL GROUP BY learner_id, target_kind, target_id)"
    )
    op.create_index("ux_feedback_learner_target", "feedback", ["learner_id", "target_kind", "target_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_feedback_learner_target", table_name="feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("prompt_version")
        batch.drop_column("prompt_id")
