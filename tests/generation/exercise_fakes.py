"""A fake model for exercise tests: it serves the drafts it is given, and its blind reading agrees with them."""

from __future__ import annotations

import json

from tutor.llm.fake import FakeChatModel


def is_blind_reading(messages) -> bool:
    """Whether a request is the blind second reading (prompts/exercise-check), not a request for a draft."""
    return messages[0]["content"].startswith("You are a careful learner taking a quiz")


def agreeing_writer(*drafts: str) -> FakeChatModel:
    """Serves the drafts in order; the blind reading names the key of the draft it reads."""
    queue, last = list(drafts), {}

    def reply(messages):
        if is_blind_reading(messages):
            return json.dumps({"answer": last["answer"]})
        last.update(json.loads(queue[0]))
        return queue.pop(0)

    return FakeChatModel(default=reply)
