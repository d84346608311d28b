"""Chat models behind one small interface, standing alone (no settings object, no other layer):

- `base`: the message and completion types and the `ChatModel` protocol (imports nothing of the project);
- `registry`: the one table of backends (`local`: llama.cpp in-process, `openai`: any OpenAI-compatible
  endpoint, `fake`: tests) that settings and eval suites read their names from, and `get_chat_model`;
- wrappers every model built by the registry wears: `serialised` (one generation at a time, only for the
  in-process model), `calllog` (every call logged: prompt id and version, model, latency, tokens), and
  `cache` (completions cached on disk, for the evals);
- `structured`: pydantic output with a grammar and a bounded re-ask; `retry`: the one retry policy.
"""

from tutor.llm.base import ChatModel, Completion, Message, PromptMessages

__all__ = ["ChatModel", "Completion", "Message", "PromptMessages"]
