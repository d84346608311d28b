"""Course material commands: ingest, courses, remove, reindex, search."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from tutor.config import get_settings
from tutor.errors import InvalidInputError


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
    app.command("courses")(courses_cmd)
    app.command("remove")(remove_cmd)
    app.command("reindex")(reindex_cmd)
    app.command("search")(search_cmd)


def _retriever():
    from tutor.retrieval.retriever import Retriever

    return Retriever(get_settings())


@contextmanager
def _progress_bar(label: str):
    """A rich progress bar fed by the ingest `progress(event, amount)` callback; silent when piped."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(event: str, amount: int) -> None:
            if event == "total":
                bar.update(task, total=amount)
            else:
                bar.advance(task, amount)

        yield update


def ingest_cmd(
    paths: list[Path] = typer.Argument(..., help="Files or folders (Markdown, text, HTML, PDF)."),
    course: Optional[str] = typer.Option(None, "--course", "-c", help="Course id; defaults to the id in a folder's course.yaml."),
    title: Optional[str] = typer.Option(None, "--title", help="Course title shown to learners."),
) -> None:
    """Load course material. Unchanged files are skipped; changed files replace their own chunks.

    Exit status: 0 when every file was loaded or unchanged, 1 when some were skipped, 2 on an error.
    """
    from tutor.retrieval.ingest import CourseManifest, ingest

    manifest = CourseManifest.find(paths)
    course = course or manifest.id
    if not course:
        raise InvalidInputError("Name the course with --course ID (or put a course.yaml with an id in the folder).")
    from tutor.services.authoring import resync_concepts
    from tutor.services.context import ServiceContext

    ctx = ServiceContext(get_settings())
    with _progress_bar(f"Embedding {course}") as progress:
        report = ingest(paths, course, ctx.store, ctx.embedder, ctx.settings, title=title or manifest.title, progress=progress)
    if report.added or report.updated or report.unchanged:
        resync_concepts(ctx, course)  # as an upload in the app does: new chapters reach the concept map at once
    for error in report.skipped:
        typer.secho(f"skipped {error}", fg=typer.colors.YELLOW, err=True)
    typer.echo(
        f"{course}: {len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.skipped)} skipped; {report.chunks_written} chunks written, {report.chunks_deleted} removed."
    )
    if report.skipped:
        raise typer.Exit(1)


def courses_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the loaded courses with their counts of files and chunks."""
    from tutor.retrieval.store import open_store

    store = open_store(get_settings())
    infos = [store.info(c) for c in store.course_ids()]
    if as_json:
        typer.echo(json.dumps([info.__dict__ for info in infos], indent=2))
        return
    if not infos:
        typer.echo("No courses yet. Load one with: tutor ingest PATH --course ID")
        return
    typer.echo(f"{'course':<20} {'files':>6} {'chunks':>7}  title")
    for info in infos:
        typer.echo(f"{info.id:<20} {info.files:>6} {info.chunks:>7}  {info.title}")


def remove_cmd(
    course: str = typer.Option(..., "--course", "-c", help="Course id."),
    path: Optional[str] = typer.Argument(None, help="A file (its source name as listed) or folder; omit to remove the course."),
) -> None:
    """Remove a file, a folder's files, or a whole course from the store (the concept map follows)."""
    from tutor.services.accounts import local_user
    from tutor.services.authoring import remove
    from tutor.services.context import ServiceContext

    # The command line is the machine's operator: it acts as the local instructor (like `tutor bank`).
    typer.echo(remove(ServiceContext(get_settings()), local_user(), course, path))


def reindex_cmd(course: str = typer.Option(..., "--course", "-c", help="Course id.")) -> None:
    """Re-embed a course with the configured embedding model (after changing TUTOR_EMBEDDING_MODEL)."""
    from tutor.retrieval.embeddings import get_embedder
    from tutor.retrieval.ingest import reindex
    from tutor.retrieval.store import open_store

    settings = get_settings()
    with _progress_bar(f"Re-embedding {course}") as progress:
        count = reindex(course, open_store(settings), get_embedder(settings.embedding_model), progress)
    typer.echo(f"Re-embedded {count} chunks of '{course}' with {settings.embedding_model}.")


def search_cmd(
    query: Optional[str] = typer.Argument(None, help="What to look for (or use --queries-file)."),
    course: str = typer.Option(..., "--course", "-c", help="Course id."),
    k: int = typer.Option(5, "--k", "-k", min=1, max=100, help="How many passages."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid, dense or lexical."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (one line per query with --queries-file)."),
    queries_file: Optional[Path] = typer.Option(None, "--queries-file", help="One query per line; prints one JSON line each."),
) -> None:
    """Search a course: ranked passages with source, section, page and score."""
    if mode not in ("hybrid", "dense", "lexical"):
        raise InvalidInputError(f"Unknown --mode '{mode}': use hybrid, dense or lexical.")
    if (query is None) == (queries_file is None):
        raise InvalidInputError("Give a QUERY or --queries-file FILE (one of the two).")
    retriever = _retriever()
    if queries_file is not None:
        try:
            lines = queries_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"Cannot read --queries-file {queries_file}: {exc}") from exc
        for line in (q.strip() for q in lines):
            if not line:
                continue
            results = retriever.search(line, course, k, mode)  # type: ignore[arg-type]
            typer.echo(json.dumps({"query": line, "results": [p.as_json() for p in results]}, ensure_ascii=False))
        return
    results = retriever.search(query, course, k, mode)  # type: ignore[arg-type]
    if as_json:
        typer.echo(json.dumps({"query": query, "results": [p.as_json() for p in results]}, ensure_ascii=False, indent=2))
        return
    if not results:
        typer.echo("No passage matches.")
    for n, passage in enumerate(results, start=1):
        typer.secho(f"[{n}] {passage.citation()}  (score {passage.score:.4f})", bold=True)
        text = " ".join(passage.text.split())
        typer.echo(f"    {text[:400]}{'...' if len(text) > 400 else ''}\n")
