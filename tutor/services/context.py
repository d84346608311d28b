"""What the services load once per process: settings, retriever (embedding model + store), chat model,
and the generators built on them. Every service function receives a `ServiceContext`; the app builds one
per process, each CLI command one per run, tests one on a temp home.

Shortcut: everything is created lazily on first use and then shared by all sessions. The chat model comes
from tutor.llm.registry already wrapped: one generation at a time for the in-process model, none for an
endpoint (built for many requests at once), every call logged. Re-asks follow the one retry policy
(tutor.llm.retry): interactive for what a learner waits on, batch for question-bank writing.
"""

from __future__ import annotations

from functools import cached_property

from tutor.config import Settings, get_settings
from tutor.llm.retry import RetryPolicy


class ServiceContext:
    def __init__(self, settings: Settings | None = None):
        from tutor.services.exercise_pool import ModelGate

        self.settings = settings or get_settings()
        self.retries = RetryPolicy.from_settings(self.settings)
        self.llm_gate = ModelGate()  # learners' model calls go before the exercise pool's

    @cached_property
    def retriever(self):
        from tutor.retrieval.retriever import Retriever

        return Retriever(self.settings)

    @cached_property
    def model(self):
        from tutor.llm.registry import get_chat_model

        from tutor.services.exercise_pool import GatedChatModel

        return GatedChatModel(get_chat_model(self.settings), self.llm_gate)  # learners first (exercise_pool)

    @property
    def store(self):
        return self.retriever.store

    @property
    def embedder(self):
        return self.retriever.embedder

    def explainer(self):
        from tutor.generation.explanation import Explainer

        # Cheap to build; each turn's checked result lives on the stream that turn gets, not here.
        return Explainer(self.model, self.retriever, max_retries=self.retries.interactive)

    @cached_property
    def grader(self):
        from tutor.generation.feedback import Grader

        return Grader(self.model, embedder=self.embedder, max_retries=self.retries.interactive)

    @cached_property
    def generator(self):
        from tutor.generation.exercises import ExerciseGenerator

        return ExerciseGenerator(self.model, embedder=self.embedder, max_retries=self.retries.batch)

    @cached_property
    def pool(self):
        """Exercises written ahead in the background (started by the server, filled after uploads)."""
        from tutor.services.exercise_pool import ExercisePool

        return ExercisePool(self)

    def warm(self) -> None:
        """Load the embedding model, store and chat model now, so the first learner does not wait."""
        self.retriever
        self.model
