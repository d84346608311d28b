"""The types every chat model speaks: chat messages, a completion, the `ChatModel` protocol.

This module imports nothing else of the project, so prompts (which render into `Message`s) and every
backend and wrapper can use it without importing each other. A backend takes a list of messages and
returns a `Completion` (text plus the numbers the call log, the evals and the benchmark need), or streams
text pieces. `json_schema` asks for output that parses as that schema: the local backend enforces it
with a grammar, endpoints with their structured-output mode. Backends raise LLMUnavailableError /
LLMResponseError from tutor.errors, never a vendor exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol, TypedDict


class Message(TypedDict):
    role: str  # "system" | "user" | "assistant"
    content: str


class PromptMessages(list):
    """Messages rendered from one prompt file, carrying its id and version, so the call log can say which
    prompt (and which version of it) every model call came from. A plain list everywhere else."""

    def __init__(self, messages=(), *, prompt_id: str | None = None, prompt_version: int | None = None):
        super().__init__(messages)
        self.prompt_id = prompt_id
        self.prompt_version = prompt_version


def prompt_of(messages) -> tuple[str | None, int | None]:
    """(prompt id, version) of rendered messages; (None, None) for messages built by hand."""
    return getattr(messages, "prompt_id", None), getattr(messages, "prompt_version", None)


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
        seed: int | None = None,
    ) -> Completion: ...

    def stream(
        self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.2, stop: list[str] | None = None
    ) -> Iterator[str]: ...
