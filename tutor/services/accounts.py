"""Accounts for the app: users with roles (learner, instructor), argon2 password hashes, and the
permission checks every handler calls.

Scope: create, verify, list users; the `User` value handlers receive. A user's name is also their
learner id, so a learner's data is found by who is signed in, never by a name the browser sends.
Shortcut: no password reset or role change yet (delete and re-add with `tutor user add --force`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def authenticate(name: str, password: str, settings: Settings | None = None) -> User | None:
    """The user when the password matches, else None (Gradio's auth callback wants a yes/no).

    TooManyAttemptsError once a name has `login_max_failures` failures in the window, even with the
    right password (so guessing cannot go on); a success stamps the sign-in time sessions expire from."""
    settings = settings or get_settings()
    from tutor.services import sign_in

    sign_in.check_rate(name or "", settings)
    with session_scope(settings) as session:
        row = session.get(UserRow, name or "")
        if row is None:
            # Hash anyway so a wrong name takes as long as a wrong password (no user enumeration by timing).
            _hasher.hash(password or "")
            sign_in.record_failure(session, name or "")
            return None
        try:
            _hasher.verify(row.password_hash, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            sign_in.record_failure(session, row.name)
            return None
        sign_in.record_success(session, row)
        return User(row.name, tuple(row.roles))


def get_user(name: str, settings: Settings | None = None) -> User:
    with session_scope(settings or get_settings()) as session:
        row = session.get(UserRow, name)
        if row is None:
            raise UnknownUserError(name)
        return User(row.name, tuple(row.roles))


def session_user(name: str, settings: Settings | None = None) -> User:
    """The signed-in user of a request, or SessionExpiredError when their sign-in is too old."""
    from tutor.services import sign_in

    settings = settings or get_settings()
    sign_in.check_session(name, settings)
    return get_user(name, settings)


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
