"""The embedded backend: a GGUF model run in-process by llama-cpp-python.

The model is picked by short name from the catalogue (TUTOR_LLM_LOCAL_MODEL, tutor/llm/catalogue.py:
the packages that carry it, joined once into a cache and checked by sha256 before loading), or given
as any GGUF file by TUTOR_LLM_MODEL_PATH.

One `Llama` per model file per process (loading costs ~0.3 s and memory). A llama context is not
thread-safe: the registry wraps this backend in `serialised` (one generation at a time per model file),
so concurrent callers of `get_chat_model` queue; a caller that builds LocalChatModel itself must not share
it between threads. Settings
chosen by measurement on 2 cores (FACTS.md): n_ctx 2048 (the library default of 512 truncates our
prompts), n_threads 2 (flash attention measured no faster under load).
"""

from __future__ import annotations

import threading
import time
import atexit
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from tutor.errors import LLMUnavailableError
from tutor.llm.base import Completion, Message

N_CTX = 2048
N_THREADS = 2


def default_model_path(name: str | None = None) -> Path:
    """The verified GGUF of catalogue model `name` (default: the catalogue's default; the registry passes
    the configured TUTOR_LLM_LOCAL_MODEL)."""
    from tutor.llm.catalogue import DEFAULT_LOCAL_MODEL, model_file

    return model_file(name or DEFAULT_LOCAL_MODEL)


def resolve_model_path(path: Path | str | None) -> Path:
    resolved = Path(path).expanduser().resolve() if path else default_model_path()
    if not resolved.is_file():
        raise LLMUnavailableError(f"No GGUF model file at {resolved}; set TUTOR_LLM_MODEL_PATH to an existing .gguf file.")
    return resolved


_load_lock = threading.Lock()


@lru_cache(maxsize=2)
def _llama(path: str):
    from llama_cpp import Llama

    try:
        llama = Llama(model_path=path, n_ctx=N_CTX, n_threads=N_THREADS, verbose=False)
    except (ValueError, RuntimeError) as exc:
        raise LLMUnavailableError(f"llama.cpp cannot load {path}: {exc}") from exc
    # Free the model while the interpreter is still whole: left to Llama.__del__ at shutdown, the
    # C library's free function is already gone and every process exit prints a TypeError.
    atexit.register(llama.close)
    return llama


def load_llama(path: Path | str | None = None):
    """The process-wide `Llama` for a model file (the benchmark uses it for the raw baseline)."""
    with _load_lock:
        return _llama(str(resolve_model_path(path)))


class LocalChatModel:
    def __init__(self, model_path: Path | str | None = None):
        self.path = resolve_model_path(model_path)
        self.name = f"local:{self.path.name}"

    @property
    def llama(self):
        return load_llama(self.path)

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
        grammar = None
        if json_schema is not None:
            from llama_cpp import LlamaGrammar

            from tutor.llm.structured import grammar_for

            grammar = LlamaGrammar.from_string(grammar_for(json_schema), verbose=False)
        llama = self.llama
        started = time.perf_counter()
        out = llama.create_chat_completion(
            messages=list(messages), max_tokens=max_tokens, temperature=temperature, grammar=grammar, stop=stop,
            seed=0 if seed is None else seed,  # fixed by default: the same prompt gives the same draft
        )
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Completion(
            text=choice["message"]["content"] or "",
            model=self.name,
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            latency_s=time.perf_counter() - started,
            finish_reason=choice.get("finish_reason"),
        )

    def stream(
        self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.2, stop: list[str] | None = None
    ) -> Iterator[str]:
        llama = self.llama
        for chunk in llama.create_chat_completion(
            messages=list(messages), max_tokens=max_tokens, temperature=temperature, stop=stop, stream=True, seed=0
        ):
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece
