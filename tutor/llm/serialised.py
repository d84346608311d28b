"""One generation at a time, for the in-process model only.

A llama.cpp context is not thread-safe: two threads generating on one `Llama` corrupt each other, so
every caller of the same model file queues on one process-wide lock, held for a call or a whole stream
(the context is busy until the last token). An OpenAI-compatible endpoint is built for many requests at
once and is never wrapped: the registry applies this wrapper only to backends marked `in_process`.
"""

from __future__ import annotations

import threading
from typing import Iterator

from tutor.llm.base import ChatModel, Completion

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def lock_for(key: str) -> threading.Lock:
    """The process-wide lock of one in-process model (keyed by its file)."""
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


class SerialisedChatModel:
    """The ChatModel seam with one generation at a time; the lock is held for a call or a stream only."""

    def __init__(self, inner: ChatModel, lock: threading.Lock):
        self.inner = inner
        self.lock = lock
        self.name = inner.name

    def complete(self, messages, **kwargs) -> Completion:
        with self.lock:
            return self.inner.complete(messages, **kwargs)

    def stream(self, messages, **kwargs) -> Iterator[str]:
        with self.lock:
            yield from self.inner.stream(messages, **kwargs)
