"""Accounts for the app: users with roles (learner, instructor), argon2 password hashes, and the
permission checks every handler calls.

Scope: create, verify, list users; the `User` value handlers receive. A user's name is also their
learner id, so a learner's data is found by who is signed in, never by a name the browser sends.
A password or role change is `tutor user add --force` (it ends the user's sessions); `tutor user delete`
removes the account and everything about the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tutor.config import Settings, get_settings
from tutor.db import session_scope
from tutor.db.models import Learner, User as UserRow
from tutor.errors import AccountError, PermissionDeniedError, UnknownUserError

ROLES = ("learner", "instructor")
LOCAL_USER = "local"  # the single user of a loopback app with no accounts
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")  # same shape as a learner id
MIN_PASSWORD = 8

_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    roles: tuple[str, ...]

    @property
    def is_instructor(self) -> bool:
        return "instructor" in self.roles


def local_user() -> User:
    """The one user of a loopback app with no accounts: both roles (issue 5)."""
    return User(LOCAL_USER, ROLES)


def add_user(name: str, password: str, roles: list[str], *, force: bool = False, settings: Settings | None = None) -> User:
    if not NAME.match(name or ""):
        raise AccountError(f"Invalid user name '{name}': use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise AccountError(f"Unknown role(s) {', '.join(unknown) or '(none)'}: use {' or '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password for '{name}' is too short: use at least {MIN_PASSWORD} characters.")
    # An instructor also learns (previews practice and progress), so both roles get a learner profile.
    ordered = tuple(r for r in ROLES if r in roles)
    with session_scope(settings or get_settings()) as session:
        row = session.get(UserRow, name)
        if row is not None and not force:
            raise AccountError(f"User '{name}' already exists; pass --force to replace the password and roles.")
        if row is None:
            row = UserRow(name=name, password_hash="", roles=[])
            session.add(row)
        elif row.password_hash:
            # A new password (or new roles) ends every session signed in with the old one.
            from tutor.services import sign_in

            sign_in.revoke_all(session, name)
        row.password_hash = _hasher.hash(password)
        row.roles = list(ordered)
        if session.get(Learner, name) is None:
            session.add(Learner(id=name, display_name=name))
    return User(name, ordered)


def has_users(settings: Settings | None = None) -> bool:
    with session_scope(settings or get_settings()) as session:
        return session.query(UserRow).first() is not None


def list_users(settings: Settings | None = None) -> list[User]:
    with session_scope(settings or get_settings()) as session:
        return [User(r.name, tuple(r.roles)) for r in session.query(UserRow).order_by(UserRow.name)]


def authenticate(name: str, password: str, settings: Settings | None = None, client: str = "") -> User | None:
    """The user when the password matches, else None.

    TooManyAttemptsError once the limits of sign_in.check_rate are reached, even with the right password
    (so guessing cannot go on); a success stamps `signed_in_at` and clears this client's failures for the name."""
    settings = settings or get_settings()
    from tutor.services import sign_in

    name = name or ""
    sign_in.check_rate(name, settings, client)
    with session_scope(settings) as session:
        row = session.get(UserRow, name)
        if row is None:
            # Hash anyway so a wrong name takes as long as a wrong password (no user enumeration by
            # timing), up to a budget per window: past it, random names cost no argon2 work at all.
            if not sign_in.unknown_names_capped(session, settings):
                _hasher.hash(password or "")
            sign_in.record_failure(session, name, client, unknown=True, settings=settings)
            return None
        try:
            _hasher.verify(row.password_hash, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            sign_in.record_failure(session, row.name, client, settings=settings)
            return None
        sign_in.record_success(session, row, client)
        return User(row.name, tuple(row.roles))


def sign_in_user(name: str, password: str, client: str = "", settings: Settings | None = None) -> tuple[User, str] | None:
    """authenticate, then a new session: (user, cookie token), or None for a wrong name or password."""
    settings = settings or get_settings()
    from tutor.services import sign_in

    user = authenticate(name, password, settings, client)
    if user is None:
        return None
    with session_scope(settings) as session:
        return user, sign_in.start_session(session, user.name, settings, client)


def token_user(token: str | None, settings: Settings | None = None) -> User:
    """The user of a live session token (the request's cookie): NotSignedInError or SessionExpiredError otherwise."""
    from tutor.services import sign_in

    settings = settings or get_settings()
    name = sign_in.session_name(token, settings)
    try:
        return get_user(name, settings)
    except AccountError:  # deleted while signed in (its sessions go with it; this is the race in between)
        raise sign_in.NotSignedInError() from None


def delete_user(name: str, settings: Settings | None = None) -> dict[str, int]:
    """Remove the account, its sessions and sign-in records, and the learner profile with everything in it.

    Rows per table, as `tutor learner delete` prints them. AccountError when there is no such user."""
    from tutor.services import sign_in
    from tutor.db.models import LoginFailure, SignInSession
    from tutor.learners.profiles import delete_learner

    settings = settings or get_settings()
    counts: dict[str, int] = {}
    with session_scope(settings) as session:
        row = session.get(UserRow, name)
        if row is None:
            raise AccountError(f"Unknown user '{name}': see `tutor user list`.")
        sign_in.revoke_all(session, name)
        counts["sessions"] = session.execute(sa.delete(SignInSession).where(SignInSession.user_name == name)).rowcount or 0
        counts["login_failures"] = session.execute(sa.delete(LoginFailure).where(LoginFailure.name == name)).rowcount or 0
        if session.get(Learner, name) is not None:
            counts.update(delete_learner(session, name))
        session.delete(row)
        session.flush()
        counts["users"] = 1
    return counts


def account_export(session, name: str) -> dict | None:
    """The account's non-secret fields (no password hash, no session tokens), or None without an account."""
    from tutor.db.models import SignInSession

    row = session.get(UserRow, name)
    if row is None:
        return None
    sessions = session.scalars(sa.select(SignInSession).where(SignInSession.user_name == name)
                               .order_by(SignInSession.created_at)).all()
    stamp = lambda t: t.isoformat() if t else None  # noqa: E731
    return {"name": row.name, "roles": list(row.roles), "created_at": stamp(row.created_at),
            "signed_in_at": stamp(row.signed_in_at),
            "sessions": [{"client": s.client, "created_at": stamp(s.created_at), "expires_at": stamp(s.expires_at),
                          "revoked_at": stamp(s.revoked_at)} for s in sessions]}


def get_user(name: str, settings: Settings | None = None) -> User:
    with session_scope(settings or get_settings()) as session:
        row = session.get(UserRow, name)
        if row is None:
            raise UnknownUserError(name)
        return User(row.name, tuple(row.roles))


def ensure_learner(user: User, settings: Settings | None = None) -> str:
    """The learner id of `user`, creating the learner profile on first use (the local user has none yet)."""
    with session_scope(settings or get_settings()) as session:
        if session.get(Learner, user.name) is None:
            session.add(Learner(id=user.name, display_name=user.name))
    return user.name


def require_instructor(user: User, action: str) -> None:
    if not user.is_instructor:
        raise PermissionDeniedError(user.name, action, "only instructors may do this")


def require_self_or_instructor(user: User, learner_id: str, action: str) -> None:
    """A learner sees and changes only their own data; an instructor may look at any learner."""
    if learner_id != user.name and not user.is_instructor:
        raise PermissionDeniedError(user.name, action, "a learner sees only their own data")
