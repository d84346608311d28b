"""Tutoring: a course-grounded answer with citations (source, section, page, and the passage itself),
streamed for the chat or whole for `tutor explain`; the quick actions ("explain more simply", "what
next?"), thumbs up/down, and what the generators are told about a learner (`teaching_profile`).

Every finished turn is logged as an `Event` (kind chat_turn) carrying the prompt id, version and model
that produced it; a rating is a `Feedback` row pointing at that event, so ratings join to prompt versions.
The learner is always the signed-in user: no handler takes a learner id from the browser.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from tutor.db import session_scope
from tutor.db.models import Event, MasteryState
from tutor.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from tutor.learners.mastery import is_mastered
from tutor.learners.profiles import get_learner
from tutor.services.accounts import User, ensure_learner
from tutor.services.context import ServiceContext
from tutor.services.inputs import MAX_QUESTION_CHARS, clean_text

LANGUAGES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch"}
LEVELS = ("beginner", "intermediate", "advanced")


@dataclass
class Turn:
    """One finished answer: what the chat shows, and the log row a rating attaches to."""

    question: str
    text: str = ""
    citations: list[dict] = field(default_factory=list)
    event_id: int | None = None
    prompt: str = ""
    origin: str = ""

    def markdown(self) -> str:
        from tutor.generation.models import ORIGIN_LABELS

        label = f"\n\n<small>{ORIGIN_LABELS[self.origin]}</small>" if self.origin in ORIGIN_LABELS else ""
        return self.text + label + format_citations(self.citations)


def format_citations(citations: list[dict]) -> str:
    """Numbered sources under the answer; each opens to the passage it quotes."""
    if not citations:
        return ""
    lines = ["", "", "**Sources**"]
    for c in citations:
        page = f", p. {c['page']}" if c.get("page") is not None else ""
        # Course text goes into raw HTML here: escape it, so markup in an uploaded file shows as text.
        passage = html.escape(" ".join(str(c.get("text", "")).split()))
        title = html.escape(f"{c['source']} — {c['section']}{page}")
        lines.append(f"<details><summary>[{c['n']}] {title}</summary>\n\n{passage}\n\n</details>")
    return "\n".join(lines)


def teaching_profile(settings, learner_id: str, course: str, simpler: bool = False):
    """What the generators are told about a learner: level, language and the concepts already mastered
    (BKT estimate over the mastery threshold in that course), and nothing else. One place builds it for
    the chat and for `tutor explain --learner`, so both adapt the same way; `simpler` asks for the
    beginner register whatever the profile says."""
    from tutor.generation.models import LearnerProfile

    with session_scope(settings) as session:
        learner = get_learner(session, learner_id)  # UnknownLearnerError names the learner
        states = session.scalars(
            sa.select(MasteryState).where(MasteryState.learner_id == learner_id, MasteryState.course == course)
        ).all()
        level = learner.level if learner.level in LEVELS else "beginner"
        language = LANGUAGES.get(learner.language, learner.language)
        mastered = [s.concept for s in states if is_mastered(s.p_mastery)]
    return LearnerProfile(level="beginner" if simpler else level, language=language, known_concepts=mastered)


def profile_for(ctx: ServiceContext, user: User, course: str, simpler: bool = False):
    """The generation layer's LearnerProfile for the signed-in learner."""
    return teaching_profile(ctx.settings, ensure_learner(user, ctx.settings), course, simpler)


def explain(ctx: ServiceContext, question: str, course: str, learner_id: str | None = None):
    """One whole (not streamed) checked explanation, for `tutor explain`: adapted to `learner_id` when given."""
    from tutor.generation.models import LearnerProfile

    profile = teaching_profile(ctx.settings, learner_id, course) if learner_id else LearnerProfile()
    return ctx.explainer().explain(question, course, profile)


def answer(ctx: ServiceContext, user: User, course: str, question: str, *, simpler: bool = False) -> Iterator[tuple[str, Turn | None]]:
    """Stream the answer: yields (markdown so far, None) while tokens arrive, then (final markdown, Turn)."""
    question = clean_text(question, "Your question", MAX_QUESTION_CHARS)
    if not course:
        raise InvalidInputError("Choose a course first (an instructor uploads one on the Upload tab).")
    profile = profile_for(ctx, user, course, simpler)
    stream = ctx.explainer().stream(question, course, profile)
    shown = ""
    for piece in stream:
        shown += piece
        yield shown, None
    result = stream.result
    turn = Turn(question=question, text=result.text, prompt=f"{result.prompt_id}/v{result.prompt_version}", origin=result.origin,
                citations=[c.model_dump(include={"n", "source", "section", "page", "text"}) for c in result.citations])
    with session_scope(ctx.settings) as session:
        event = Event(learner_id=user.name, course=course, kind="chat_turn",
                      payload={"question": question, "answer": result.text, "origin": result.origin,
                               "prompt_id": result.prompt_id, "prompt_version": result.prompt_version,
                               "model": result.model, "simpler": simpler,
                               "citations": [c["passage_id"] for c in (x.model_dump() for x in result.citations)]})
        session.add(event)
        session.flush()
        turn.event_id = event.id
    yield turn.markdown(), turn


def what_next(ctx: ServiceContext, user: User, course: str, k: int = 3) -> str:
    """The learner model's recommendations with their reasons, as chat text."""
    from tutor.services.advice import next_activities

    learner_id = ensure_learner(user, ctx.settings)
    recs = next_activities(learner_id, course, k=k, with_content=False, settings=ctx.settings)
    if not recs:
        return "Nothing to recommend yet: this course has no concepts."
    return "\n".join(f"{i}. **{r.title}** ({r.kind}, mastery {r.mastery:.0%}) — {r.why}" for i, r in enumerate(recs, 1))


def rate(ctx: ServiceContext, user: User, event_id: int, liked: bool, target_kind: str = "message") -> int:
    """Store a thumbs up/down on one of the user's own tutor messages; returns the feedback row id.

    Through learners.feedback.rate, so a second click replaces the first (one rating per message) and
    the prompt id and version that wrote the message land in their own columns."""
    from tutor.learners.feedback import rate as store_rating

    with session_scope(ctx.settings) as session:
        event = session.get(Event, event_id)
        if event is None:
            raise NotFoundError(f"No tutor message {event_id} to rate.")
        if event.learner_id != user.name:
            raise PermissionDeniedError(user.name, "rate another learner's conversation", "a learner rates only their own messages")
        payload = event.payload or {}
        version = payload.get("prompt_version")
        row = store_rating(session, user.name, target_kind, str(event_id), 1 if liked else -1,
                           prompt_id=payload.get("prompt_id"), prompt_version=None if version is None else str(version))
        return row.id
