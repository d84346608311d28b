"""`tutor learner ...`, `tutor concepts ...`, `tutor next`, `tutor path`, `tutor fit`, `tutor train-kt`.

Thin: parse options, call tutor.learners, print. Heavy libraries (torch, pyBKT, the embedding model)
load inside the commands that need them.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import typer

learner_app = typer.Typer(help="Learner profiles: create, show, record an attempt, import an attempt log, export, delete.", no_args_is_help=True)
concepts_app = typer.Typer(help="A course's concepts and prerequisite edges (editable).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(learner_app, name="learner")
    app.add_typer(concepts_app, name="concepts")
    app.command("next")(next_cmd)
    app.command("path")(path_cmd)
    app.command("fit")(fit_cmd)
    app.command("train-kt")(train_kt_cmd)


def _echo_json(data) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@learner_app.command("create")
def create_cmd(
    learner_id: str = typer.Argument(..., help="A short id, e.g. 'ada'."),
    name: str = typer.Option(None, "--name", help="Display name (default: the id)."),
    level: str = typer.Option("beginner", "--level", help="beginner, intermediate or advanced."),
    goal: list[str] = typer.Option([], "--goal", help="A goal: a concept id (e.g. functions) or words. Repeatable."),
    interest: list[str] = typer.Option([], "--interest", help="An interest, e.g. 'data analysis'. Repeatable."),
    language: str = typer.Option("en", "--language", help="Preferred language code."),
) -> None:
    """Create a learner profile."""
    from tutor.db import session_scope
    from tutor.learners.profiles import create_learner

    with session_scope() as session:
        create_learner(session, learner_id, display_name=name, level=level, goals=goal, interests=interest, language=language)
    typer.echo(f"created learner {learner_id}")


@learner_app.command("show")
def show_cmd(
    learner_id: str = typer.Argument(...),
    course: str = typer.Option(None, "--course", "-c", help="Also show mastery and reviews in this course."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a profile and, with --course, mastery and review dates per concept."""
    from tutor.db import session_scope
    from tutor.db.models import utcnow
    from tutor.learners.concepts import ensure_course
    from tutor.learners.mastery import is_mastered
    from tutor.learners.prediction import predict_concepts
    from tutor.learners.profiles import get_learner
    from tutor.learners.schedule import in_words
    from tutor.learners.state import load_state

    with session_scope() as session:
        learner = get_learner(session, learner_id)
        profile = {k: getattr(learner, k) for k in ("id", "display_name", "level", "goals", "interests", "language", "preferences")}
        rows = []
        if course:
            graph = ensure_course(session, course)
            now = utcnow()
            state = load_state(session, learner_id, course, graph.order, now)
            predictions = predict_concepts(session, learner_id, course, graph.order)
            for c in graph.order:
                st = state.get(c)
                rows.append({"concept": c, "mastery": round(st.mastery, 3), "mastered": is_mastered(st.mastery),
                             "attempts": st.attempts, "correct": st.correct,
                             "due": st.due.isoformat() if st.due else None,
                             "next_review": in_words(st.due, now) if st.due else None,
                             "predicted_success": predictions[c].as_dict()})
    if as_json:
        _echo_json({"learner": profile, "course": course, "concepts": rows})
        return
    for key, value in profile.items():
        typer.echo(f"{key:<13} {value}")
    if rows:
        typer.echo(f"\n{'concept':<20} {'mastery':>7} {'right':>7} {'next ok':>8}  next review")
        for r in rows:
            mark = "*" if r["mastered"] else " "
            typer.echo(f"{r['concept']:<20} {r['mastery']:>6.0%}{mark} {r['correct']:>3}/{r['attempts']:<3} "
                       f"{r['predicted_success']['probability']:>7.0%}  {r['next_review'] or '-'}")
        first = rows[0]["predicted_success"]
        typer.echo(f"(* mastered; 'next ok' = predicted chance the next answer is right, by {first['model'].upper()}: "
                   f"{first['reason']})")


@learner_app.command("record")
def record_cmd(
    learner_id: str = typer.Argument(...),
    course: str = typer.Option(..., "--course", "-c"),
    concept: str = typer.Option(..., "--concept"),
    score: float = typer.Option(..., "--score", help="0 (wrong) to 1 (right)."),
    item: str = typer.Option(None, "--item", help="The item answered, if any."),
    answer: str = typer.Option("", "--answer"),
    hints: int = typer.Option(0, "--hints"),
    seconds: float = typer.Option(None, "--seconds", help="Time taken."),
    key: str = typer.Option(None, "--key", help="Idempotency key: the same key is recorded once (default: a new one)."),
) -> None:
    """Record a graded attempt: updates mastery (BKT) and the review schedule (FSRS) once per key."""
    from tutor.db import session_scope
    from tutor.learners.attempts import record_attempt
    from tutor.learners.concepts import ensure_course

    with session_scope() as session:
        ensure_course(session, course)
        result = record_attempt(session, learner_id=learner_id, course=course, concept=concept, score=score,
                                idempotency_key=key or uuid.uuid4().hex, item_id=item, answer=answer,
                                hints_used=hints, time_taken_s=seconds)
    from tutor.db.models import utcnow
    from tutor.learners.schedule import in_words

    note = "already recorded (same key): nothing changed" if result.duplicate else "recorded"
    due = f"{in_words(result.due, utcnow())} ({result.due:%Y-%m-%d %H:%M} UTC)" if result.due else "-"
    typer.echo(f"{note}: {concept} mastery {result.mastery:.0%}, next review {due}")


@learner_app.command("import-log")
def import_log_cmd(
    file: Path = typer.Argument(..., help="CSV with learner, concept (or skill), correct (0/1), optional timestamp, item."),
    course: str = typer.Option(..., "--course", "-c"),
) -> None:
    """Store historical attempts as if they had happened in the tutor (importing the same file twice stores nothing new)."""
    from tutor.learners.import_log import import_log

    report = import_log(file, course)
    typer.echo(report.summary())


@learner_app.command("export")
def export_cmd(
    learner_id: str = typer.Argument(...),
    out: Path = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
) -> None:
    """Everything stored about a learner, as JSON."""
    from tutor.db import session_scope
    from tutor.learners.profiles import export_learner

    from tutor.services.accounts import account_export

    with session_scope() as session:
        data = export_learner(session, learner_id)
        data["account"] = account_export(session, learner_id)  # non-secret fields only (no hash, no tokens)
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(text)


@learner_app.command("delete")
def delete_cmd(
    learner_id: str = typer.Argument(...),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete a learner and everything stored about them, their sign-in account and sessions included."""
    from tutor.services.accounts import delete_user
    from tutor.db import session_scope
    from tutor.db.models import User
    from tutor.learners.profiles import delete_learner, get_learner

    if not yes:
        with session_scope() as session:
            get_learner(session, learner_id)
        typer.confirm(f"Delete learner {learner_id} and all their history?", abort=True)
    with session_scope() as session:
        has_account = session.get(User, learner_id) is not None
    if has_account:  # otherwise the account would still sign in and silently recreate the profile
        counts = delete_user(learner_id)
    else:
        with session_scope() as session:
            counts = delete_learner(session, learner_id)
    typer.echo(f"deleted learner {learner_id}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@learner_app.command("list")
def list_cmd() -> None:
    """List learners."""
    from tutor.db import session_scope
    from tutor.learners.profiles import list_learners

    with session_scope() as session:
        for learner in list_learners(session):
            typer.echo(f"{learner.id:<20} {learner.display_name}")


@concepts_app.command("list")
def concepts_list_cmd(course: str = typer.Option(..., "--course", "-c"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Concepts in course order with their prerequisites."""
    from tutor.db import session_scope
    from tutor.learners.concepts import ensure_course

    with session_scope() as session:
        graph = ensure_course(session, course)
    rows = [{"id": n.id, "title": n.title, "prerequisites": list(n.prerequisites)} for n in graph.concepts.values()]
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:<20} {r['title']:<34} needs: {', '.join(r['prerequisites']) or '-'}")


@concepts_app.command("link")
def concepts_link_cmd(
    concept: str = typer.Argument(...), prerequisite: str = typer.Argument(...), course: str = typer.Option(..., "--course", "-c")
) -> None:
    """Make CONCEPT require PREREQUISITE."""
    from tutor.db import session_scope
    from tutor.learners.concepts import ensure_course, link

    with session_scope() as session:
        ensure_course(session, course)
        link(session, course, concept, prerequisite)
    typer.echo(f"{concept} now requires {prerequisite}")


@concepts_app.command("unlink")
def concepts_unlink_cmd(
    concept: str = typer.Argument(...), prerequisite: str = typer.Argument(...), course: str = typer.Option(..., "--course", "-c")
) -> None:
    """Remove the edge CONCEPT requires PREREQUISITE (kept removed across re-syncs)."""
    from tutor.db import session_scope
    from tutor.learners.concepts import ensure_course, unlink

    with session_scope() as session:
        ensure_course(session, course)
        unlink(session, course, concept, prerequisite)
    typer.echo(f"{concept} no longer requires {prerequisite}")


def next_cmd(
    learner: str = typer.Option(..., "--learner", "-l"),
    course: str = typer.Option(..., "--course", "-c"),
    k: int = typer.Option(5, "-k", min=1, max=50, help="How many activities."),
    content: bool = typer.Option(True, "--content/--no-content", help="Attach course sections (loads the embedding model)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What to study next, ranked, each with a reason, sections to read and an exercise."""
    from tutor.services.advice import next_activities

    recs = next_activities(learner, course, k, with_content=content)
    if as_json:
        _echo_json({"learner": learner, "course": course, "activities": [r.as_dict() for r in recs]})
        return
    if not recs:
        typer.echo("Nothing to do: every concept is mastered and no review is due.")
        return
    for rank, r in enumerate(recs, start=1):
        typer.echo(f"{rank}. [{r.kind}] {r.title} ({r.concept}) - mastery {r.mastery:.0%}, predicted success {r.predicted_success:.0%} ({r.predicted_by})")
        typer.echo(f"   why: {r.why}")
        for s in r.sections:
            typer.echo(f"   read: {s['citation']}")
        if r.exercise:
            typer.echo(f"   exercise: {r.exercise['item_id']} - {r.exercise['question']}")
        else:
            typer.echo("   exercise: none stored for this concept yet")


def path_cmd(
    learner: str = typer.Option(..., "--learner", "-l"),
    goal: str = typer.Option(..., "--goal", "-g", help="The concept to reach."),
    course: str = typer.Option(None, "--course", "-c", help="Needed only when several courses have this concept."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The ordered plan through the goal's unmastered prerequisites to the goal."""
    from tutor.services.advice import learning_path

    course, steps = learning_path(learner, goal, course)
    if as_json:
        _echo_json({"learner": learner, "course": course, "goal": goal,
                    "steps": [{"concept": s.concept, "title": s.title, "mastery": round(s.mastery, 3), "needs": list(s.needs)}
                              for s in steps]})
        return
    if not steps:
        typer.echo(f"{goal} and everything it needs are already mastered.")
        return
    for n, s in enumerate(steps, start=1):
        needs = f" (after {', '.join(s.needs)})" if s.needs else ""
        typer.echo(f"{n}. {s.title} ({s.concept}) - mastery {s.mastery:.0%}{needs}")


def fit_cmd(
    course: str = typer.Option(..., "--course", "-c"),
    min_attempts: int = typer.Option(None, "--min-attempts", help="Fewer attempts on a concept keep the defaults."),
) -> None:
    """Fit per-concept BKT parameters from the attempt log with pyBKT."""
    from tutor.learners.fit import MIN_ATTEMPTS, fit_course

    report = fit_course(course, min_attempts=min_attempts or MIN_ATTEMPTS)
    for row in report:
        typer.echo(row)


def train_kt_cmd(
    course: str = typer.Option(..., "--course", "-c"),
    epochs: int = typer.Option(30, "--epochs", min=1),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Train the torch knowledge-tracing model on the attempt log and compare it with BKT."""
    from tutor.learners.kt import train_course

    result = train_course(course, epochs=epochs, seed=seed)
    typer.echo(result.summary())
