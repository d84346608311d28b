"""What a task needs to run a case: settings, the suite, the (cached) chat model, the retriever.

Everything is built lazily, so scoring outputs that need no retrieval loads no embedding model, and a
retrieval suite never loads the LLM. Tests inject fakes through the constructor (chat_model, retriever).
The course is ingested from the suite's `course_path` when it is missing (ingest is idempotent).
"""

from __future__ import annotations

from pathlib import Path

from tutor.config import Settings
from tutor.llm.cache import CachingChatModel
from tutor.llm.retry import RetryPolicy
from tutor.evaluation.suite import ModelConfig, Suite

ROOT = Path(__file__).resolve().parents[2]
DEMO_COURSE = ROOT / "knowledge" / "intro-python"


class Context:
    def __init__(self, settings: Settings, suite: Suite, model_config: ModelConfig | None = None, *,
                 chat_model=None, retriever=None, prompt_version: int | None = None):
        self.settings = settings
        self.suite = suite
        self.model_config = model_config or suite.models[0]
        self.prompt_version = prompt_version
        self._inner_model = chat_model
        self._model: CachingChatModel | None = None
        self._retriever = retriever
        self._course_checked = False
        self.judge = None  # a cached judge model when the suite names a rubric and an endpoint is set
        self.memo: dict = {}  # per-run values tasks compute once (e.g. the course's passages)

    @property
    def params(self) -> dict:
        return self.suite.params

    @property
    def retries(self) -> RetryPolicy:
        """The tutor's own retry policy: a task without a `max_retries` param re-asks as the tutor would."""
        return RetryPolicy.from_settings(self.settings)

    def max_retries(self, kind: str) -> int:
        """The suite's `max_retries` param when set (an experiment), else the policy's `kind` (interactive, batch)."""
        if "max_retries" in self.params:
            return int(self.params["max_retries"])
        return getattr(self.retries, kind)

    @property
    def course(self) -> str:
        return self.suite.course

    def model_settings(self) -> Settings:
        c = self.model_config
        update = {"llm": c.llm}
        if c.model_path:
            update["llm_model_path"] = Path(c.model_path)
        if c.local_model:
            update["llm_local_model"] = c.local_model
        if c.base_url:
            update["llm_base_url"] = c.base_url
        if c.model:
            update["llm_model"] = c.model
        return self.settings.model_copy(update=update)

    @property
    def model(self) -> CachingChatModel:
        if self._model is None:
            inner = self._inner_model
            if inner is None:
                from tutor.llm.registry import get_chat_model

                inner = get_chat_model(self.model_settings())
            c = self.model_config
            identity = f"{c.llm}|{inner.name}|{c.base_url or ''}"
            self._model = CachingChatModel(inner, self.settings.home / "evals" / "cache", identity, temperature=c.temperature)
        return self._model

    @property
    def retriever(self):
        if self._retriever is None:
            from tutor.retrieval.retriever import Retriever

            self._retriever = Retriever(self.settings)
        if not self._course_checked:
            self.ensure_course()
        return self._retriever

    @property
    def embedder(self):
        return self.retriever.embedder

    def ensure_course(self) -> None:
        """Ingest the suite's course when the store does not hold it yet."""
        self._course_checked = True
        store = self._retriever.store
        if store.exists(self.course):
            return
        from tutor.retrieval.ingest import CourseManifest, ingest

        folder = self.suite.resolve(self.suite.course_path) if self.suite.course_path else DEMO_COURSE
        manifest = CourseManifest.find([folder])
        ingest([folder], self.course, store, self._retriever.embedder, self.settings, title=manifest.title)

    def prompt_for(self, task_prompt: str):
        """The prompt a generator should use: --prompt-version, else the suite's pin, else the newest."""
        from tutor.prompts import load_prompt

        version = self.prompt_version if self.prompt_version is not None else self.suite.prompts.get(task_prompt)
        return load_prompt(task_prompt, version)
