"""Practice: present the recommended exercise, grade an answer (hint first, solution on request), and
record each graded attempt exactly once, which moves mastery and the review card. `tutor grade` grades a
stored item through the same functions (`stored_exercise`, the grader, `course_hint`).

Idempotency: a `Presented` exercise gets a random id when it is shown, and that id is the attempt key:
the first answer to a question shown is the one that counts for mastery. Later answers to it (a double
click, a corrected answer, `break statement 1`, `break statement 2`, ...) are graded and shown, but
recorded once: otherwise retrying until right would count as many correct answers. A hint or the solution
seen before answering marks the attempt as aided, which BKT does not take as a clean correct.
The presented exercise lives in server-side session state: the browser never sends a learner id,
an item's key, or a score.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from tutor.services.accounts import User, ensure_learner
from tutor.services.context import ServiceContext
from tutor.services.inputs import MAX_ANSWER_CHARS, clean_text
from tutor.db import session_scope
from tutor.errors import NoApprovedItemsError, PermissionDeniedError, TutorError


APPROVED_SEARCH = 20  # with approved-only, how many recommendations to look through for one with an approved item


@dataclass
class Presented:
    presentation_id: str
    learner_id: str
    course: str
    concept: str
    item_id: str
    type: str
    question: str
    options: list[str] = field(default_factory=list)
    why: str = ""
    shown_at: float = field(default_factory=time.monotonic)
    hints_used: int = 0

    def markdown(self) -> str:
        why = f"\n\n*Why this one:* {self.why}" if self.why else ""
        return f"**{self.concept}** · {self.type.replace('_', ' ')}\n\n{self.question}{why}\n\n<small>item {self.item_id}</small>"


@dataclass
class Outcome:
    verdict: str
    score: float
    hint: str
    solution: str | None
    mastery: float
    duplicate: bool
    attempt_id: int

    def markdown(self) -> str:
        lines = [f"**{self.verdict.capitalize()}** (score {self.score:g}) · mastery now {self.mastery:.0%}"]
        if self.duplicate:
            lines.append("_Graded, not counted again: only your first answer to a question counts towards "
                         "mastery. Press 'Next exercise' for a new question._")
        if self.hint and self.verdict != "correct":
            lines.append(f"Hint: {self.hint}")
        if self.solution:
            lines.append(self.solution)
        return "\n\n".join(lines)


def stored_exercise(record):
    """The one way a stored item (an ItemRecord) becomes an `Exercise`, for practice, `tutor grade` and the
    question bank's edits: the row's id, course and concept win over what its payload says."""
    from tutor.generation.models import Exercise

    return Exercise.model_validate(dict(record.payload) | {"id": record.id, "course": record.course, "concept": record.concept})


def load_item(ctx: ServiceContext, item_id: str):
    """A stored item as an `Exercise`, or NotFound naming how to get one."""
    from tutor.db.items import get_item

    with session_scope(ctx.settings) as session:
        record = get_item(session, item_id)
    if record is None:
        raise TutorError(f"No item '{item_id}'. Write some with: tutor quiz --course ID")
    return stored_exercise(record)


def grade_item(ctx: ServiceContext, item_id: str, answer: str, *, reveal: bool = False):
    """Feedback on an answer to a stored item, recorded nowhere (`tutor grade`): verdict, misconception,
    the same hint practice gives, the solution when asked."""
    return ctx.grader.grade(load_item(ctx, item_id), answer, reveal=reveal)


def _generate_item(ctx: ServiceContext, course: str, concept: str) -> str:
    """Write and save one exercise for the concept when the bank has none (saved as a draft)."""
    from tutor.services.question_bank import write_items

    batch = write_items(ctx, course, 1, concept)
    if not batch.items:
        raise TutorError(f"No exercise could be written for '{concept}' from this course's text; try another concept.")
    return batch.items[0].id


def next_exercise(ctx: ServiceContext, user: User, course: str, concept: str | None = None) -> Presented:
    """The recommended concept's exercise (or the given concept's), ready to show."""
    from tutor.db.items import get_item
    from tutor.services.advice import next_activities

    if not course:
        raise TutorError("Choose a course first.")
    learner_id = ensure_learner(user, ctx.settings)
    # With TUTOR_APPROVED_ITEMS_ONLY a learner never sees a draft, and nothing is generated on the fly
    # (a new item would be an unreviewed draft).
    approved_only = ctx.settings.approved_items_only
    why, item_id = "", None
    if concept is None:
        recs = next_activities(learner_id, course, k=APPROVED_SEARCH if approved_only else 1, with_content=False,
                               settings=ctx.settings)
        if not recs:
            raise TutorError(f"Course '{course}' has no concepts to practise yet.")
        if approved_only:
            # advice picks an approved item whenever the concept has one, so its status says whether any exists.
            recs = [r for r in recs if (r.exercise or {}).get("status") == "approved"]
            if not recs:
                raise NoApprovedItemsError(course)
        concept, why = recs[0].concept, recs[0].why
        item_id = (recs[0].exercise or {}).get("item_id")
    else:
        from tutor.db.items import list_items

        with session_scope(ctx.settings) as session:
            items = [i for i in list_items(session, course, concept) if i.status != "rejected"]
        if approved_only:
            items = [i for i in items if i.status == "approved"]
            if not items:
                raise NoApprovedItemsError(course, concept)
        item_id = items[0].id if items else None
    if item_id is None:
        item_id = _generate_item(ctx, course, concept)
    with session_scope(ctx.settings) as session:
        record = get_item(session, item_id)
    item = stored_exercise(record)
    return Presented(presentation_id=uuid.uuid4().hex, learner_id=learner_id, course=course, concept=concept,
                     item_id=item_id, type=item.type, question=item.question, options=list(item.options), why=why)


def attempt_key(presented: Presented) -> str:
    """One key per question shown: whatever is answered to it afterwards is recorded once."""
    return f"app:{presented.presentation_id}"


def _load(ctx: ServiceContext, user: User, presented: Presented | None):
    from tutor.db.items import get_item

    if presented is None:
        raise TutorError("There is no exercise on screen: press 'Next exercise' or 'Quiz me' first.")
    if presented.learner_id != user.name:
        raise PermissionDeniedError(user.name, "answer another learner's exercise", "a learner answers only their own")
    with session_scope(ctx.settings) as session:
        record = get_item(session, presented.item_id)
    if record is None:
        raise TutorError(f"Item {presented.item_id} was removed from the question bank; press 'Next exercise'.")
    return stored_exercise(record)


def submit(ctx: ServiceContext, user: User, presented: Presented | None, answer: str) -> Outcome:
    """Grade and record once. Mastery and the review schedule move in the same transaction."""
    from tutor.learners.attempts import record_attempt

    answer = clean_text(answer, "Your answer", MAX_ANSWER_CHARS)
    item = _load(ctx, user, presented)
    feedback = ctx.grader.grade(item, answer)
    with session_scope(ctx.settings) as session:
        result = record_attempt(session, learner_id=user.name, course=presented.course, concept=presented.concept,
                                score=feedback.score, idempotency_key=attempt_key(presented), item_id=item.id,
                                answer=answer, hints_used=presented.hints_used,
                                time_taken_s=round(time.monotonic() - presented.shown_at, 1))
    return Outcome(feedback.verdict, feedback.score, feedback.hint, feedback.solution, result.mastery, result.duplicate, result.attempt_id)


def hint(ctx: ServiceContext, user: User, presented: Presented | None) -> str:
    """A hint that does not give the answer away; counted so the schedule knows help was used."""
    from tutor.generation.feedback import course_hint

    item = _load(ctx, user, presented)
    presented.hints_used += 1
    return course_hint(item)


def solution(ctx: ServiceContext, user: User, presented: Presented | None) -> str:
    """The worked solution on request; a later answer to this question counts as aided (hints_used)."""
    from tutor.generation.feedback import solution_text

    item = _load(ctx, user, presented)
    presented.hints_used += 1
    return solution_text(item)
