"""The typed contracts of generation: what goes in, what the model may write, what comes out.

`*Draft` models are what the LLM is asked to produce: every string has a max_length and every bounded
choice is a Literal, because the local grammar enforces exactly those (FACTS.md). The public models
(`Explanation`, `Exercise`, `Feedback`) add what the tutor knows and the model must not invent:
source passage ids, citations, the prompt id and version, the model name.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ItemType = Literal["mcq", "short_answer", "fill_blank"]
Difficulty = Literal["easy", "medium", "hard"]
Verdict = Literal["correct", "partly", "incorrect"]
BLANK = "____"


Origin = Literal["model", "extractive", "no_context"]
# The short label the app shows under everything it serves, so a learner knows who wrote it.
ORIGIN_LABELS: dict[str, str] = {
    "model": "written by the tutor's model, checked against your course",
    "extractive": "quoted from your course",
    "no_context": "not found in your course",
}


class LearnerProfile(BaseModel):
    level: Literal["beginner", "intermediate", "advanced"] = "beginner"
    language: str = "English"
    known_concepts: list[str] = Field(default_factory=list)


# -- Explanation -------------------------------------------------------------------------------


class Citation(BaseModel):
    n: int
    passage_id: str
    source: str
    section: str
    page: int | None = None
    text: str


class Explanation(BaseModel):
    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    grounded: bool = Field(description="False when retrieval found nothing relevant and the tutor said so.")
    origin: Literal["model", "extractive", "no_context"] = "model"
    prompt_id: str
    prompt_version: int
    model: str
    supported_share: float | None = Field(None, description="Share of the model's sentences a passage supports (the rest were not shown).")

    def as_json(self) -> dict:
        return {
            "text": self.text,
            "citations": [c.model_dump(include={"n", "source", "section", "page", "text"}) for c in self.citations],
            "origin": self.origin,
            "prompt_id": self.prompt_id,
            "prompt_version": self.prompt_version,
            "model": self.model,
        }


# -- Exercises: what the model writes ------------------------------------------------------------


# Length caps keep the longest grammar-valid draft under the generation's max_tokens, so a draft is
# never cut off mid-string (that was the one way a grammar-constrained reply still failed to parse).
class MCQDraft(BaseModel):
    question: str = Field(max_length=120)
    options: list[str] = Field(min_length=4, max_length=4, json_schema_extra={"items": {"type": "string", "maxLength": 40}})
    answer_index: Literal[0, 1, 2, 3]
    explanation: str = Field(max_length=120)
    difficulty: Difficulty


class ShortAnswerDraft(BaseModel):
    question: str = Field(max_length=120)
    answer: str = Field(max_length=40)
    explanation: str = Field(max_length=120)
    difficulty: Difficulty


class FillBlankDraft(BaseModel):
    sentence: str = Field(max_length=160, description=f"A sentence from the passage with one key term replaced by {BLANK}.")
    answer: str = Field(max_length=40)
    explanation: str = Field(max_length=120)
    difficulty: Difficulty


DRAFTS: dict[str, type[BaseModel]] = {"mcq": MCQDraft, "short_answer": ShortAnswerDraft, "fill_blank": FillBlankDraft}


class ChosenItem(BaseModel):
    """What the model writes around the course sentences the tutor offered: which sentence, the question,
    which of that sentence's candidate terms answers it, and the explanation. The grammar narrows `fact`
    and `answer` to the values of this request (tutor/generation/exercises.choice_schema); the wrong options
    are the tutor's (candidate terms of the course), so `wrong_options` is only read from older drafts."""

    fact: int = Field(ge=1)
    question: str = Field("", max_length=160)
    answer: str = Field("", max_length=60)
    wrong_options: list[str] = Field(default_factory=list, max_length=3)
    full_sentence: str = Field(max_length=260, description="The fact stated in full: the item's explanation.")


# -- Exercises: what the tutor keeps ---------------------------------------------------------------


class Exercise(BaseModel):
    id: str | None = None
    type: ItemType
    question: str
    options: list[str] = Field(default_factory=list)
    answer: str
    explanation: str
    difficulty: Difficulty
    course: str
    concept: str
    source_id: str
    source_text: str
    source: str = ""
    section: str = ""
    origin: Literal["model", "extractive"]
    attempts: int = 0
    prompt_id: str
    prompt_version: int
    model: str

    @classmethod
    def from_passage(cls, passage, **fields) -> "Exercise":
        """An item asked about `passage` (any object with the retrieval Passage's fields): where it came from is
        copied from the passage, so the model's items and the extractive ones record their source alike."""
        return cls(course=passage.course, concept=passage.concept, source_id=passage.id, source_text=passage.text,
                   source=passage.source, section=passage.section, **fields)

    def as_json(self) -> dict:
        return self.model_dump(
            include={"id", "type", "question", "options", "answer", "explanation", "difficulty", "source_id", "source_text", "concept", "origin"}
        )


class ExerciseBatch(BaseModel):
    items: list[Exercise]
    stats: dict = Field(default_factory=dict, description="Counts for the benchmark: first-try, after retries, fallback, parse failures.")


# -- Feedback ----------------------------------------------------------------------------------------


class RubricDraft(BaseModel):
    """The model's rubric judgement of a free-text answer."""

    verdict: Verdict
    misconception: str = Field(max_length=100)
    hint: str = Field(max_length=100)


class Feedback(BaseModel):
    item_id: str | None = None
    verdict: Verdict
    score: float = Field(ge=0, le=1)
    grader: Literal["exact", "rubric", "similarity"]  # similarity: the rubric model was unavailable
    misconception: str = ""
    hint: str = ""
    solution: str | None = Field(None, description="Only when the learner asked for it.")
    similarity: float | None = None
    prompt_id: str | None = None
    prompt_version: int | None = None
    model: str | None = None
