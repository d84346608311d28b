"""One generation at a time only where it must be: two learners chatting through an OpenAI-compatible
endpoint are served at the same time, while the in-process llama.cpp model still takes one at a time.
Every call lands in the one call log with its prompt id and version, model, latency and tokens.

Before, the app put every backend behind one process-wide lock, so the endpoint requests below ran one
after the other (the first test failed)."""

from __future__ import annotations

import threading
import time

import pytest

from tutor.devservices import slow_chat_server
from tutor.services import tutoring

QUESTIONS = ("How do I stop a loop early?", "What does a for loop iterate over?")
SLOW_S = 1.5


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _turn(ctx, user, course, question, out: list) -> None:
    for _, turn in tutoring.answer(ctx, user, course, question):
        if turn is not None:
            out.append(turn)


def test_two_chat_turns_through_an_endpoint_overlap_and_are_logged(ctx, users, course):
    from tutor.llm.calllog import read_calls
    from tutor.llm.registry import CALL_LOG
    from tutor.prompts import load_prompt
    from tutor.services.context import ServiceContext

    with slow_chat_server("A break statement ends the loop at once [1].", seconds=SLOW_S) as server:
        settings = ctx.settings.model_copy(update={"llm": "openai", "llm_base_url": server.url, "llm_model": "slow"})
        endpoint_ctx = ServiceContext(settings)
        endpoint_ctx.__dict__["retriever"] = ctx.retriever  # share the loaded embedding model and store
        turns: list = []
        threads = [threading.Thread(target=_turn, args=(endpoint_ctx, users[name], course, q, turns))
                   for name, q in zip(("ada", "bob"), QUESTIONS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert len(turns) == 2 and len(server.requests) == 2
    assert _overlap(*server.requests), server.requests  # both requests were in flight at once
    calls = [c for c in read_calls(settings.home / CALL_LOG) if c["model"] == "openai:slow@" + server.url]
    assert len(calls) == 2 and all(c["ok"] for c in calls)
    explain = load_prompt("explain")
    assert {(c["prompt_id"], c["prompt_version"]) for c in calls} == {(explain.id, explain.version)}
    # The class dashboard reads the same log: calls per prompt version and model.
    from tutor.services import analytics

    (row,) = [r for r in analytics.model_calls(endpoint_ctx, users["teacher"]) if r["model"] == calls[0]["model"]]
    assert (row["prompt"], row["calls"], row["failed"]) == (f"explain v{explain.version}", 2, 0)
    assert all(c["kind"] == "stream" and c["latency_s"] > 0 and c["completion_tokens"] > 0 and c["first_token_s"] is not None
               for c in calls)


def test_the_endpoint_is_not_locked_but_the_in_process_model_is(tmp_path):
    from tutor.config import Settings
    from tutor.llm.registry import BACKENDS, build
    from tutor.llm.serialised import SerialisedChatModel

    endpoint = build(Settings(llm="openai", llm_base_url="http://127.0.0.1:9/v1", home=tmp_path))
    assert not isinstance(endpoint.inner, SerialisedChatModel)
    assert [name for name, b in BACKENDS.items() if b.in_process] == ["local"]


@pytest.mark.real_model
def test_the_in_process_model_still_generates_one_at_a_time(tmp_path):
    from tutor.config import Settings
    from tutor.llm.registry import build

    model = build(Settings(llm="local", home=tmp_path))
    spans: list[tuple[float, float]] = []
    messages = [{"role": "user", "content": "Name three Python loop statements."}]
    # Two streams started together: the second waits for the first to finish its last token.
    first_tokens: list[float] = []

    def run_and_mark():
        begun = time.monotonic()
        stream = model.stream(messages, max_tokens=24, temperature=0.0)
        next(stream)
        first_tokens.append(time.monotonic())
        list(stream)
        spans.append((begun, time.monotonic()))

    threads = [threading.Thread(target=run_and_mark) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(spans) == 2 and len(first_tokens) == 2
    ends = sorted(end for _, end in spans)
    # The later stream's first token came after the earlier stream had ended: no overlap in generation.
    assert max(first_tokens) >= ends[0] - 0.01
