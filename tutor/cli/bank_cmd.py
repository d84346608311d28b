"""`tutor bank export|import`: the approved question bank as Moodle XML or GIFT, and back.

The command line is the machine's operator, so it acts as the local instructor (like `tutor ingest`);
the app's Question bank tab calls the same handlers (tutor.services.question_bank) with the signed-in user.
"""

from __future__ import annotations

from pathlib import Path

import typer

bank_app = typer.Typer(help="Question bank: export approved items to an LMS, import items back.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(bank_app, name="bank")


def _ctx():
    from tutor.services.context import ServiceContext

    return ServiceContext()


@bank_app.command("export")
def export_cmd(
    course: str = typer.Option(..., "--course", help="Course id."),
    fmt: str = typer.Option("moodle", "--format", help="moodle (Moodle XML) or gift."),
    out: Path | None = typer.Option(None, "--out", help="File to write; unset = standard output."),
) -> None:
    """Write the course's approved items as Moodle XML or GIFT."""
    from tutor.services.accounts import local_user
    from tutor.services.question_bank import export_items

    text, count = export_items(_ctx(), local_user(), course, fmt)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {count} approved item(s) of {course} to {out} ({fmt}).", err=True)


@bank_app.command("import")
def import_cmd(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A Moodle XML or GIFT file."),
    course: str = typer.Option(..., "--course", help="Course id to add the items to."),
    fmt: str | None = typer.Option(None, "--format", help="moodle or gift; unset = guessed from the file."),
) -> None:
    """Add the file's questions to the course's bank as drafts (review them in the app)."""
    from tutor.services.accounts import local_user
    from tutor.services.question_bank import import_items

    result = import_items(_ctx(), local_user(), course, path.read_text(encoding="utf-8"), fmt)
    typer.echo(f"Imported {result['imported']} item(s) into {course} as drafts.")
    for reason in result["skipped"]:
        typer.echo(f"skipped: {reason}", err=True)
    if result["skipped"]:
        raise typer.Exit(1)
