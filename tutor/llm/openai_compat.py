"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp's server) through the `openai` client.

The plain `openai` client keeps this smaller than langchain-openai, and it does not touch tiktoken.
Quirks handled here (FACTS.md):
- `max_tokens` is sent as the classic field in the request body; llama.cpp's server ignores
  `max_completion_tokens` and would otherwise generate to the end of its context.
- Structured output is asked as OpenAI `json_schema` first; servers that reject it (llama.cpp's answers
  HTTP 500) get `json_object` with the schema attached, which llama.cpp enforces with a grammar. The
  fallback is remembered per model instance, so the failed request is paid once.
Timeouts and bounded retries (connection errors, 408/409/429/5xx) come from the client; every vendor
exception leaves this module as LLMUnavailableError or LLMResponseError with the URL in the message.
"""

from __future__ import annotations

import time
from typing import Iterator

from tutor.errors import LLMResponseError, LLMUnavailableError
from tutor.llm.base import Completion, Message


class OpenAIChatModel:
    def __init__(self, base_url: str, api_key: str = "not-needed", model: str = "default", timeout_s: float = 60.0, max_retries: int = 2):
        from openai import OpenAI

        from tutor.redact import redact_url

        # The URL as shown: in the model's name (stored with events, items and eval runs) and in every error
        # message, without a password or key it may carry; the client alone gets the real one.
        self.base_url = redact_url(base_url)
        self.model = model
        self.name = f"openai:{model}@{self.base_url}"
        self.client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=max_retries)
        self._schema_mode = "json_schema"

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
        started = time.perf_counter()
        kwargs = dict(model=self.model, messages=list(messages), temperature=temperature, stop=stop, extra_body={"max_tokens": max_tokens})
        if seed is not None:
            kwargs["seed"] = seed
        if json_schema is None:
            response = self._call(**kwargs)
        else:
            response = self._structured(kwargs, json_schema)
        try:
            choice = response.choices[0]
            text = choice.message.content
        except (AttributeError, IndexError, TypeError) as exc:
            raise LLMResponseError(f"{self.base_url} answered without a chat completion: {str(response)[:200]}") from exc
        if not isinstance(text, str):
            raise LLMResponseError(f"{self.base_url} returned a completion without text content.")
        usage = getattr(response, "usage", None)
        return Completion(
            text=text,
            model=self.name,
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            latency_s=time.perf_counter() - started,
            finish_reason=choice.finish_reason,
        )

    def _structured(self, kwargs: dict, schema: dict):
        import openai

        if self._schema_mode == "json_schema":
            try:
                return self._call(
                    **kwargs,
                    response_format={"type": "json_schema", "json_schema": {"name": "output", "schema": schema}},
                    raw_errors=True,
                )
            except (openai.BadRequestError, openai.InternalServerError, openai.UnprocessableEntityError):
                self._schema_mode = "json_object"
        return self._call(**kwargs, response_format={"type": "json_object", "schema": schema})

    def _call(self, raw_errors: bool = False, **kwargs):
        import openai

        try:
            return self.client.chat.completions.create(**kwargs)
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise LLMUnavailableError(f"Cannot reach the LLM endpoint at {self.base_url}: {exc}. Is the server running?") from exc
        except openai.AuthenticationError as exc:
            raise LLMUnavailableError(f"The LLM endpoint at {self.base_url} refused the API key (TUTOR_LLM_API_KEY).") from exc
        except openai.APIStatusError as exc:
            if raw_errors:
                raise
            raise LLMUnavailableError(f"The LLM endpoint at {self.base_url} answered HTTP {exc.status_code}: {str(exc)[:200]}") from exc
        except openai.APIResponseValidationError as exc:
            raise LLMResponseError(f"{self.base_url} answered something that is not a chat completion: {exc}") from exc

    def stream(
        self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.2, stop: list[str] | None = None
    ) -> Iterator[str]:
        chunks = self._call(
            model=self.model, messages=list(messages), temperature=temperature, stop=stop, stream=True, extra_body={"max_tokens": max_tokens}
        )
        import openai

        try:
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise LLMUnavailableError(f"The stream from {self.base_url} broke off: {exc}") from exc
        except (ValueError, openai.APIError) as exc:  # JSONDecodeError is a ValueError: the server sent garbage
            raise LLMResponseError(f"{self.base_url} streamed something that is not a chat completion ({exc.__class__.__name__}).") from exc
