"""Generation commands: `tutor explain`, `tutor quiz`, `tutor grade`.

Thin: parse options, call tutor.services (tutoring.explain, question_bank.write_items, practice.grade_item:
the same functions the app's chat, question bank and practice call), print. All three work offline on the
embedded model (TUTOR_LLM=local) and unchanged on any endpoint (TUTOR_LLM=openai). Quiz items are saved in
the database so `tutor grade --item ID` can load them.
"""

from __future__ import annotations

import json
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("explain")(explain_cmd)
    app.command("quiz")(quiz_cmd)
    app.command("grade")(grade_cmd)


def _ctx():
    from tutor.services.context import ServiceContext

    return ServiceContext()


def explain_cmd(
    question: str = typer.Argument(..., help="The question or topic to explain."),
    course: str = typer.Option(..., "--course", "-c", help="Course id."),
    learner: Optional[str] = typer.Option(None, "--learner", "-l", help="Learner id: adapts level, language and what they have mastered."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Explain a question from the course, with numbered citations."""
    from tutor.services.tutoring import explain

    result = explain(_ctx(), question, course, learner)
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    typer.echo(result.text)
    for c in result.citations:
        page = f", p. {c.page}" if c.page is not None else ""
        typer.echo(f"[{c.n}] {c.source}, {c.section}{page}")


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
    for number, item in enumerate(batch.items, start=1):
        typer.echo(f"{number}. [{item.type}, {item.difficulty}] {item.question}")
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
