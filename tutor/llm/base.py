"""The ChatModel seam: what every backend offers, and the factory that picks one from settings.

A backend takes a list of chat messages and returns a `Completion` (text plus the numbers the logs and
the benchmark need), or streams text pieces. `json_schema` asks for output that parses as that schema:
the local backend enforces it with a grammar, endpoints with their structured-output mode. Backends
raise LLMUnavailableError / LLMResponseError from tutor.errors, never a vendor exception.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterator, Protocol, TypedDict

from tutor.config import Settings, get_settings
from tutor.errors import ConfigError


class Message(TypedDict):
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass
class Completion:
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    finish_reason: str | None = None
    extra: dict = field(default_factory=dict)


class ChatModel(Protocol):
    name: str

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        json_schema: dict | None = None,
        stop: list[str] | None = None,
    ) -> Completion: ...

    def stream(
        self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.2, stop: list[str] | None = None
    ) -> Iterator[str]: ...


_models: dict[tuple, ChatModel] = {}
_models_lock = threading.Lock()


def get_chat_model(settings: Settings | None = None) -> ChatModel:
    """The configured backend, built once per distinct configuration per process."""
    settings = settings or get_settings()
    key = (settings.llm, str(settings.llm_model_path), settings.llm_local_model, settings.llm_base_url, settings.llm_model)
    with _models_lock:
        if key not in _models:
            _models[key] = _build(settings)
        return _models[key]


def _build(settings: Settings) -> ChatModel:
    if settings.llm == "local":
        from tutor.llm.local import LocalChatModel

        from tutor.llm.local import default_model_path

        return LocalChatModel(settings.llm_model_path or default_model_path(settings.llm_local_model))
    if settings.llm == "openai":
        from tutor.llm.openai_compat import OpenAIChatModel

        if not settings.llm_base_url:
            raise ConfigError("TUTOR_LLM=openai needs TUTOR_LLM_BASE_URL (for example http://127.0.0.1:8000/v1).")
        return OpenAIChatModel(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            model=settings.llm_model,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
        )
    from tutor.llm.fake import FakeChatModel

    # A fake from settings has no scripted replies: it echoes, which keeps `TUTOR_LLM=fake tutor ...` usable.
    return FakeChatModel()
