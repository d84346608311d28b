"""The Gradio tabs' own code, run the way Gradio runs it: values go through each component's
preprocess/postprocess, so a handler sees what it sees in the browser (a Chatbot's history comes back
as message dicts whose content is a list of parts, not the string we sent). Fake LLM, real retrieval."""

from __future__ import annotations

import unicodedata

import gradio as gr
import pytest


@pytest.fixture
def demo(ctx, course):
    from tutor.app.ui import build

    return build(ctx, accounts=False)


def _handler(demo: gr.Blocks, name: str):
    found = [f for f in demo.fns.values() if f.name == name]
    assert found, f"no event handler named {name}"
    return found[0].fn


def _as_gradio_returns_it(history: list[dict]) -> list[dict]:
    chatbot = gr.Chatbot()
    return chatbot.preprocess(chatbot.postprocess(history))


def test_explain_more_simply_asks_the_last_question_again(demo):
    history = _as_gradio_returns_it([{"role": "user", "content": "How do I stop a loop early?"},
                                     {"role": "assistant", "content": "Use break."}])
    assert not isinstance(history[0]["content"], str)  # what made the button fail: content is a list of parts
    outputs = list(_handler(demo, "ask_simpler")("", history, {}, "py", None))
    final, _, _ = outputs[-1]
    assert final[-2] == {"role": "user", "content": "How do I stop a loop early?"}
    assert final[-1]["role"] == "assistant" and "Sources" in final[-1]["content"]


def test_explain_more_simply_before_any_question_says_what_to_do(demo):
    with pytest.raises(gr.Error, match="Ask a question first"):
        list(_handler(demo, "ask_simpler")("", [], {}, "py", None))


@pytest.mark.parametrize("content, text", [
    ("plain", "plain"),
    ([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "a\nb"),
    ({"type": "text", "text": "one"}, "one"),
    ([{"type": "file", "file": {"path": "/x.png"}}], ""),
])
def test_message_text_reads_every_content_shape(content, text):
    from tutor.app.tabs.chat import message_text

    assert message_text(content) == text


def _pictographs(label: str) -> list[str]:
    # Emoji are "Symbol, other" (So) and mostly outside the Basic Multilingual Plane; a machine without an
    # emoji font draws them as empty boxes.
    return [ch for ch in label if unicodedata.category(ch) == "So" or ord(ch) > 0xFFFF]


def test_every_button_says_what_it_does_in_words(demo):
    buttons = [b for b in demo.blocks.values() if isinstance(b, gr.Button)]
    assert len(buttons) > 20
    for button in buttons:
        label = str(button.value or "")
        assert any(ch.isalpha() for ch in label), f"button {button.elem_id or label!r} has no words"
        assert not _pictographs(label), f"button {button.elem_id!r} is drawn with emoji {label!r}"
