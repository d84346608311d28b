"""LLM-as-judge: a rubric prompt (prompts/judge-explanation) scores an answer 1-5 with a reason.

Used only when a judge endpoint is configured (TUTOR_JUDGE_BASE_URL, optional TUTOR_JUDGE_MODEL and
TUTOR_JUDGE_API_KEY) and the suite names a judge prompt. Its scores go in a separate `judge` field of
each case line and of the summary: reported beside the automatic metrics, never gating, never instead.
The judge's own calls go through the same cache as the model under test.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tutor.errors import ModelError
from tutor.evaluation.metrics import Score


class JudgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TUTOR_JUDGE_", env_file=".env", extra="ignore")

    base_url: str | None = None
    model: str = "default"
    api_key: str = "not-needed"


class JudgeDraft(BaseModel):
    score: Literal[1, 2, 3, 4, 5]
    reason: str = Field(max_length=200)


def judge_model():
    """The configured judge endpoint as a ChatModel, or None when no judge is configured."""
    settings = JudgeSettings()
    if not settings.base_url:
        return None
    from tutor.llm.openai_compat import OpenAIChatModel

    return OpenAIChatModel(base_url=settings.base_url, api_key=settings.api_key, model=settings.model)


def judge_answer(model, prompt_id: str, question: str, answer: str, passages: list[str]) -> Score:
    """The judge's score scaled to [0, 1] ((score - 1) / 4) with its reason; None when it gave none."""
    from tutor.llm.structured import generate_structured
    from tutor.prompts import load_prompt

    messages = load_prompt(prompt_id).render(question=question, answer=answer, passages=passages)
    try:
        draft = generate_structured(model, messages, JudgeDraft, max_retries=1, max_tokens=120, temperature=0.0, what="judge").value
    except ModelError as exc:
        return Score(None, f"judge gave no valid score: {exc}")
    return Score((draft.score - 1) / 4, f"{draft.score}/5: {draft.reason}")
