"""The `tutor` command: sub-commands grouped by noun, one module each.

Heavy libraries (torch, chromadb, gradio) are imported inside the commands that need them, so
`tutor --help` is instant. A TutorError becomes one readable line on stderr and exit status 2.
"""

from __future__ import annotations

import sys

import typer

from tutor.errors import TutorError

app = typer.Typer(
    name="tutor",
    help="An offline-first AI tutor: load course material, search it with citations, learn from it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from tutor.cli import config_cmd, courses

    courses.register(app)
    config_cmd.register(app)
    __import__("tutor.cli.learners", fromlist=["register"]).register(app)  # learner model (issue 4)
    __import__("tutor.cli.generate", fromlist=["register"]).register(app)  # explain, quiz, grade (issue 3)
    __import__("tutor.cli.app_cmd", fromlist=["register"]).register(app)  # serve, user (issue 5)
    __import__("tutor.cli.evals", fromlist=["register"]).register(app)  # eval run/score/compare/report/history (issue 6)
    __import__("tutor.cli.bank_cmd", fromlist=["register"]).register(app)  # bank export/import, Moodle XML and GIFT (issue 5)
    __import__("tutor.cli.kt_cmd", fromlist=["register"]).register(app)  # kt evaluate on attempt logs


_register()


def main() -> None:
    try:
        app()
    except TutorError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)
    except Exception as exc:
        # The database, the vector store and the eval cache name a full disk themselves; this catches
        # a write we did not wrap (an eval run line, a report, a saved model), so it is one line too.
        from tutor.diskspace import is_disk_full

        if not is_disk_full(exc):
            raise
        from tutor.config import get_settings
        from tutor.errors import DiskFullError

        typer.secho(f"error: {DiskFullError(getattr(exc, 'filename', None) or get_settings().home)}", fg=typer.colors.RED, err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.secho("interrupted: the store is consistent; run the same command again to finish.", err=True)
        sys.exit(130)
