"""Instructor handlers for course material: upload files (each error named, the rest goes on), list
courses, remove a file or a whole course. After every change the course's concept graph is re-synced
from the stored outline, so practice and the concept map see new chapters at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tutor.services.accounts import User, require_instructor
from tutor.services.context import ServiceContext
from tutor.errors import DocumentError, InvalidInputError


@dataclass
class UploadResult:
    course: str
    loaded: list[str] = field(default_factory=list)  # added or updated
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (original file name, reason)
    chunks_written: int = 0

    def summary(self) -> str:
        lines = [f"**{self.course}**: {len(self.loaded)} file(s) loaded, {len(self.unchanged)} unchanged, "
                 f"{len(self.errors)} skipped, {self.chunks_written} chunks written."]
        lines += [f"- loaded: {name}" for name in self.loaded]
        lines += [f"- unchanged: {name}" for name in self.unchanged]
        lines += [f"- **skipped {name}**: {reason}" for name, reason in self.errors]
        return "\n".join(lines)


def upload(ctx: ServiceContext, user: User, course: str, files: list[tuple[str, str]], title: str | None = None,
           progress=None) -> UploadResult:
    """Ingest uploaded files: `files` holds (temporary path, original name). Instructors only.

    `progress(fraction, text)` is called before each file (Gradio's progress bar fits it)."""
    require_instructor(user, "upload course material")
    from tutor.retrieval.ingest import ingest
    from tutor.retrieval.store import validate_course_id

    course = validate_course_id((course or "").strip())
    if not files:
        raise InvalidInputError("Choose one or more files to upload (Markdown, text, HTML or PDF).")
    result = UploadResult(course)
    # One ingest call per file: a file that fails in an unexpected way is named and the rest goes on,
    # and the progress bar moves per file.
    for index, (path, name) in enumerate(files):
        if progress is not None:
            progress(index / len(files), f"Loading {name} ({index + 1}/{len(files)})")
        try:
            report = ingest([Path(path)], course, ctx.store, ctx.embedder, ctx.settings, title=title or None,
                            sources={Path(path): name})
        except DocumentError as exc:
            result.errors.append((name, exc.reason))
            continue
        result.loaded += report.added + report.updated
        result.unchanged += report.unchanged
        # The loader names the temporary upload path; the instructor knows the file by its own name.
        result.errors += [(name, error.reason) for error in report.skipped]
        result.chunks_written += report.chunks_written
    if progress is not None:
        progress(1.0, "Done")
    # Unchanged files count too: when an earlier upload stored the chunks and then failed before this
    # resync (a full disk), its retry finds every file unchanged and must still bring the map in line.
    if result.loaded or result.unchanged:
        resync_concepts(ctx, course)
    return result


def resync_concepts(ctx: ServiceContext, course: str) -> int:
    """Bring the concept map in line with the store: new concepts in, and concepts whose chunks are all
    gone (their file was removed) out. Prerequisite edges stay, so an instructor's edits come back with
    the file; the graph loader ignores edges whose concepts are missing. Mastery rows are history and stay."""
    import sqlalchemy as sa

    from tutor.db import session_scope
    from tutor.db.models import Concept
    from tutor.learners.concepts import sync_from_outline
    from tutor.retrieval.outline import course_outline

    outline = course_outline(ctx.store, course)
    with session_scope(ctx.settings) as session:
        count = sync_from_outline(session, course, outline)
        if outline:  # an empty outline is a course being removed, not one with no concepts
            session.execute(sa.delete(Concept).where(Concept.course == course, Concept.id.not_in([e.id for e in outline])))
        return count


def list_courses(ctx: ServiceContext) -> list[dict]:
    """Every course with its counts; anyone signed in may see the list (it names no learner)."""
    rows = []
    for course in ctx.store.course_ids():
        info = ctx.store.info(course)
        rows.append({"course": info.id, "title": info.title, "files": info.files, "chunks": info.chunks})
    return rows


def list_sources(ctx: ServiceContext, course: str) -> list[str]:
    if not course or not ctx.store.exists(course):
        return []
    collection = ctx.store.raw_collection(course)
    return sorted({p.source for p in ctx.store.rows(collection, include_documents=False)})


def remove(ctx: ServiceContext, user: User, course: str, source: str | None = None) -> str:
    """Remove one file (by its source name) or, with no source, the whole course. Instructors only."""
    require_instructor(user, "remove course material")
    from tutor.retrieval.ingest import remove as remove_from_store

    if not course:
        raise InvalidInputError("Choose a course first.")
    deleted, sources = remove_from_store(course, ctx.store, source or None)
    if source and ctx.store.exists(course):
        resync_concepts(ctx, course)
    what = f"{', '.join(sources)} from {course}" if source else f"course {course} ({len(sources)} file(s))"
    return f"Removed {what}: {deleted} chunks deleted."


__all__ = ["UploadResult", "upload", "list_courses", "list_sources", "remove", "DocumentError"]
