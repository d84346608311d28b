"""The one retry policy: how many times a model call is tried again, read from one setting.

`RetryPolicy.from_settings` is the only reader of TUTOR_LLM_MAX_RETRIES (a test holds it to that), and
every caller (the chat, practice, the question bank, the CLI, the evals) asks it, so `tutor explain` and
the chat re-ask the same number of times:
- `transport`: an endpoint call that failed (connection error, timeout, 408/409/429/5xx), retried by the
  OpenAI client itself;
- `batch`: re-asks after invalid output when nobody is waiting on the answer (question-bank generation,
  `tutor quiz`, practice writing a missing item);
- `interactive`: re-asks while a learner waits (an explanation, grading a typed answer): at most one, as
  each try costs seconds on 2 cores and a checked fallback (extractive answer, similarity band) exists.
A streamed chat answer is never re-asked: the learner has already read it (it is replaced instead).
"""

from __future__ import annotations

from dataclasses import dataclass

INTERACTIVE_CAP = 1


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2

    @classmethod
    def from_settings(cls, settings) -> "RetryPolicy":
        return cls(int(settings.llm_max_retries))

    @property
    def transport(self) -> int:
        return self.max_retries

    @property
    def batch(self) -> int:
        return self.max_retries

    @property
    def interactive(self) -> int:
        return min(self.max_retries, INTERACTIVE_CAP)
