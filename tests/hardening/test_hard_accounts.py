"""Sign-in limits and sessions at handler level (accounts.authenticate / sign_in_user / token_user / delete_user):
per (name, address) and per address limits, the cap on argon2 work for unknown names, the purge of old
failure rows, and sessions that end at expiry, sign-out, password change and deletion."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tutor.services import accounts, sign_in
from tutor.db import session_scope
from tutor.db.models import LoginFailure, SignInSession, utcnow
from tutor.errors import SessionExpiredError, TooManyAttemptsError


def test_five_failures_lock_the_name_for_that_address_for_the_window(hctx, husers):
    for _ in range(5):
        assert accounts.authenticate("ada", "wrong", hctx.settings, client="10.0.0.1") is None
    with pytest.raises(TooManyAttemptsError, match="Too many failed sign-ins for 'ada' \\(5 in 5 minutes\\): wait 5 minutes"):
        accounts.authenticate("ada", "ada-pass-123", hctx.settings, client="10.0.0.1")
    assert accounts.authenticate("ada", "ada-pass-123", hctx.settings, client="10.0.0.2").name == "ada"  # her own address
    assert accounts.authenticate("bob", "bob-pass-123", hctx.settings, client="10.0.0.1").name == "bob"  # per name
    with session_scope(hctx.settings) as session:  # the window passes
        session.execute(sa.update(LoginFailure).values(created_at=utcnow() - timedelta(minutes=6)))
    assert accounts.authenticate("ada", "ada-pass-123", hctx.settings, client="10.0.0.1").name == "ada"


def test_one_name_guessed_from_many_addresses_is_limited_too(hctx, husers):
    limit = hctx.settings.login_max_failures * sign_in.NAME_LIMIT_FACTOR
    for i in range(limit):
        accounts.authenticate("ada", "wrong", hctx.settings, client=f"10.1.{i // 250}.{i % 250}")
    with pytest.raises(TooManyAttemptsError):
        accounts.authenticate("ada", "ada-pass-123", hctx.settings, client="10.9.9.9")


def test_an_address_trying_many_names_is_stopped(hctx, husers):
    for i in range(hctx.settings.login_max_failures_per_client):
        assert accounts.authenticate(f"guess{i}", "x", hctx.settings, client="10.0.0.3") is None
    with pytest.raises(TooManyAttemptsError, match="from this address"):
        accounts.authenticate("ada", "ada-pass-123", hctx.settings, client="10.0.0.3")


def test_unknown_names_cost_no_argon2_hash_beyond_the_cap(hctx, husers, monkeypatch):
    hashed = []
    real = accounts._hasher

    class Counting:  # the real hasher, counting the hashes it computes
        def hash(self, password):
            hashed.append(1)
            return real.hash(password)

        def verify(self, stored, password):
            return real.verify(stored, password)

    monkeypatch.setattr(accounts, "_hasher", Counting())
    settings = hctx.settings.model_copy(update={"login_unknown_name_cap": 3})
    for i in range(8):  # eight addresses, so the per-address limit is not what stops them
        assert accounts.authenticate(f"random{i}", "x", settings, client=f"10.2.0.{i}") is None
    assert len(hashed) == 3
    assert accounts.authenticate("ada", "ada-pass-123", settings, client="10.2.1.1").name == "ada"  # real users unaffected


def test_old_failure_rows_are_purged(hctx, husers):
    with session_scope(hctx.settings) as session:
        for i in range(50):
            session.add(LoginFailure(name=f"old{i}", client="10.3.0.1", created_at=utcnow() - timedelta(days=2)))
    accounts.authenticate("nobody", "x", hctx.settings, client="10.3.0.2")
    with session_scope(hctx.settings) as session:
        names = session.scalars(sa.select(LoginFailure.name)).all()
    assert names == ["nobody"]


def test_a_success_clears_that_address_s_failures(hctx, husers):
    for _ in range(4):
        accounts.authenticate("ada", "wrong", hctx.settings, client="10.0.0.4")
    assert accounts.authenticate("ada", "ada-pass-123", hctx.settings, client="10.0.0.4")
    for _ in range(4):
        assert accounts.authenticate("ada", "wrong", hctx.settings, client="10.0.0.4") is None  # the count restarted


def test_sessions_expire_end_at_sign_out_and_at_a_password_change(hctx, husers):
    user, token = accounts.sign_in_user("ada", "ada-pass-123", "10.0.0.5", hctx.settings)
    _, other = accounts.sign_in_user("ada", "ada-pass-123", "10.0.0.6", hctx.settings)
    assert accounts.token_user(token, hctx.settings) == user
    with session_scope(hctx.settings) as session:
        row = session.get(SignInSession, sign_in._digest(token))
        assert row.client == "10.0.0.5" and token not in (row.id,)  # only the digest is stored
        expires = row.expires_at
    assert expires - row.created_at == timedelta(hours=12)
    sign_in.session_name(token, hctx.settings, now=expires - timedelta(minutes=1))
    with pytest.raises(SessionExpiredError, match="expired \\(12 hours after signing in\\)"):
        sign_in.session_name(token, hctx.settings, now=expires + timedelta(minutes=1))
    assert sign_in.end_session(token, hctx.settings)
    with pytest.raises(sign_in.NotSignedInError):
        accounts.token_user(token, hctx.settings)
    assert accounts.token_user(other, hctx.settings).name == "ada"
    accounts.add_user("ada", "a-new-password", ["learner"], force=True, settings=hctx.settings)
    with pytest.raises(sign_in.NotSignedInError):
        accounts.token_user(other, hctx.settings)
    for forged in (None, "", "x" * 43):
        with pytest.raises(sign_in.NotSignedInError):
            accounts.token_user(forged, hctx.settings)


def test_delete_user_removes_account_sessions_and_learner_data(hctx, husers):
    _, token = accounts.sign_in_user("bob", "bob-pass-123", "10.0.0.7", hctx.settings)
    accounts.ensure_learner(husers["bob"], hctx.settings)
    counts = accounts.delete_user("bob", hctx.settings)
    assert counts["users"] == 1 and counts["sessions"] == 1 and counts["learners"] == 1
    with pytest.raises(sign_in.NotSignedInError):
        accounts.token_user(token, hctx.settings)
    assert accounts.authenticate("bob", "bob-pass-123", hctx.settings, client="10.0.0.7") is None
    assert "bob" not in [u.name for u in accounts.list_users(hctx.settings)]
