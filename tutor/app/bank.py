"""Question bank handlers: generate N items per concept, list them, approve / edit / reject each.

Instructors only. Generated items are saved as drafts; practice prefers approved items and never
serves rejected ones (tutor.learners.advice). An edit keeps the item's id, so attempts already
recorded against it stay attached.
"""

from __future__ import annotations

from tutor.app.accounts import User, require_instructor
from tutor.app.context import AppContext
from tutor.db import session_scope
from tutor.errors import TutorError

MAX_PER_CONCEPT = 10


def generate(ctx: AppContext, user: User, course: str, n: int = 2, concepts: list[str] | None = None) -> dict[str, int]:
    """Write up to n verified items for each concept (all concepts when none given); returns counts."""
    require_instructor(user, "generate question-bank items")
    from tutor.db.items import save_item
    from tutor.generation.exercises import course_passages

    n = int(n)
    if not 1 <= n <= MAX_PER_CONCEPT:
        raise TutorError(f"Ask for 1 to {MAX_PER_CONCEPT} items per concept, not {n}.")
    everything = course_passages(ctx.retriever, course)
    wanted = concepts or list(dict.fromkeys(p.concept for p in everything))
    counts = {}
    for concept in wanted:
        passages = course_passages(ctx.retriever, course, concept)
        batch = ctx.generator.generate(passages, n=n, pool_passages=everything)
        with session_scope(ctx.settings) as session:
            for item in batch.items:
                save_item(session, course=course, concept=concept, payload=item.model_dump(), prompt_id=item.prompt_id,
                          prompt_version=str(item.prompt_version), model=item.model)
        counts[concept] = len(batch.items)
    return counts


def items(ctx: AppContext, user: User, course: str, status: str | None = None) -> list[dict]:
    require_instructor(user, "review the question bank")
    from tutor.db.items import list_items

    with session_scope(ctx.settings) as session:
        records = list_items(session, course, status=status or None)
    return [{"id": r.id, "concept": r.concept, "status": r.status, "type": r.payload.get("type", ""),
             "question": r.payload.get("question", ""), "answer": r.payload.get("answer", ""),
             "options": r.payload.get("options", []), "prompt": f"{r.prompt_id} v{r.prompt_version}"} for r in records]


def set_status(ctx: AppContext, user: User, item_id: str, status: str) -> str:
    require_instructor(user, f"mark items {status}")
    from tutor.db.items import set_item_status

    if not item_id:
        raise TutorError("Choose an item first (click its row).")
    with session_scope(ctx.settings) as session:
        set_item_status(session, item_id, status)
    return f"Item {item_id} is now {status}."


def edit(ctx: AppContext, user: User, item_id: str, question: str, answer: str, options: list[str] | None = None) -> str:
    """Change an item's question, answer or options in place; an edited item counts as approved."""
    require_instructor(user, "edit question-bank items")
    from tutor.db.models import Item, utcnow
    from tutor.generation.models import Exercise

    with session_scope(ctx.settings) as session:
        row = session.get(Item, item_id)
        if row is None:
            raise TutorError(f"Unknown item '{item_id}'.")
        payload = dict(row.payload) | {"question": question.strip(), "answer": answer.strip()}
        if options is not None:
            payload["options"] = [o.strip() for o in options if o.strip()]
        Exercise.model_validate(payload)  # the edit must still be a gradable exercise
        if payload.get("type") == "mcq" and payload["answer"] not in payload["options"]:
            raise TutorError("For a multiple-choice item the answer must be one of the options, word for word.")
        row.payload, row.status, row.updated_at = payload, "approved", utcnow()
    return f"Item {item_id} saved and approved."
