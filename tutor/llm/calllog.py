"""The one place every model call is logged: prompt id and version, model, latency, tokens, outcome.

Every model the registry builds is wrapped in `LoggedChatModel`, so no call site logs by hand. A record
goes to three places: the `tutor.llm.calls` logger (INFO, one line), the in-process `recent` buffer (what
a test or the eval runner reads), and, when a path is given, one JSON line appended to
TUTOR_HOME/logs/model_calls.jsonl (read back with `read_calls`, for the evals and the class dashboard).
The prompt id and version come from the messages themselves (`PromptMessages`, rendered by
tutor.prompts); hand-built messages log none. A log that cannot be written (full disk) never fails the
call: the learner's answer matters more than its log line.

A streamed call is logged when the stream ends: `completion_tokens` counts the pieces streamed (one
token each for llama.cpp and OpenAI-style servers) and `first_token_s` is the wait for the first one.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from tutor.llm.base import ChatModel, Completion, prompt_of

logger = logging.getLogger("tutor.llm.calls")
RECENT = 500


class CallLog:
    def __init__(self, path: Path | None = None, keep: int = RECENT):
        self.path = Path(path) if path else None
        self.recent: deque[dict] = deque(maxlen=keep)
        self._write_lock = threading.Lock()

    def record(self, entry: dict) -> None:
        self.recent.append(entry)
        logger.info("%s %s v%s %.3fs %s+%s tokens%s", entry["model"], entry["prompt_id"], entry["prompt_version"],
                    entry["latency_s"], entry["prompt_tokens"], entry["completion_tokens"],
                    "" if entry["ok"] else f" failed: {entry['error']}")
        if self.path is None:
            return
        try:
            with self._write_lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as exc:
            logger.warning("model call log not written to %s: %s", self.path, exc)


def read_calls(path: Path) -> list[dict]:
    """Every call logged in a model_calls.jsonl file, oldest first (a cut last line is skipped)."""
    out = []
    if not Path(path).is_file():
        return out
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


class LoggedChatModel:
    """The ChatModel seam, recording every call in a `CallLog`."""

    def __init__(self, inner: ChatModel, log: CallLog):
        self.inner = inner
        self.log = log
        self.name = inner.name

    def _entry(self, messages, kind: str, started: float, **fields) -> dict:
        prompt_id, prompt_version = prompt_of(messages)
        return {"at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "kind": kind, "model": self.name,
                "prompt_id": prompt_id, "prompt_version": prompt_version,
                "latency_s": round(time.perf_counter() - started, 4), "prompt_tokens": None, "completion_tokens": None,
                "first_token_s": None, "ok": True, "error": None} | fields

    def complete(self, messages, **kwargs) -> Completion:
        started = time.perf_counter()
        try:
            completion = self.inner.complete(messages, **kwargs)
        except Exception as exc:
            self.log.record(self._entry(messages, "complete", started, ok=False, error=type(exc).__name__))
            raise
        self.log.record(self._entry(messages, "complete", started, prompt_tokens=completion.prompt_tokens,
                                    completion_tokens=completion.completion_tokens))
        return completion

    def stream(self, messages, **kwargs) -> Iterator[str]:
        started = time.perf_counter()
        pieces, first, error = 0, None, None
        try:
            for piece in self.inner.stream(messages, **kwargs):
                if first is None:
                    first = round(time.perf_counter() - started, 4)
                pieces += 1
                yield piece
        except Exception as exc:
            error = type(exc).__name__
            raise
        finally:
            # Also when the consumer stops early (GeneratorExit): the call happened and took this long.
            self.log.record(self._entry(messages, "stream", started, completion_tokens=pieces, first_token_s=first,
                                        ok=error is None, error=error))
