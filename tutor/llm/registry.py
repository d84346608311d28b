"""The one table of chat-model backends, and the factory that builds the configured one.

`BACKENDS` is the only list of backend names: the settings (`TUTOR_LLM`) and the eval suite schema
(`models[].llm`) validate against `BACKEND_NAMES`, so adding a backend is one entry here. Each entry says
how to build the model from settings and whether it runs in this process: an in-process model (llama.cpp)
gets one generation at a time (`serialised`), an endpoint does not, whatever the caller. Every built model
is wrapped in the call log (`calllog`).

The registry reads settings duck-typed (llm, llm_model_path, llm_base_url, llm_api_key, llm_model, home;
llm_timeout_s; retries through tutor.llm.retry) and never imports tutor.config: the settings import this table.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tutor.errors import ConfigError
from tutor.llm.base import ChatModel
from tutor.llm.calllog import CallLog, LoggedChatModel
from tutor.llm.retry import RetryPolicy
from tutor.llm.serialised import SerialisedChatModel, lock_for

CALL_LOG = Path("logs") / "model_calls.jsonl"  # under TUTOR_HOME


@dataclass(frozen=True)
class Backend:
    name: str
    description: str
    in_process: bool  # one generation at a time per model file
    build: Callable[[Any], ChatModel]


def _local(settings) -> ChatModel:
    from tutor.llm.local import LocalChatModel, default_model_path

    # Any GGUF path wins; otherwise the catalogue model by short name (TUTOR_LLM_LOCAL_MODEL), joined and checked.
    return LocalChatModel(settings.llm_model_path or default_model_path(getattr(settings, "llm_local_model", None)))


def _openai(settings) -> ChatModel:
    from tutor.llm.openai_compat import OpenAIChatModel

    if not settings.llm_base_url:
        raise ConfigError("TUTOR_LLM=openai needs TUTOR_LLM_BASE_URL (for example http://127.0.0.1:8000/v1).")
    return OpenAIChatModel(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        model=settings.llm_model,
        timeout_s=settings.llm_timeout_s,
        max_retries=RetryPolicy.from_settings(settings).transport,
    )


def _fake(settings) -> ChatModel:
    from tutor.llm.fake import FakeChatModel

    # A fake from settings has no scripted replies: it echoes, which keeps `TUTOR_LLM=fake tutor ...` usable.
    return FakeChatModel()


BACKENDS: dict[str, Backend] = {
    b.name: b
    for b in (
        Backend("local", "the embedded GGUF model, run in this process by llama-cpp-python", True, _local),
        Backend("openai", "any OpenAI-compatible endpoint (TUTOR_LLM_BASE_URL)", False, _openai),
        Backend("fake", "a deterministic echo model for tests", False, _fake),
    )
}
BACKEND_NAMES: tuple[str, ...] = tuple(BACKENDS)


def check_backend(name: str) -> str:
    """`name` when it is a registered backend, else ValueError listing them (pydantic validators use it)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown LLM backend '{name}': use one of {', '.join(BACKEND_NAMES)}")
    return name


_models: dict[tuple, ChatModel] = {}
_models_lock = threading.Lock()


def get_chat_model(settings) -> ChatModel:
    """The configured backend, wrapped (serialised when in-process, always logged), built once per distinct
    configuration per process."""
    key = (settings.llm, str(settings.llm_model_path), getattr(settings, "llm_local_model", None), settings.llm_base_url,
           settings.llm_model, str(settings.home))
    with _models_lock:
        if key not in _models:
            _models[key] = build(settings)
        return _models[key]


def build(settings) -> ChatModel:
    """A new model for these settings, with its wrappers (get_chat_model shares one per configuration)."""
    backend = BACKENDS[check_backend(settings.llm)]
    model = backend.build(settings)
    if backend.in_process:
        model = SerialisedChatModel(model, lock_for(str(getattr(model, "path", model.name))))
    return LoggedChatModel(model, CallLog(Path(settings.home) / CALL_LOG))
