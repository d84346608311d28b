"""Question bank: generate N items per concept, list them, approve / edit / reject each; export the
approved ones to an LMS (Moodle XML, GIFT: formats in lms_export.py) and import items back as drafts.

Instructors only. Generated items are saved as drafts; practice prefers approved items and never
serves rejected ones (tutor.services.advice). An edit keeps the item's id, so attempts already
recorded against it stay attached.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from tutor.services.accounts import User, require_instructor
from tutor.services.context import ServiceContext
from tutor.db import session_scope
from tutor.errors import InvalidInputError, NotFoundError

MAX_PER_CONCEPT = 10


def write_items(ctx: ServiceContext, course: str, n: int, concept: str | None = None, pool: list | None = None,
                passages: list | None = None, generator=None, existing: list | None = None, types=None):
    """Write up to n verified items from one concept's passages (or across the course, or the `passages`
    given) and save them as drafts; each item comes back with its stored id. The one road for the bank,
    practice, the exercise pool (with its own `generator`, which gives way to learners) and `tutor quiz`.
    `existing` (Exercises already in the bank) are never repeated: a new item asks about another fact."""
    from tutor.db.items import save_item
    from tutor.generation.exercises import course_passages

    everything = pool if pool is not None else course_passages(ctx.retriever, course)
    if passages is None:
        passages = course_passages(ctx.retriever, course, concept) if concept else everything
    options = {"types": types} if types else {}
    batch = (generator or ctx.generator).generate(passages, n=n, pool_passages=everything, existing=existing or [], **options)
    with session_scope(ctx.settings) as session:
        for item in batch.items:
            item.id = save_item(session, course=course, concept=concept or item.concept, payload=item.model_dump(),
                                prompt_id=item.prompt_id, prompt_version=str(item.prompt_version), model=item.model)
    return batch


def bank_exercises(ctx: ServiceContext, course: str, concept: str) -> list:
    """The concept's items in the bank (rejected ones aside) as Exercises: what a new item must not repeat."""
    from tutor.db.items import list_items
    from tutor.services.practice import stored_exercise

    with session_scope(ctx.settings) as session:
        return [stored_exercise(r) for r in list_items(session, course, concept) if r.status != "rejected"]


def generate(ctx: ServiceContext, user: User, course: str, n: int = 2, concepts: list[str] | None = None) -> dict[str, int]:
    """Write up to n verified items for each concept (all concepts when none given); returns counts."""
    require_instructor(user, "generate question-bank items")
    from tutor.generation.exercises import course_passages

    n = int(n)
    if not 1 <= n <= MAX_PER_CONCEPT:
        raise InvalidInputError(f"Ask for 1 to {MAX_PER_CONCEPT} items per concept, not {n}.")
    everything = course_passages(ctx.retriever, course)
    wanted = concepts or list(dict.fromkeys(p.concept for p in everything))
    return {concept: len(write_items(ctx, course, n, concept, pool=everything).items) for concept in wanted}


def items(ctx: ServiceContext, user: User, course: str, status: str | None = None) -> list[dict]:
    require_instructor(user, "review the question bank")
    from tutor.db.items import list_items

    with session_scope(ctx.settings) as session:
        records = list_items(session, course, status=status or None)
    return [{"id": r.id, "concept": r.concept, "status": r.status, "type": r.payload.get("type", ""),
             "question": r.payload.get("question", ""), "answer": r.payload.get("answer", ""),
             "options": r.payload.get("options", []), "prompt": f"{r.prompt_id} v{r.prompt_version}"} for r in records]


def set_status(ctx: ServiceContext, user: User, item_id: str, status: str) -> str:
    require_instructor(user, f"mark items {status}")
    from tutor.db.items import set_item_status

    if not item_id:
        raise InvalidInputError("Choose an item first (click its row).")
    with session_scope(ctx.settings) as session:
        set_item_status(session, item_id, status)
    return f"Item {item_id} is now {status}."


def edit(ctx: ServiceContext, user: User, item_id: str, question: str, answer: str, options: list[str] | None = None) -> str:
    """Change an item's question, answer or options in place; an edited item counts as approved."""
    require_instructor(user, "edit question-bank items")
    from dataclasses import replace

    from tutor.db.items import get_item
    from tutor.db.models import Item, utcnow
    from tutor.services.practice import stored_exercise

    with session_scope(ctx.settings) as session:
        row = session.get(Item, item_id)
        if row is None:
            raise NotFoundError(f"Unknown item '{item_id}'.")
        payload = dict(row.payload) | {"question": question.strip(), "answer": answer.strip()}
        if options is not None:
            payload["options"] = [o.strip() for o in options if o.strip()]
        stored_exercise(replace(get_item(session, item_id), payload=payload))  # practice must still be able to grade it
        if payload.get("type") == "mcq" and payload["answer"] not in payload["options"]:
            raise InvalidInputError("For a multiple-choice item the answer must be one of the options, word for word.")
        row.payload, row.status, row.updated_at = payload, "approved", utcnow()
    return f"Item {item_id} saved and approved."


# -- LMS export / import (Moodle XML, GIFT): the formats live in lms_export.py ---------------------

IMPORT_PROMPT_ID = "lms-import"  # provenance of an imported item: no prompt wrote it


def export_items(ctx: ServiceContext, user: User, course: str, fmt: str) -> tuple[str, int]:
    """The course's approved items as a Moodle XML or GIFT document, and how many it holds."""
    require_instructor(user, "export the question bank")
    from tutor.services.lms_export import LmsItem, dump
    from tutor.db.items import list_items

    if not course:
        raise InvalidInputError("Choose a course first.")
    with session_scope(ctx.settings) as session:
        records = list_items(session, course, status="approved")
    items = [LmsItem(type=r.payload.get("type", "short_answer"), question=r.payload.get("question", ""),
                     answer=r.payload.get("answer", ""), options=list(r.payload.get("options", [])), concept=r.concept,
                     explanation=r.payload.get("explanation", "")) for r in records]
    return dump(items, fmt, course), len(items)


def safe_file_stem(course: str) -> str:
    """A file name part made from a course id the browser sent: letters, digits, '.', '_' and '-' only,
    never starting with a dot, so `../x` or `/etc/x` cannot leave the folder it is written in."""
    stem = re.sub(r"\.{2,}", "_", re.sub(r"[^A-Za-z0-9._-]+", "_", course or "")).lstrip(".")[:60]
    return stem or "course"


def export_file(ctx: ServiceContext, user: User, course: str, fmt: str) -> tuple[Path, int]:
    """export_items written to a file in a new temp folder (for the app's download), and the item count."""
    from tutor.services.lms_export import SUFFIX

    text, count = export_items(ctx, user, course, fmt)
    folder = Path(tempfile.mkdtemp(prefix="tutor-bank-")).resolve()
    path = (folder / f"{safe_file_stem(course)}-bank{SUFFIX[fmt]}").resolve()
    if path.parent != folder:  # cannot happen with safe_file_stem; kept as the rule itself
        raise InvalidInputError(f"Refusing to write the export outside {folder}.")
    path.write_text(text, encoding="utf-8")
    return path, count


def import_items(ctx: ServiceContext, user: User, course: str, text: str, fmt: str | None = None) -> dict:
    """Read a Moodle XML or GIFT document into the course's bank as drafts (an instructor reviews them).

    An item that is already in the bank (same course, concept and question) keeps its review status.
    Returns {"imported": n, "skipped": [reasons]}; one bad question does not stop the rest.
    """
    require_instructor(user, "import question-bank items")
    from tutor.services.lms_export import load
    from tutor.db.items import save_item
    from tutor.generation.models import Exercise
    from pydantic import ValidationError

    if not course:
        raise InvalidInputError("Choose a course first.")
    parsed, skipped = load(text, fmt)
    imported = 0
    with session_scope(ctx.settings) as session:
        for n, item in enumerate(parsed, start=1):
            concept = item.concept or "imported"
            payload = {"type": item.type, "question": item.question, "options": item.options, "answer": item.answer,
                       "explanation": item.explanation, "difficulty": "medium", "course": course, "concept": concept,
                       "source_id": "", "source_text": "", "origin": "model", "prompt_id": IMPORT_PROMPT_ID,
                       "prompt_version": 1, "model": "import"}
            try:
                Exercise.model_validate(payload)  # practice must be able to grade it
            except ValidationError as exc:
                skipped.append(f"item {n}: {exc.errors()[0]['msg']}")
                continue
            if item.type == "mcq" and item.answer not in item.options:
                skipped.append(f"item {n}: the right answer is not among the options")
                continue
            save_item(session, course=course, concept=concept, payload=payload, prompt_id=IMPORT_PROMPT_ID,
                      prompt_version="1", model="import")
            imported += 1
    return {"imported": imported, "skipped": skipped}
