"""The tables of the learner database (SQLAlchemy 2.0 declarative models).

Scope: learners, course concepts and prerequisite edges, exercise items, attempts, per-(learner,
concept) mastery and FSRS cards, fitted BKT parameters, an event log and feedback ratings.
Shortcuts: course and concept ids are plain strings (the course lives in the vector store, not
here), JSON columns hold lists and small dicts, and every timestamp is stored as UTC.
Changing a table here needs a new migration in `migrations/versions`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
        list[str]: sa.JSON(),
        float: sa.Float(),  # SQLAlchemy 2.1 would pick Double; the migrations say Float
    }


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[str] = mapped_column(sa.String(40), default="beginner")
    goals: Mapped[list[str]] = mapped_column(default=list)
    interests: Mapped[list[str]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(sa.String(20), default="en")
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Concept(Base):
    __tablename__ = "concepts"

    course: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0)
    sections: Mapped[list[str]] = mapped_column(default=list)


class PrerequisiteEdge(Base):
    """`concept` needs `prerequisite`. `origin` says who drew the edge; an instructor's removal
    is kept as `active=False` so a re-sync from the course outline does not bring it back."""

    __tablename__ = "prerequisites"

    course: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    concept: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    prerequisite: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    origin: Mapped[str] = mapped_column(sa.String(20), default="outline")  # outline | instructor | llm
    active: Mapped[bool] = mapped_column(default=True)


class Item(Base):
    __tablename__ = "items"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    course: Mapped[str] = mapped_column(sa.String(60), index=True)
    concept: Mapped[str] = mapped_column(sa.String(120))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    prompt_id: Mapped[str] = mapped_column(sa.String(120), default="")
    prompt_version: Mapped[str] = mapped_column(sa.String(40), default="")
    model: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(Base):
    """One graded answer. `idempotency_key` is unique: a double-click or reload sends the same key
    and the second insert is refused, so mastery moves exactly once."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(sa.String(60))
    concept: Mapped[str] = mapped_column(sa.String(120))
    item_id: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    score: Mapped[float] = mapped_column()
    hints_used: Mapped[int] = mapped_column(default=0)
    time_taken_s: Mapped[float | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MasteryState(Base):
    __tablename__ = "mastery"

    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    course: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    concept: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    p_mastery: Mapped[float] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewCard(Base):
    """The FSRS card of one (learner, concept), stored as the fsrs package's own dict."""

    __tablename__ = "cards"

    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    course: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    concept: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    card: Mapped[dict[str, Any]] = mapped_column()
    due: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BktParameters(Base):
    __tablename__ = "bkt_params"

    course: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    concept: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    p_init: Mapped[float] = mapped_column()
    p_learn: Mapped[float] = mapped_column()
    p_guess: Mapped[float] = mapped_column()
    p_slip: Mapped[float] = mapped_column()
    p_forget: Mapped[float] = mapped_column(default=0.0)
    n_attempts: Mapped[int] = mapped_column(default=0)
    fitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    course: Mapped[str | None] = mapped_column(sa.String(60), nullable=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  # view | chat_turn | time_on_task | recommendation ...
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """A thumbs up/down. One per (learner, target): a new rating replaces the old (migration 0003)."""

    __tablename__ = "feedback"
    __table_args__ = (sa.Index("ux_feedback_learner_target", "learner_id", "target_kind", "target_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    learner_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=True, index=True
    )
    target_kind: Mapped[str] = mapped_column(sa.String(40))  # message | recommendation | item
    target_id: Mapped[str] = mapped_column(sa.String(120))
    rating: Mapped[int] = mapped_column()  # +1 thumbs up, -1 thumbs down
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The prompt that produced the rated message or item, so a rating joins back to its prompt version.
    prompt_id: Mapped[str | None] = mapped_column(sa.String(120), nullable=True)
    prompt_version: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A sign-in account for the app (issue 5). `name` is also the learner id of a learner account;
    `roles` is a list drawn from learner / instructor. Only an argon2 hash of the password is kept."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    roles: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The latest successful sign-in: every session of this user expires TUTOR_SESSION_HOURS after it (0004).
    signed_in_at: Mapped[datetime | None] = mapped_column(nullable=True)


class LoginFailure(Base):
    """One failed sign-in for a user name from a client address; counted over a window for the rate
    limits (migration 0004; `client` and `unknown_name` from 0005). Rows older than the window are purged."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_name_created", "name", "created_at"),
                      sa.Index("ix_login_failures_client_created", "client", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    client: Mapped[str] = mapped_column(sa.String(64), default="")
    unknown_name: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class SignInSession(Base):
    """One sign-in (migration 0005). The browser holds a random token in a cookie; only its SHA-256 is
    stored, so a copy of the database opens no session. Ends at `expires_at`, or earlier when revoked
    (sign-out, password change); deleted with its user."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # sha256 hex of the cookie's token
    user_name: Mapped[str] = mapped_column(sa.ForeignKey("users.name", ondelete="CASCADE"), index=True)
    client: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
