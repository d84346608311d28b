"""Chat models behind one small interface: `local` (llama.cpp in-process), `openai` (any
OpenAI-compatible endpoint) and `fake` (tests). Call sites use `get_chat_model()` and never import a
vendor SDK."""

from tutor.llm.base import ChatModel, Completion, Message, get_chat_model

__all__ = ["ChatModel", "Completion", "Message", "get_chat_model"]
