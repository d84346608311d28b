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
from tutor.errors import InvalidInputError, NoApprovedItemsError, NotFoundError, PermissionDeniedError


APPROVED_SEARCH = 20  # with approved-only, how many recommendations to look through for one with an approved item
ON_DEMAND_TRIES = 3  # concepts to try writing an item for on the spot before saying none could be written
UNSEEN_SEARCH = 5  # otherwise, how many to look through for an item the learner has not been served yet


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
    origin: str = ""
    title: str = ""  # the concept's title, as the map and Progress name it (the id is for machines)

    def markdown(self) -> str:
        from tutor.generation.models import ORIGIN_LABELS

        why = f"\n\n*Why this one:* {self.why}" if self.why else ""
        label = f"{ORIGIN_LABELS[self.origin]} · " if self.origin in ORIGIN_LABELS else ""
        return (f"**{self.title or self.concept}** · {self.type.replace('_', ' ')}\n\n{self.question}{why}\n\n"
                f"<small>{label}item {self.item_id}</small>")


@dataclass
class Outcome:
    verdict: str
    score: float
    hint: str
    solution: str | None
    mastery: float
    duplicate: bool
    attempt_id: int
    aided: bool = False  # a hint or the solution was shown before this answer

    def markdown(self) -> str:
        lines = [f"**{self.verdict.capitalize()}** (score {self.score:g}) · mastery now {self.mastery:.0%}"]
        if self.aided and self.verdict == "correct" and not self.duplicate:
            # Otherwise "Correct" beside a mastery that did not rise reads like a fault of the tutor.
            lines.append("_Right, with help: after a hint or the solution a right answer counts as practice, "
                         "not as mastery. Answer the next one without help to raise your mastery._")
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
        raise NotFoundError(f"No item '{item_id}'. Write some with: tutor quiz --course ID")
    return stored_exercise(record)


def grade_item(ctx: ServiceContext, item_id: str, answer: str, *, reveal: bool = False):
    """Feedback on an answer to a stored item, recorded nowhere (`tutor grade`): verdict, misconception,
    the same hint practice gives, the solution when asked."""
    return ctx.grader.grade(load_item(ctx, item_id), answer, reveal=reveal)


def _generate_item(ctx: ServiceContext, course: str, concept: str, avoid: set[str] = frozenset()) -> str | None:
    """Write and save one exercise for the concept now (a draft), from a passage no item in `avoid` came from;
    its id, or None when the concept's text gives nothing new. Only when the pool has nothing unseen ready."""
    from tutor.generation.exercises import course_passages
    from tutor.services.question_bank import bank_exercises, write_items

    passages = course_passages(ctx.retriever, course, concept)
    batch = write_items(ctx, course, 1, concept, passages=[p for p in passages if p.id not in avoid] or passages,
                        existing=bank_exercises(ctx, course, concept))
    if not batch.items:
        return None
    ctx.pool.note_new_item(course, concept)
    return batch.items[0].id


SHOWN = "item_shown"  # the Event kind logged each time an exercise is put in front of a learner


def served_items(ctx: ServiceContext, learner_id: str, course: str) -> dict[str, int]:
    """Item id -> how recently the learner was served it (a larger number is more recent): every exercise
    shown to them, and every item they answered (an attempt from the CLI or an import counts as seen)."""
    import sqlalchemy as sa

    from tutor.db.models import Attempt, Event

    order: dict[str, int] = {}
    tick = 0
    with session_scope(ctx.settings) as session:
        attempts = session.execute(sa.select(Attempt.item_id, Attempt.created_at).where(
            Attempt.learner_id == learner_id, Attempt.course == course, Attempt.item_id.is_not(None)))
        shown = session.execute(sa.select(Event.payload, Event.created_at).where(
            Event.learner_id == learner_id, Event.course == course, Event.kind == SHOWN))
        moments = [(at, item_id) for item_id, at in attempts]
        moments += [(at, (payload or {}).get("item_id")) for payload, at in shown]
    for _, item_id in sorted((m for m in moments if m[1]), key=lambda m: m[0]):
        tick += 1
        order[item_id] = tick
    return order


def _candidates(ctx: ServiceContext, course: str, concept: str, approved_only: bool) -> list:
    from tutor.db.items import list_items

    with session_scope(ctx.settings) as session:
        items = [i for i in list_items(session, course, concept) if i.status != "rejected"]
    if approved_only:
        return [i for i in items if i.status == "approved"]
    approved = [i for i in items if i.status == "approved"]
    return approved + [i for i in items if i.status != "approved"]  # reviewed items first


def _pick(items: list, success: float):
    from tutor.learners.recommender import pick_item

    approved = [i for i in items if i.status == "approved"]
    return pick_item(approved or items, success)


def next_exercise(ctx: ServiceContext, user: User, course: str, concept: str | None = None) -> Presented:
    """The recommended concept's exercise (or the given concept's), ready to show.

    Never the same item twice while the learner has unseen ones: the recommended concept's unseen items
    first, then the next recommendations' (the pool is told to write more for the first meanwhile); only
    when none is left anywhere asked is an item written on the spot, and only when that gives nothing new
    does the least recently served item come back."""
    from tutor.db.items import get_item
    from tutor.db.models import Event
    from tutor.services.advice import next_activities

    if not course:
        raise InvalidInputError("Choose a course first.")
    learner_id = ensure_learner(user, ctx.settings)
    # With TUTOR_APPROVED_ITEMS_ONLY a learner never sees a draft, and nothing is generated on the fly
    # (a new item would be an unreviewed draft).
    approved_only = ctx.settings.approved_items_only
    if concept is None:
        recs = next_activities(learner_id, course, k=APPROVED_SEARCH if approved_only else UNSEEN_SEARCH,
                               with_content=False, settings=ctx.settings)
        if not recs:
            raise NotFoundError(f"Course '{course}' has no concepts to practise yet.")
        options = [(r.concept, r.why, r.predicted_success) for r in recs]
    else:
        options = [(concept, "", 0.75)]
    served = served_items(ctx, learner_id, course)
    if concept is None:
        # Then the rest of the course: an unseen item elsewhere beats a repeat or a wait for the model.
        from tutor.services.progress import concepts as course_concepts

        options += [(cid, f"Every exercise on the recommended concept is done; more are being written. Meanwhile, {title}.",
                     0.75) for title, cid in course_concepts(ctx, course) if cid not in {o[0] for o in options}]
    choice = None  # (concept, why, item)
    first_with_items = None
    for name, why, success in options:
        items = _candidates(ctx, course, name, approved_only)
        if items and first_with_items is None:
            first_with_items = (name, why, items)
        unseen = [i for i in items if i.id not in served]
        if unseen:
            choice = (name, why, _pick(unseen, success))
            break
    if choice is None and approved_only and first_with_items is None:
        raise NoApprovedItemsError(course, concept) if concept else NoApprovedItemsError(course)
    if choice is None and not approved_only:
        # Nothing unseen is ready (the pool is still writing, or has used up the text): write one now, for the
        # recommended concept or, when its text gives nothing (a page of front matter), the next ones.
        for name, why, _ in options[:ON_DEMAND_TRIES]:
            sources = {i.payload.get("source_id") for i in _candidates(ctx, course, name, False)}
            new_id = _generate_item(ctx, course, name, avoid=sources)
            if new_id is not None and new_id not in served:
                with session_scope(ctx.settings) as session:
                    choice = (name, why, get_item(session, new_id))
                break
        if choice is None and first_with_items is None:
            what = f"'{options[0][0]}'" if concept else "any recommended concept"
            raise NotFoundError(f"No exercise could be written for {what} from this course's text; try another concept.")
    if choice is None:
        name, why, items = first_with_items or (options[0][0], options[0][1], _candidates(ctx, course, options[0][0], approved_only))
        choice = (name, why, min(items, key=lambda i: served.get(i.id, -1)))  # every item seen: the longest ago
    concept, why, record = choice
    with session_scope(ctx.settings) as session:
        session.add(Event(learner_id=learner_id, course=course, kind=SHOWN, payload={"item_id": record.id, "concept": concept}))
    unseen_left = sum(1 for i in _candidates(ctx, course, concept, approved_only) if i.id not in served and i.id != record.id)
    ctx.pool.top_up(course, concept, unseen_left)
    if concept != options[0][0]:
        ctx.pool.top_up(course, options[0][0], 0)  # the concept the learner should be on has nothing unseen
    item = stored_exercise(record)
    from tutor.services.progress import concepts as course_concepts

    title = next((t for t, cid in course_concepts(ctx, course) if cid == concept), concept)
    return Presented(presentation_id=uuid.uuid4().hex, learner_id=learner_id, course=course, concept=concept,
                     item_id=record.id, type=item.type, question=item.question, options=list(item.options), why=why,
                     origin=item.origin, title=title)


def attempt_key(presented: Presented) -> str:
    """One key per question shown: whatever is answered to it afterwards is recorded once."""
    return f"app:{presented.presentation_id}"


def _load(ctx: ServiceContext, user: User, presented: Presented | None):
    from tutor.db.items import get_item

    if presented is None:
        raise InvalidInputError("There is no exercise on screen: press 'Next exercise' or 'Quiz me' first.")
    if presented.learner_id != user.name:
        raise PermissionDeniedError(user.name, "answer another learner's exercise", "a learner answers only their own")
    with session_scope(ctx.settings) as session:
        record = get_item(session, presented.item_id)
    if record is None:
        raise NotFoundError(f"Item {presented.item_id} was removed from the question bank; press 'Next exercise'.")
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
    return Outcome(feedback.verdict, feedback.score, feedback.hint, feedback.solution, result.mastery, result.duplicate,
                   result.attempt_id, aided=presented.hints_used > 0)


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
