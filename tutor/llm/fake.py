"""A deterministic chat model for tests: scripted replies in, a record of every prompt out.

Replies come from a queue (strings, or callables that receive the messages and return a string, so a
test can answer according to the prompt); when the queue is empty the fake repeats `default`, or
echoes the last user message when no default is set. `calls` keeps every request (messages and
options), so tests assert on what the tutor actually sent.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Iterable, Iterator, Union

from tutor.llm.base import Completion, Message

Reply = Union[str, Callable[[list[Message]], str]]


class FakeChatModel:
    name = "fake"

    def __init__(self, replies: Iterable[Reply] = (), default: Reply | None = None):
        self.replies: deque[Reply] = deque(replies)
        self.default = default
        self.calls: list[dict] = []

    @property
    def prompts(self) -> list[list[Message]]:
        return [call["messages"] for call in self.calls]

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def _next(self, messages: list[Message]) -> str:
        reply = self.replies.popleft() if self.replies else self.default
        if reply is None:
            users = [m["content"] for m in messages if m["role"] == "user"]
            return users[-1] if users else ""
        return reply(messages) if callable(reply) else reply

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        json_schema: dict | None = None,
        stop: list[str] | None = None,
        seed: int | None = None,
    ) -> Completion:
        self.calls.append({"messages": list(messages), "max_tokens": max_tokens, "json_schema": json_schema, "stream": False,
                           "temperature": temperature, "seed": seed})
        text = self._next(messages)
        return Completion(text=text, model=self.name, prompt_tokens=sum(len(m["content"].split()) for m in messages), completion_tokens=len(text.split()))

    def stream(
        self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.2, stop: list[str] | None = None
    ) -> Iterator[str]:
        self.calls.append({"messages": list(messages), "max_tokens": max_tokens, "json_schema": None, "stream": True})
        words = self._next(messages).split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "
