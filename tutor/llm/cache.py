"""A ChatModel wrapper that caches completions on disk, so re-running an eval suite costs no model call.

Key: sha256 of (sha256 of the messages as JSON, the model's identity, the generation parameters:
max_tokens, temperature, json schema, stop, and the repeat index). The repeat index is part of the key
so `--repeat N` really asks N times (a sampling model may differ; latency always does), while a re-run
of the same suite and repeat count is served from the cache. Entries are one JSON file each under
TUTOR_HOME/evals/cache/, written atomically (rename), so an interrupted run leaves no half entry.

A cached completion keeps the latency measured when it was made: timing metrics describe the model,
not the cache. `stream()` is served through `complete()` (the evals never need live tokens).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

from tutor.diskspace import write_atomic
from tutor.llm.base import ChatModel, Completion, Message


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class CachingChatModel:
    def __init__(self, inner: ChatModel, cache_dir: Path, identity: str, *, temperature: float | None = None):
        self.inner = inner
        self.name = inner.name
        self.cache_dir = Path(cache_dir)
        self.identity = identity
        self.temperature = temperature  # a model configuration's override, applied to every request
        self.repeat = 0
        self.hits = 0
        self.misses = 0
        self.log: list[dict] = []  # one entry per request: cached?, tokens, latency (the runner reads it per case)

    def key(self, messages: list[Message], params: dict) -> str:
        return _digest({"prompt": _digest(list(messages)), "model": self.identity, "params": params})

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
        temperature = self.temperature if self.temperature is not None else temperature
        params = {"max_tokens": max_tokens, "temperature": temperature, "schema": _digest(json_schema) if json_schema else None, "stop": stop, "repeat": self.repeat}
        if seed is not None:  # only when asked for, so entries cached before seeds existed still match
            params["seed"] = seed
        key = self.key(messages, params)
        path = self.cache_dir / key[:2] / f"{key}.json"
        if path.is_file():
            completion = Completion(**json.loads(path.read_text(encoding="utf-8")))
            self.hits += 1
            cached = True
        else:
            extra = {"seed": seed} if seed is not None else {}
            completion = self.inner.complete(messages, max_tokens=max_tokens, temperature=temperature, json_schema=json_schema, stop=stop, **extra)
            write_atomic(path, json.dumps(asdict(completion), ensure_ascii=False))
            self.misses += 1
            cached = False
        self.log.append(
            {"cached": cached, "prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens, "latency_s": completion.latency_s}
        )
        return completion

    def stream(
        self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.2, stop: list[str] | None = None
    ) -> Iterator[str]:
        yield self.complete(messages, max_tokens=max_tokens, temperature=temperature, stop=stop).text
