"""Sign-in rate limit and session expiry at handler level (accounts.authenticate, accounts.session_user)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tutor.services import accounts, sign_in
from tutor.db import session_scope
from tutor.db.models import LoginFailure, User as UserRow, utcnow
from tutor.errors import SessionExpiredError, TooManyAttemptsError


def test_five_failures_lock_the_name_for_the_window_even_with_the_right_password(hctx, husers):
    for _ in range(5):
        assert accounts.authenticate("ada", "wrong", hctx.settings) is None
    with pytest.raises(TooManyAttemptsError, match="Too many failed sign-ins for 'ada' \\(5 in 5 minutes\\): wait 5 minutes"):
        accounts.authenticate("ada", "ada-pass-123", hctx.settings)
    assert accounts.authenticate("bob", "bob-pass-123", hctx.settings).name == "bob"  # per user
    with session_scope(hctx.settings) as session:  # the window passes
        session.execute(sa.update(LoginFailure).values(created_at=utcnow() - timedelta(minutes=6)))
    assert accounts.authenticate("ada", "ada-pass-123", hctx.settings).name == "ada"


def test_unknown_names_are_limited_too(hctx, husers):
    for _ in range(5):
        assert accounts.authenticate("mallory", "guess", hctx.settings) is None
    with pytest.raises(TooManyAttemptsError):
        accounts.authenticate("mallory", "guess", hctx.settings)


def test_a_success_clears_earlier_failures(hctx, husers):
    for _ in range(4):
        accounts.authenticate("ada", "wrong", hctx.settings)
    assert accounts.authenticate("ada", "ada-pass-123", hctx.settings)
    for _ in range(4):
        assert accounts.authenticate("ada", "wrong", hctx.settings) is None  # 4 more allowed: the count restarted


def test_sessions_expire_after_session_hours(hctx, husers, monkeypatch):
    with pytest.raises(SessionExpiredError):  # never signed in
        accounts.session_user("ada", hctx.settings)
    accounts.authenticate("ada", "ada-pass-123", hctx.settings)
    assert accounts.session_user("ada", hctx.settings).name == "ada"
    with session_scope(hctx.settings) as session:
        stamped = session.get(UserRow, "ada").signed_in_at
    sign_in.check_session("ada", hctx.settings, now=stamped + timedelta(hours=11.9))
    with pytest.raises(SessionExpiredError, match="expired \\(12 hours after signing in\\): open /logout"):
        sign_in.check_session("ada", hctx.settings, now=stamped + timedelta(hours=12.1))
    shorter = hctx.settings.model_copy(update={"session_hours": 1.0})
    with pytest.raises(SessionExpiredError, match="1 hours"):
        sign_in.check_session("ada", shorter, now=stamped + timedelta(hours=1.5))
