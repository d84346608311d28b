"""`tutor kt ...`: knowledge-tracing models on attempt logs (`evaluate`).

Thin: parse options, call tutor.learners.kt_evaluate, print. torch, pandas and pyBKT load inside.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

kt_app = typer.Typer(help="Knowledge tracing: compare BKT, PFA, DKT and SAKT on attempt logs.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(kt_app, name="kt")


@kt_app.command("evaluate")
def evaluate_cmd(
    train: Path = typer.Option(..., "--train", help="Attempt log to train on: the tutor's CSV or the 3-line format."),
    test: Path = typer.Option(..., "--test", help="Attempt log to score on (never trained on)."),
    skills: Path = typer.Option(None, "--skills", help="Item id -> skill id map (e.g. STATICS_qid_sid_sname): BKT and "
                                "PFA then trace skills, DKT and SAKT the items."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of the table."),
    models: str = typer.Option("bkt,pfa,dkt,sakt", "--models", help="Comma-separated subset of bkt,pfa,dkt,sakt."),
    epochs: int = typer.Option(40, "--epochs", min=1, help="Most epochs per torch model (early stopping usually ends sooner)."),
    budget: float = typer.Option(420.0, "--budget", min=1.0, help="Most seconds of training per torch model."),
    hidden: int = typer.Option(100, "--hidden", min=4, help="DKT's LSTM width."),
    seed: int = typer.Option(0, "--seed"),
    threads: int = typer.Option(2, "--threads", min=1, help="torch threads."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines on stderr."),
) -> None:
    """Train every model on --train only and print test-set AUC, log-loss and training seconds."""
    from tutor.errors import InvalidInputError
    from tutor.learners import kt_evaluate
    from tutor.learners.logs import read_log, read_skill_map

    chosen = tuple(m.strip() for m in models.split(",") if m.strip())
    unknown = [m for m in chosen if m not in kt_evaluate.MODELS]
    if unknown or not chosen:
        raise InvalidInputError(f"Unknown model(s) {', '.join(unknown) or '(none given)'}: choose from {', '.join(kt_evaluate.MODELS)}.")
    logs = {}
    skill_of = read_skill_map(skills) if skills else None
    for role, path in (("train", train), ("test", test)):
        logs[role] = read_log(path)
        if skill_of is not None:
            logs[role], unmapped = logs[role].with_skills(skill_of)
            if unmapped:
                typer.echo(f"{path}: {unmapped} answers name an id missing from {skills}: each is its own skill", err=True)
        if logs[role].errors:
            typer.echo(f"{path}: {len(logs[role].errors)} bad rows skipped", err=True)
            for line in logs[role].error_lines(10):
                typer.echo(f"  {line}", err=True)
        if not logs[role].rows:
            raise InvalidInputError(f"{path}: no usable answers in the {role} file.")
    settings = kt_evaluate.Settings(epochs=epochs, budget_s=budget, hidden=hidden, seed=seed, threads=threads)
    log = None if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    result = kt_evaluate.evaluate(logs["train"], logs["test"], models=chosen, settings=settings, log=log)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        typer.echo(result.table())
