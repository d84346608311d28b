"""Sign-in bookkeeping behind accounts.sign_in: the failed-attempt limits and the sessions the tutor controls.

Everything lives in the database, so every app process over one database applies the same limits and
sees the same sessions.

Limits, counted over TUTOR_LOGIN_WINDOW_MINUTES (tables `login_failures`):
- per (name, client address): `login_max_failures`. Keyed by both, so a stranger guessing an
  instructor's name (names are visible in the partner list) locks out only their own address;
- per client address, any names: `login_max_failures_per_client` (one address spraying names);
- per name from all addresses: ten times `login_max_failures` (guessing spread over many addresses);
- unknown names: an argon2 hash is still spent on them (a wrong name takes as long as a wrong password),
  but at most `login_unknown_name_cap` a window for all clients together; beyond it they are refused
  without hashing, so random names cannot burn the CPU.
Failure rows older than the window are purged whenever a failure is written.

Sessions (table `sessions`): each successful sign-in makes a random token (the cookie) whose SHA-256 is
the row id. A session ends TUTOR_SESSION_HOURS after its own sign-in, at sign-out, when the password
changes (`tutor user add --force`) and when the user is deleted.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tutor.config import Settings
from tutor.db import session_scope
from tutor.db.models import LoginFailure, SignInSession, User as UserRow, utcnow
from tutor.errors import NotSignedInError, SessionExpiredError, TooManyAttemptsError  # noqa: F401 (NotSignedInError re-exported)

NAME_LIMIT_FACTOR = 10  # failures for one name from all addresses, as a multiple of the per-address limit


def _since(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(minutes=settings.login_window_minutes)


def _count(session: Session, *where) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(LoginFailure).where(*where)) or 0)


def check_rate(name: str, settings: Settings, client: str = "", now: datetime | None = None) -> None:
    """TooManyAttemptsError when this name from this client, this client, or this name overall failed too often."""
    now = now or utcnow()
    since = _since(settings, now)
    name, client = name[:64], client[:64]
    with session_scope(settings) as session:
        recent = LoginFailure.created_at > since
        pair = _count(session, recent, LoginFailure.name == name, LoginFailure.client == client)
        if pair >= settings.login_max_failures:
            raise TooManyAttemptsError(name, pair, settings.login_window_minutes)
        by_client = _count(session, recent, LoginFailure.client == client)
        if by_client >= settings.login_max_failures_per_client:
            raise TooManyAttemptsError(name, by_client, settings.login_window_minutes, what="from this address")
        by_name = _count(session, recent, LoginFailure.name == name)
        if by_name >= settings.login_max_failures * NAME_LIMIT_FACTOR:
            raise TooManyAttemptsError(name, by_name, settings.login_window_minutes)


def unknown_names_capped(session: Session, settings: Settings, now: datetime | None = None) -> bool:
    """True when the window's budget of argon2 hashes for unknown names is spent."""
    since = _since(settings, now or utcnow())
    return _count(session, LoginFailure.created_at > since, LoginFailure.unknown_name.is_(True)) >= settings.login_unknown_name_cap


def record_failure(session: Session, name: str, client: str = "", *, unknown: bool = False, settings: Settings | None = None) -> None:
    now = utcnow()
    session.add(LoginFailure(name=name[:64], client=client[:64], unknown_name=unknown, created_at=now))
    if settings is not None:
        purge_failures(session, settings, now)


def purge_failures(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Delete failure rows the limits no longer count (older than the window)."""
    result = session.execute(sa.delete(LoginFailure).where(LoginFailure.created_at <= _since(settings, now or utcnow())))
    return result.rowcount or 0


def record_success(session: Session, row: UserRow, client: str = "") -> None:
    row.signed_in_at = utcnow()
    session.execute(sa.delete(LoginFailure).where(LoginFailure.name == row.name, LoginFailure.client == client[:64]))


# ---- sessions ----

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, name: str, settings: Settings, client: str = "") -> str:
    """A new session for `name`; returns the token the browser keeps (never stored as such)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(SignInSession(id=_digest(token), user_name=name, client=client[:64], created_at=now,
                              expires_at=now + timedelta(hours=settings.session_hours)))
    # Ended sessions are kept for a day (sign-out shows as such), then go.
    session.execute(sa.delete(SignInSession).where(SignInSession.expires_at < now - timedelta(days=1)))
    return token


def session_name(token: str | None, settings: Settings, now: datetime | None = None) -> str:
    """The user of a live session token; NotSignedInError (no or unknown token) or SessionExpiredError."""
    if not token:
        raise NotSignedInError()
    now = now or utcnow()
    with session_scope(settings) as session:
        row = session.get(SignInSession, _digest(token))
        if row is None or row.revoked_at is not None:
            raise NotSignedInError()
        if row.expires_at <= now:
            raise SessionExpiredError(row.user_name, settings.session_hours)
        return row.user_name


def end_session(token: str | None, settings: Settings) -> bool:
    """Sign-out: the session stops working at once, in every process. False when there was none."""
    if not token:
        return False
    with session_scope(settings) as session:
        row = session.get(SignInSession, _digest(token))
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        return True


def revoke_all(session: Session, name: str) -> int:
    """End every live session of `name` (password change, deletion); returns how many were live."""
    result = session.execute(sa.update(SignInSession)
                             .where(SignInSession.user_name == name, SignInSession.revoked_at.is_(None))
                             .values(revoked_at=utcnow()))
    return result.rowcount or 0
