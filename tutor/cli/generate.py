"""Generation commands: `tutor explain`, `tutor quiz`, `tutor grade`.

Thin: parse options, call tutor.services (tutoring.explain, question_bank.write_items, practice.grade_item:
the same functions the app's chat, question bank and practice call), print. All three work offline on the
embedded model (TUTOR_LLM=local) and unchanged on any endpoint (TUTOR_LLM=openai). Quiz items are saved in
the database so `tutor grade --item ID` can load them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from tutor.errors import InvalidInputError


def register(app: typer.Typer) -> None:
    app.command("explain")(explain_cmd)
    app.command("quiz")(quiz_cmd)
    app.command("grade")(grade_cmd)


def _ctx():
    from tutor.services.context import ServiceContext

    return ServiceContext()


def explain_cmd(
    question: Optional[str] = typer.Argument(None, help="The question or topic to explain."),
    course: str = typer.Option(..., "--course", "-c", help="Course id."),
    learner: Optional[str] = typer.Option(None, "--learner", "-l", help="Learner id: adapts level, language and what they have mastered."),
    questions_file: Optional[Path] = typer.Option(
        None, "--questions-file", help="A text file with one question per line: each is answered in order, the model loaded once."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (one JSON line per question with --questions-file)."),
) -> None:
    """Explain a question from the course, with numbered citations and where the answer came from."""
    from tutor.generation.models import ORIGIN_LABELS
    from tutor.services.tutoring import explain

    if (question is None) == (questions_file is None):
        raise InvalidInputError("Give one question, or --questions-file FILE with one question per line (not both).")
    if questions_file is not None:
        try:
            questions = [line.strip() for line in questions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"Cannot read the questions file {questions_file}: {exc}") from exc
        if not questions:
            raise InvalidInputError(f"{questions_file} holds no question (one question per line).")
    else:
        questions = [question]
    ctx = _ctx()  # one context: the model is loaded once for every question
    for asked in questions:
        result = explain(ctx, asked, course, learner)
        if as_json:
            record = result.as_json()
            if questions_file is not None:  # one line per question, so the output streams and pipes
                typer.echo(json.dumps({"question": asked} | record, ensure_ascii=False))
            else:
                typer.echo(json.dumps(record, ensure_ascii=False, indent=2))
            continue
        if questions_file is not None:
            typer.echo(f"Q: {asked}")
        typer.echo(result.text)
        for c in result.citations:
            page = f", p. {c.page}" if c.page is not None else ""
            typer.echo(f"[{c.n}] {c.source}, {c.section}{page}")
        typer.echo(f"({ORIGIN_LABELS[result.origin]})")
        if questions_file is not None:
            typer.echo("")


def quiz_cmd(
    course: str = typer.Option(..., "--course", "-c", help="Course id."),
    concept: Optional[str] = typer.Option(None, "--concept", help="Concept id; default: items drawn across the course."),
    n: int = typer.Option(3, "--n", min=1, max=50, help="How many items."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of items."),
) -> None:
    """Write N verified exercises (multiple choice, short answer, fill-in-the-blank) and save them."""
    from tutor.services.question_bank import write_items

    batch = write_items(_ctx(), course, n, concept)
    if batch.stats.get("model_failure"):
        typer.secho(f"the model failed ({batch.stats['model_failure']}); these items were written from the course text",
                    fg=typer.colors.YELLOW, err=True)
    if as_json:
        typer.echo(json.dumps([item.as_json() for item in batch.items], ensure_ascii=False, indent=2))
        return
    from tutor.generation.models import ORIGIN_LABELS

    for number, item in enumerate(batch.items, start=1):
        typer.echo(f"{number}. [{item.type}, {item.difficulty}; {ORIGIN_LABELS[item.origin]}] {item.question}")
        for letter, option in zip("ABCD", item.options):
            typer.echo(f"   {letter}) {option}")
        typer.echo(f"   item id: {item.id}  (tutor grade --item {item.id} --answer ...)")
    if len(batch.items) < n:
        typer.secho(f"only {len(batch.items)} of {n} items could be written from this material", fg=typer.colors.YELLOW, err=True)


def grade_cmd(
    item: str = typer.Option(..., "--item", help="Item id printed by `tutor quiz`."),
    answer: str = typer.Option(..., "--answer", help="The learner's answer (option text, letter or number for choices)."),
    solution: bool = typer.Option(False, "--solution", help="Also show the full solution."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Grade an answer to a saved item: verdict, misconception, a hint, the solution on request."""
    from tutor.services.practice import grade_item

    feedback = grade_item(_ctx(), item, answer, reveal=solution)
    if as_json:
        typer.echo(json.dumps(feedback.model_dump(), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{feedback.verdict} (score {feedback.score:g})")
    if feedback.misconception:
        typer.echo(f"misconception: {feedback.misconception}")
    if feedback.hint:
        typer.echo(f"hint: {feedback.hint}")
    if feedback.solution:
        typer.echo(feedback.solution)
