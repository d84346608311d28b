"""Sign-in bookkeeping behind accounts.authenticate: the failed-attempt rate limit and session expiry.

Both live in the database (tables `login_failures`, column `users.signed_in_at`), so every app process
over one database applies the same limit and the same expiry. A session is valid for
TUTOR_SESSION_HOURS after the user's latest successful sign-in: signing in again renews every session
of that user (the shortcut: Gradio's session cookie carries no time of its own).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tutor.config import Settings
from tutor.db import session_scope
from tutor.db.models import LoginFailure, User as UserRow, utcnow
from tutor.errors import SessionExpiredError, TooManyAttemptsError


def check_rate(name: str, settings: Settings, now=None) -> None:
    now = now or utcnow()
    since = now - timedelta(minutes=settings.login_window_minutes)
    with session_scope(settings) as session:
        failures = session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)
                                  .where(LoginFailure.name == name[:64], LoginFailure.created_at > since))
    if failures >= settings.login_max_failures:
        raise TooManyAttemptsError(name, int(failures), settings.login_window_minutes)


def record_failure(session, name: str) -> None:
    session.add(LoginFailure(name=name[:64], created_at=utcnow()))


def record_success(session, row: UserRow) -> None:
    row.signed_in_at = utcnow()
    session.execute(sa.delete(LoginFailure).where(LoginFailure.name == row.name))


def check_session(name: str, settings: Settings, now=None) -> None:
    now = now or utcnow()
    with session_scope(settings) as session:
        signed_in_at = session.scalar(sa.select(UserRow.signed_in_at).where(UserRow.name == name))
    if signed_in_at is None or now - signed_in_at > timedelta(hours=settings.session_hours):
        raise SessionExpiredError(name, settings.session_hours)
