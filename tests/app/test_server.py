"""Who may serve where: loopback without accounts runs as the local user; elsewhere accounts are required."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tutor.app import server
from tutor.services import accounts
from tutor.errors import UnsafeBindError


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("0.0.0.0", False), ("192.168.1.5", False), ("example.org", False)])
def test_is_loopback(host, loopback):
    assert server.is_loopback(host) is loopback


def test_refuses_a_network_address_without_accounts(ctx):
    with pytest.raises(UnsafeBindError, match="tutor user add"):
        server.create(ctx, host="0.0.0.0")


def test_sign_in_help_says_how():
    assert "local user" in server.sign_in_help("127.0.0.1", 7860, accounts=False)
    assert "http://127.0.0.1:7860" in server.sign_in_help("127.0.0.1", 7860, accounts=False)
    assert "tutor user add" in server.sign_in_help("0.0.0.0", 80, accounts=True)


def test_user_add_reads_the_password_from_stdin_and_never_prints_it(ctx):
    from tutor.cli import app

    result = CliRunner().invoke(app, ["user", "add", "teacher", "--role", "instructor", "--role", "learner", "--password-stdin"],
                                input="s3cret-words\n")
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert accounts.authenticate("teacher", "s3cret-words", ctx.settings).roles == ("learner", "instructor")
    listed = CliRunner().invoke(app, ["user", "list"])
    assert "teacher\tlearner, instructor" in listed.output
