"""Turn a TutorError raised by a handler into Gradio's error toast (one readable line), never a stack trace.

Both keep the wrapped function's name (functools.wraps): Gradio names the endpoint after it.
"""

from __future__ import annotations

import functools

import gradio as gr

from tutor.errors import TutorError


def guard(fn):
    """Show a TutorError as Gradio's error toast (one readable line), never a stack trace."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TutorError as exc:
            raise gr.Error(str(exc)) from exc

    return wrapper


def guard_stream(fn):
    """`guard` for a generator handler (a streamed chat answer)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            yield from fn(*args, **kwargs)
        except TutorError as exc:
            raise gr.Error(str(exc)) from exc

    return wrapper
