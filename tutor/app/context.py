"""What the app loads once per process: settings, retriever (embedding model + store), chat model,
and the generators built on them. Handlers receive an `AppContext`; tests build one on a temp home.

Shortcut: everything is created lazily on first use and then shared by all sessions. Gradio runs
handlers in worker threads; one llama.cpp context cannot run two generations at once, so the chat
model is wrapped to hold `llm_lock` during each model call only (retrieval and grading run in parallel).
"""

from __future__ import annotations

from functools import cached_property

from tutor.config import Settings, get_settings


class AppContext:
    def __init__(self, settings: Settings | None = None):
        from tutor.app.exercise_pool import ModelGate

        self.settings = settings or get_settings()
        self.llm_gate = ModelGate()  # learners' model calls go before the exercise pool's
        self.llm_lock = self.llm_gate.lock

    @cached_property
    def retriever(self):
        from tutor.retrieval.retriever import Retriever

        return Retriever(self.settings)

    @cached_property
    def model(self):
        from tutor.llm.base import get_chat_model

        return LockedChatModel(get_chat_model(self.settings), self.llm_gate)

    @property
    def store(self):
        return self.retriever.store

    @property
    def embedder(self):
        return self.retriever.embedder

    def explainer(self):
        from tutor.generation.explanation import Explainer

        # A new Explainer per turn: it keeps the turn's checked result in `.last`.
        return Explainer(self.model, self.retriever, max_retries=0)

    @cached_property
    def grader(self):
        from tutor.generation.feedback import Grader

        return Grader(self.model, embedder=self.embedder, max_retries=min(self.settings.llm_max_retries, 1))

    @cached_property
    def generator(self):
        from tutor.generation.exercises import ExerciseGenerator

        return ExerciseGenerator(self.model, embedder=self.embedder, max_retries=self.settings.llm_max_retries)

    @cached_property
    def pool(self):
        """Exercises written ahead in the background (started by the server, filled after uploads)."""
        from tutor.app.exercise_pool import ExercisePool

        return ExercisePool(self)

    def warm(self) -> None:
        """Load the embedding model, store and chat model now, so the first learner does not wait."""
        self.retriever
        self.model


class LockedChatModel:
    """The ChatModel seam, with one generation at a time: the lock is held for a call or a stream only, and a
    learner's call goes before the exercise pool's next one (ModelGate)."""

    def __init__(self, model, gate):
        from tutor.app.exercise_pool import ModelGate

        if not isinstance(gate, ModelGate):  # a bare lock (older callers): a gate around it
            lock, gate = gate, ModelGate()
            gate.lock = lock
        self.inner = model
        self.gate = gate
        self.name = model.name

    def complete(self, messages, **kwargs):
        with self.gate.foreground():
            return self.inner.complete(messages, **kwargs)

    def stream(self, messages, **kwargs):
        with self.gate.foreground():
            yield from self.inner.stream(messages, **kwargs)
