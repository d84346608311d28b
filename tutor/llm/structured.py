"""Structured output: a pydantic model in, a validated instance out, with a bounded re-ask.

`grammar_for(schema)` turns a JSON schema into a GBNF grammar for llama.cpp. It uses llama-cpp-python's
own converter and then tightens its string character rule: the stock rule lets raw newlines and
control characters into strings, which made half of SmolLM2's outputs unparseable (FACTS.md). Bounded
choices should be `Literal[...]` and every string should have a `max_length` in the models, because the
converter ignores numeric minimum/maximum but does enforce enums and lengths.

`generate_structured` asks, validates with pydantic plus an optional `check` (the exercise verifier),
and on failure re-asks with the error appended (the wording is the `reask` prompt), up to
`max_retries` more times; then raises GenerationError with the attempts and the last output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from tutor.errors import GenerationError, LLMResponseError
from tutor.llm.base import ChatModel, Completion, Message, PromptMessages, prompt_of
from tutor.prompts import load_prompt

T = TypeVar("T", bound=BaseModel)
_STOCK_CHAR_RULE = r'char ::= [^"\\] '
_TIGHT_CHAR_RULE = r'char ::= [^"\\\x7F\x00-\x1F] '


@lru_cache(maxsize=32)
def _grammar_cached(schema_json: str) -> str:
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    grammar = json_schema_to_gbnf(schema_json)
    tightened = grammar.replace(_STOCK_CHAR_RULE, _TIGHT_CHAR_RULE)
    if "char ::=" in grammar and tightened == grammar:
        # The converter changed its output: fail loudly rather than silently allow raw newlines again.
        raise RuntimeError("llama_cpp's json_schema_to_gbnf changed its char rule; update structured._STOCK_CHAR_RULE")
    return tightened


def grammar_for(schema: dict) -> str:
    # Keys in the schema's own order: llama.cpp's converter writes an object's properties in the order it
    # reads them, and that order is the order the model writes its fields (sorted, "answer" came before
    # the question it answers).
    return _grammar_cached(json.dumps(schema))


def schema_for(model: type[BaseModel]) -> dict:
    """The model's JSON schema with references inlined (llama.cpp's converter and most endpoints prefer it)."""
    return model.model_json_schema()


@dataclass
class Structured(Generic[T]):
    value: T
    attempts: int
    completions: list[Completion] = field(default_factory=list)


def generate_structured(
    model: ChatModel,
    messages: list[Message],
    output: type[T],
    *,
    max_retries: int = 2,
    max_tokens: int = 200,
    temperature: float = 0.2,
    check: Callable[[T], list[str]] | None = None,
    what: str = "structured output",
    log: list[dict] | None = None,
    schema: dict | None = None,
    resample: float | None = None,
) -> Structured[T]:
    """Ask for `output`, validate it (and `check` it: a list of problems, empty when fine), re-ask on failure.

    `log`, when given, receives one dict per attempt (completion, parsed, problems) for benchmarks and logs.
    `schema`, when given, is what the model is constrained to (narrower than `output`'s own schema, e.g. a
    choice among values known only at run time); `output` still validates the reply.
    `resample`, when given, changes what a re-ask is: the same messages again, sampled at that temperature
    with a new seed, instead of the refused draft and its problems appended. A small model shown its own
    draft and the reasons tends to repeat it; a fresh sample of the same prompt costs only the new tokens
    (llama.cpp reuses the prompt already in its cache) and draws a different draft.
    """
    reask = load_prompt("reask")
    schema = schema or schema_for(output)
    history = list(messages)
    completions: list[Completion] = []
    last_text, last_error = "", ""
    for attempt in range(1, max_retries + 2):
        if resample is not None and attempt > 1:
            completion = model.complete(messages, max_tokens=max_tokens, temperature=resample, json_schema=schema, seed=attempt - 1)
        else:
            # A little more temperature on re-asks, so a deterministic model does not repeat itself exactly.
            completion = model.complete(
                history, max_tokens=max_tokens, temperature=temperature + 0.3 * (attempt - 1), json_schema=schema
            )
        completions.append(completion)
        last_text = completion.text
        parsed = False
        try:
            value = output.model_validate_json(_json_part(completion.text))
            parsed = True
            problems = check(value) if check else []
        except (ValidationError, ValueError) as exc:
            problems = [_short_error(exc)]
        if log is not None:
            log.append({"completion": completion, "parsed": parsed, "problems": problems})
        if not problems:
            return Structured(value=value, attempts=attempt, completions=completions)
        last_error = "; ".join(problems)
        if resample is not None:
            continue
        # The re-ask still names the prompt it re-asks (the call log counts re-asks per prompt version).
        prompt_id, prompt_version = prompt_of(messages)
        history = PromptMessages(
            [*messages, Message(role="assistant", content=completion.text),
             *[m for m in reask.render(problems=problems) if m["role"] == "user"]],
            prompt_id=prompt_id, prompt_version=prompt_version,
        )
    raise GenerationError(what, max_retries + 1, last_text, last_error)


def _json_part(text: str) -> str:
    """The JSON object in a reply; endpoints without a grammar sometimes wrap it in prose or fences."""
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end < start:
        raise ValueError("the reply contains no JSON object")
    return text[start : end + 1]


def _short_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors()[:3])
    return str(exc)


def require_text(completion_text: object) -> str:
    """An endpoint's message content, or LLMResponseError when it sent something else."""
    if not isinstance(completion_text, str):
        raise LLMResponseError(f"The endpoint returned no text content (got {type(completion_text).__name__}).")
    return completion_text
