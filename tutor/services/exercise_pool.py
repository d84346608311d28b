"""The exercise pool: each concept's exercises written before anyone asks for them.

A background thread writes exercises into the question bank (as drafts, through the same generator
and item storage as "Generate"), one item at a time: after an upload and at start-up every concept of
the course gets up to `pool_per_concept` items, concepts with the fewest first, and serving an item to
a learner tops its concept up when that learner has fewer than LOW_WATER unseen items left. So
"Next exercise" picks a stored item instead of waiting for the model.

Sharing the model: the in-process model runs one generation at a time (its lock, tutor.llm.serialised).
Learners go first (ModelGate): before each model call and each item the worker waits until no learner's
call is running or waiting, so it holds the lock for one call at a time and a learner waits at most for
the one call the worker already started.

A passage gives as many items as it has facts worth asking (a sentence and its key term), of the three
kinds in turn, and no item asks what another item of the concept asks (the generator is handed the bank's
items and skips their sentences and keys). A concept is "exhausted" when no passage of it gives anything
new; re-uploading the course starts afresh.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field

from tutor.errors import TutorError

LOW_WATER = 2  # a learner with fewer unseen items than this in a concept makes the pool write more
MAX_PER_CONCEPT = 50
URGENT = -1  # queue priority of a top-up a learner is about to need (others: items the concept has)


class ModelGate:
    """Counts learners' model calls (running or queued on the model's own lock), so the pool can wait for none."""

    def __init__(self):
        self._cond = threading.Condition()
        self._foreground = 0

    @contextmanager
    def foreground(self):
        with self._cond:
            self._foreground += 1
        try:
            yield
        finally:
            with self._cond:
                self._foreground -= 1
                self._cond.notify_all()

    def wait_for_learners(self) -> None:
        """Return when no learner call is running or waiting."""
        with self._cond:
            self._cond.wait_for(lambda: self._foreground == 0)


class GatedChatModel:
    """The ChatModel seam in front of the registry's model (whose own lock keeps the in-process model to one
    generation at a time). A learner's call is counted while it waits and runs; a background call first
    waits until no learner call is running or waiting, so a learner waits at most for the one background
    call already under way. Other attributes (a fake's `calls`, a wrapper's `inner`) are the model's."""

    def __init__(self, model, gate: ModelGate, *, background: bool = False):
        self._wrapped = model
        self._gate = gate
        self._background = background
        self.name = model.name

    def __getattr__(self, name):
        return getattr(self.__dict__["_wrapped"], name)

    def complete(self, messages, **kwargs):
        if self._background:
            self._gate.wait_for_learners()
            return self._wrapped.complete(messages, **kwargs)
        with self._gate.foreground():
            return self._wrapped.complete(messages, **kwargs)

    def stream(self, messages, **kwargs):
        if self._background:
            self._gate.wait_for_learners()
            yield from self._wrapped.stream(messages, **kwargs)
            return
        with self._gate.foreground():
            yield from self._wrapped.stream(messages, **kwargs)


@dataclass
class CourseStatus:
    concepts: list[str] = field(default_factory=list)
    target: dict[str, int] = field(default_factory=dict)
    ready: dict[str, int] = field(default_factory=dict)  # unrejected items in the bank, per concept
    exhausted: set[str] = field(default_factory=set)
    written: int = 0  # items this pool wrote since start-up
    working_on: str | None = None
    last_error: str = ""


class ExercisePool:
    def __init__(self, ctx, per_concept: int | None = None):
        self.ctx = ctx
        self.per_concept = ctx.settings.pool_per_concept if per_concept is None else per_concept
        self._cond = threading.Condition()
        self._queue: list[tuple[int, int, str, str]] = []  # (priority, order, course, concept)
        self._queued: set[tuple[str, str]] = set()
        self._order = itertools.count()
        self._courses: dict[str, CourseStatus] = {}
        self._tried: dict[tuple[str, str], set[str]] = {}  # passage ids already written from (or found unusable)
        self._busy = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._generator = None

    # -- control ------------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.per_concept > 0

    def start(self) -> None:
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="exercise-pool", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def fill(self, course: str) -> None:
        """Queue every concept of the course up to `per_concept` items (after an upload, at start-up)."""
        if not self.enabled:
            return
        from tutor.db import session_scope
        from tutor.learners.concepts import ensure_course

        with session_scope(self.ctx.settings) as session:
            concepts = list(ensure_course(session, course, self.ctx.settings).order)
        ready = self._ready(course)
        with self._cond:
            status = self._courses[course] = CourseStatus(concepts=concepts, ready=ready,
                                                          written=self._courses.get(course, CourseStatus()).written)
            for concept in concepts:
                self._tried.pop((course, concept), None)  # the text may have changed: try every passage again
                status.target[concept] = self.per_concept
                if ready.get(concept, 0) < self.per_concept:
                    self._push(ready.get(concept, 0), course, concept)

    def top_up(self, course: str, concept: str, unseen_left: int) -> None:
        """A learner was just served an item of `concept` and has `unseen_left` unseen ones left."""
        if not self.enabled or unseen_left >= LOW_WATER:
            return
        with self._cond:
            status = self._courses.setdefault(course, CourseStatus())
            if concept in status.exhausted:
                return
            have = status.ready.get(concept, 0)
            status.target[concept] = min(max(status.target.get(concept, 0), have + LOW_WATER - unseen_left), MAX_PER_CONCEPT)
            if status.target[concept] > have:
                self._push(URGENT, course, concept)

    def forget(self, course: str) -> None:
        """The course was removed: drop its queued work and status."""
        with self._cond:
            self._queue = [t for t in self._queue if t[2] != course]
            heapq.heapify(self._queue)
            self._queued = {k for k in self._queued if k[0] != course}
            self._courses.pop(course, None)
            for key in [k for k in self._tried if k[0] == course]:
                del self._tried[key]
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or being written (tests, and the CLI's one-shot fill)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def status(self, course: str) -> dict:
        with self._cond:
            s = self._courses.get(course)
            if s is None:
                return {"course": course, "enabled": self.enabled, "known": False}
            queued = sorted({c for _, _, co, c in self._queue if co == course})
            return {"course": course, "enabled": self.enabled, "known": True, "concepts": len(s.concepts),
                    "ready": sum(s.ready.get(c, 0) for c in s.concepts), "per_concept": self.per_concept,
                    "full": sum(s.ready.get(c, 0) >= s.target.get(c, 0) for c in s.concepts),
                    "working_on": s.working_on, "queued": queued, "exhausted": sorted(s.exhausted),
                    "written": s.written, "last_error": s.last_error}

    def status_markdown(self, course: str, titles: dict[str, str] | None = None) -> str:
        s = self.status(course)
        name = (titles or {}).get
        if not s["enabled"]:
            return "**Exercise pool** is off (TUTOR_POOL_PER_CONCEPT=0): exercises are written when a learner asks."
        if not s["known"]:
            return f"**Exercise pool** for {course}: not started (it starts after an upload and when the app starts)."
        state = (f"writing an exercise for *{name(s['working_on'], s['working_on'])}*" if s["working_on"]
                 else "idle" if not s["queued"] else "waiting for learners to finish with the model")
        lines = [f"**Exercise pool** for {course}: {s['ready']} exercises ready; {s['full']} of {s['concepts']} concepts "
                 f"have their {s['per_concept']}; {s['written']} written since start-up; {state}."]
        if s["queued"]:
            lines.append(f"Queued: {', '.join(name(c, c) for c in s['queued'])}.")
        if s["exhausted"]:
            lines.append(f"No more text to write from: {', '.join(name(c, c) for c in s['exhausted'])}.")
        if s["last_error"]:
            lines.append(f"Last problem: {s['last_error']}")
        return "\n\n".join(lines)

    # -- the worker ---------------------------------------------------------------------------------

    def _push(self, priority: int, course: str, concept: str) -> None:
        # Called with self._cond held. An urgent request for a queued concept goes in again, ahead.
        if (course, concept) in self._queued and priority != URGENT:
            return
        self._queued.add((course, concept))
        heapq.heappush(self._queue, (priority, next(self._order), course, concept))
        self._cond.notify_all()

    def _next_task(self) -> tuple[str, str] | None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()
            while not self._queue and not self._stop.is_set():
                self._cond.wait()
            if self._stop.is_set():
                return None
            _, _, course, concept = heapq.heappop(self._queue)
            if not any(c == course and k == concept for _, _, c, k in self._queue):
                self._queued.discard((course, concept))
            self._busy = True
            if course in self._courses:
                self._courses[course].working_on = concept
            return course, concept

    def _run(self) -> None:
        while True:
            task = self._next_task()
            if task is None:
                return
            course, concept = task
            self.ctx.llm_gate.wait_for_learners()  # between items, learners first
            try:
                wrote = self._write_one(course, concept) if course in self._courses else False
            except Exception as exc:  # noqa: BLE001 - the pool must outlive any one failure; the tab shows it
                wrote = False
                print(f"exercise pool: {course}/{concept}: {exc}", flush=True)
                if not isinstance(exc, TutorError):  # a known refusal (course removed meanwhile) needs no trace
                    traceback.print_exc()
                with self._cond:
                    if course in self._courses:
                        self._courses[course].last_error = f"{concept}: {exc}"
                        self._courses[course].exhausted.add(concept)
            with self._cond:
                status = self._courses.get(course)
                if status is None:  # forgotten meanwhile
                    continue
                status.working_on = None
                if wrote and status.ready.get(concept, 0) < status.target.get(concept, 0):
                    self._push(status.ready.get(concept, 0), course, concept)

    def _generator_in_background(self):
        if self._generator is None:
            from tutor.generation.exercises import ExerciseGenerator

            model = self.ctx.model
            model = GatedChatModel(getattr(model, "_wrapped", model), self.ctx.llm_gate, background=True)
            self._generator = ExerciseGenerator(model, embedder=self.ctx.embedder, max_retries=self.ctx.retries.batch)
        return self._generator

    def _write_one(self, course: str, concept: str) -> bool:
        """Write one new item for the concept; False when its text has nothing left to write from.

        Every passage may give several items (different sentences, different kinds), never one that asks what
        an item in the bank already asks: the bank's items go to the generator, which skips their facts.
        Passages with the fewest items go first."""
        from tutor.generation.exercises import DEFAULT_TYPES, course_passages
        from tutor.services.question_bank import bank_exercises, write_items

        existing = bank_exercises(self.ctx, course, concept)
        tried = self._tried.setdefault((course, concept), set())
        per_passage: dict[str, int] = {}
        for item in existing:
            per_passage[item.source_id] = per_passage.get(item.source_id, 0) + 1
        passages = [p for p in course_passages(self.ctx.retriever, course, concept) if p.id not in tried]
        fresh = sorted(passages, key=lambda p: per_passage.get(p.id, 0))  # stable: course order within a count
        if not fresh:
            with self._cond:
                self._courses.setdefault(course, CourseStatus()).exhausted.add(concept)
            return False
        # The kinds take turns over the concept's items, so a short text gives a mix, not three of one kind;
        # when the next kind has nothing left (a multiple choice needs wrong options), the others are tried.
        start = len(existing) % len(DEFAULT_TYPES)
        before = {i.id for i in existing}
        for turn in range(len(DEFAULT_TYPES)):
            first = (start + turn) % len(DEFAULT_TYPES)
            types = [*DEFAULT_TYPES[first:], *DEFAULT_TYPES[:first]]
            batch = write_items(self.ctx, course, 1, concept, passages=fresh, generator=self._generator_in_background(),
                                existing=existing, types=types)
            if batch.items:
                break
        else:
            tried.update(p.id for p in fresh)  # no passage gives anything new, of any kind
            with self._cond:
                self._courses.setdefault(course, CourseStatus()).exhausted.add(concept)
            return False
        new = batch.items[0].id not in before
        with self._cond:
            status = self._courses.setdefault(course, CourseStatus())
            if new:
                status.ready[concept] = status.ready.get(concept, 0) + 1
                status.written += 1
        return new

    def _ready(self, course: str) -> dict[str, int]:
        from tutor.db import session_scope
        from tutor.db.items import list_items

        counts: dict[str, int] = {}
        with session_scope(self.ctx.settings) as session:
            for record in list_items(session, course):
                if record.status != "rejected":
                    counts[record.concept] = counts.get(record.concept, 0) + 1
        return counts

    def note_new_item(self, course: str, concept: str) -> None:
        """An item written on demand (a learner could not wait for the pool) counts as ready too."""
        with self._cond:
            status = self._courses.setdefault(course, CourseStatus())
            status.ready[concept] = status.ready.get(concept, 0) + 1
