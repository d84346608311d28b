"""Learner tab "Chat": ask the tutor (streamed), ask again more simply, rate an answer, what next, a hint."""

from __future__ import annotations

import gradio as gr

from tutor.services import practice, tutoring
from tutor.services.context import ServiceContext
from tutor.app.tabs import UserOf
from tutor.app.tabs.guards import guard, guard_stream
from tutor.errors import InvalidInputError


def message_text(content) -> str:
    """The text of a chat message as the Chatbot hands it back. Gradio's message format gives `content`
    as a list of parts ({"type": "text", "text": ...}, files, components), not the string we sent it."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or "")
    if isinstance(content, (list, tuple)):
        return "\n".join(t for t in (message_text(part) for part in content) if t)
    return ""


def build(ctx: ServiceContext, user_of: UserOf, *, course: gr.Dropdown, presented: gr.State, turns: gr.State) -> gr.Button:
    """The tab and its events. Returns the "Quiz me" button: the Practice tab wires it to its own outputs."""
    with gr.Tab("Chat", id="chat"):
        chatbot = gr.Chatbot(label="Tutor", height=420, elem_id="chatbot", sanitize_html=True)
        with gr.Row():
            question = gr.Textbox(label="Your question", placeholder="Ask about the course…", scale=5, elem_id="question")
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
        with gr.Row():
            quiz_btn = gr.Button("Quiz me", elem_id="quiz-me")
            simpler_btn = gr.Button("Explain more simply", elem_id="simpler")
            hint_btn = gr.Button("Give me a hint", elem_id="chat-hint")
            next_btn = gr.Button("What next?", elem_id="what-next")

    @guard_stream
    def ask(message, history, turn_ids, course_id, request: gr.Request, simpler=False):
        user = user_of(request)
        history = list(history or [])
        if simpler:
            asked = [m for m in history if m["role"] == "user"]
            if not asked:
                raise InvalidInputError("Ask a question first; then I can explain it more simply.")
            message = message_text(asked[-1]["content"])
        history += [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        yield history, turn_ids, ""
        for shown, turn in tutoring.answer(ctx, user, course_id, message, simpler=simpler):
            history[-1] = {"role": "assistant", "content": shown}
            if turn is not None:
                turn_ids = dict(turn_ids) | {len(history) - 1: turn.event_id}
            yield history, turn_ids, ""

    send.click(ask, [question, chatbot, turns, course], [chatbot, turns, question], concurrency_limit=4)
    question.submit(ask, [question, chatbot, turns, course], [chatbot, turns, question], concurrency_limit=4)

    @guard_stream
    def ask_simpler(message, history, turn_ids, course_id, request: gr.Request):
        yield from ask.__wrapped__(message, history, turn_ids, course_id, request, simpler=True)

    simpler_btn.click(ask_simpler, [question, chatbot, turns, course], [chatbot, turns, question])

    @guard
    def on_like(turn_ids, data: gr.LikeData, request: gr.Request):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        event_id = (turn_ids or {}).get(index)
        if event_id is None:
            raise InvalidInputError("Only the tutor's answers can be rated.")
        tutoring.rate(ctx, user_of(request), event_id, bool(data.liked))
        gr.Info("Thanks: your rating was stored.")

    chatbot.like(on_like, [turns], None)

    @guard
    def what_next(history, course_id, request: gr.Request):
        text = tutoring.what_next(ctx, user_of(request), course_id)
        return list(history or []) + [{"role": "user", "content": "What next?"}, {"role": "assistant", "content": text}]

    next_btn.click(what_next, [chatbot, course], [chatbot])

    @guard
    def chat_hint(history, shown, request: gr.Request):
        if shown is None:
            text = "Press **Quiz me** first: the hint is for the exercise on the Practice tab."
        else:
            text = practice.hint(ctx, user_of(request), shown)
        return list(history or []) + [{"role": "user", "content": "Give me a hint"}, {"role": "assistant", "content": text}], shown

    hint_btn.click(chat_hint, [chatbot, presented], [chatbot, presented])
    return quiz_btn
