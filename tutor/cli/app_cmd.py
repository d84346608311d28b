"""`tutor serve` (the Gradio app) and `tutor user add|delete|list` (its accounts)."""

from __future__ import annotations

import sys
from typing import List

import typer

from tutor.config import get_settings

user_app = typer.Typer(help="App accounts: learners and instructors.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
    app.add_typer(user_app, name="user")


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; anything but loopback needs accounts."),
    port: int = typer.Option(7860, "--port", help="Port to listen on."),
) -> None:
    """Serve the tutor app (chat, practice, progress; upload, concept map, question bank, class)."""
    from tutor.app.server import serve

    serve(host, port)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="User name (also the learner id)."),
    role: List[str] = typer.Option(["learner"], "--role", help="learner or instructor; repeat for both."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line of stdin."),
    force: bool = typer.Option(False, "--force", help="Replace the password and roles of an existing user."),
) -> None:
    """Create an account; the password is asked for (or read from stdin) and stored as an argon2 hash."""
    from tutor.services.accounts import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = add_user(name, password, role, force=force, settings=get_settings())
    typer.echo(f"user {user.name} ({', '.join(user.roles)}) saved")


@user_app.command("delete")
def user_delete(
    name: str = typer.Argument(..., help="The account to remove."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Remove an account, its sessions (signed out at once) and everything stored about the person."""
    from tutor.services.accounts import delete_user, get_user

    if not yes:
        get_user(name, get_settings())
        typer.confirm(f"Delete user {name}, their sessions and all their learner history?", abort=True)
    counts = delete_user(name, get_settings())
    typer.echo(f"deleted user {name}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@user_app.command("list")
def user_list() -> None:
    """Account names and roles (never passwords)."""
    from tutor.services.accounts import list_users

    for user in list_users(get_settings()):
        typer.echo(f"{user.name}\t{', '.join(user.roles)}")
