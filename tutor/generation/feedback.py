"""Feedback on a learner's answer: exact grading for choices, rubric plus similarity for free text.

- Multiple choice is graded exactly: the learner may answer with the option text, its letter (A-D) or
  its number (1-4).
- Free text (short answer, fill-in-the-blank): a normalised exact match, or every content word of the
  key present in an answer not much longer than the key, is correct without asking anyone (a longer
  answer holding the key's words among many others is judged on meaning, below). Otherwise an embedding-similarity band
  sets a first verdict (>= 0.80 correct, >= 0.55 partly, else incorrect) and the model's rubric
  verdict may move it by one step at most, and raise it only when it says "correct": a small model can
  refine a verdict but not overturn it, and its hedge ("partly") lifts no wrong answer.
- The hint is Socratic and must not contain the key; a model hint that does (or none) is replaced by
  the `hint-fallback` text. The solution is attached only when the learner asks for it.
"""

from __future__ import annotations

from tutor.errors import ModelError
from tutor.generation.models import Exercise, Feedback, RubricDraft, Verdict
from tutor.generation.text import content_tokens, mentions, normalise
from tutor.llm.base import ChatModel
from tutor.llm.structured import generate_structured
from tutor.prompts import load_prompt

CORRECT_SIMILARITY = 0.80
PARTLY_SIMILARITY = 0.55
# The word-presence shortcut accepts an answer of at most twice the key's content words plus three
# ("the break statement ends the loop" for "break statement"), never a list of candidate words.
MAX_EXTRA_WORDS_FACTOR = 2
MAX_EXTRA_WORDS = 3
_ORDER: list[Verdict] = ["incorrect", "partly", "correct"]
_SCORE = {"incorrect": 0.0, "partly": 0.5, "correct": 1.0}


def choice_index(item: Exercise, answer: str) -> int | None:
    """Which option the learner chose: by text, by letter A-D, or by number 1-4."""
    text = normalise(answer)
    for i, option in enumerate(item.options):
        if text == normalise(option):
            return i
    if len(text) == 1 and "a" <= text <= chr(ord("a") + len(item.options) - 1):
        return ord(text) - ord("a")
    if text.isdigit() and 1 <= int(text) <= len(item.options):
        return int(text) - 1
    return None


def combine(band: Verdict, rubric: Verdict | None) -> Verdict:
    """The similarity band, moved at most one step towards the rubric's verdict; only a rubric that says
    "correct" may raise it. "partly" is how a small model hedges on a wrong answer: on the feedback suite the
    1.5B said "partly" to five wrong answers ("break" for continue, "it returns 0" for None) while its own
    misconception named the error, and it never said "partly" where raising would have been right."""
    if rubric is None:
        return band
    b, r = _ORDER.index(band), _ORDER.index(rubric)
    if r > b and rubric != "correct":
        return band
    return _ORDER[b + (r > b) - (r < b)]


def _gives_away(hint: str, key: str) -> bool:
    return not hint.strip() or mentions(hint, key)


class Grader:
    def __init__(self, model: ChatModel, *, embedder=None, max_retries: int = 1):
        self.model = model
        self.embedder = embedder
        self.max_retries = max_retries
        self.prompt = load_prompt("grade")

    def grade(self, item: Exercise, answer: str, *, reveal: bool = False) -> Feedback:
        if item.type == "mcq":
            feedback = self._grade_choice(item, answer)
        else:
            feedback = self._grade_text(item, answer)
        if feedback.verdict != "correct" and _gives_away(feedback.hint, item.answer):
            feedback.hint = self._fallback_hint(item)
        if reveal or feedback.verdict == "correct":
            feedback.solution = solution_text(item)
        feedback.item_id = item.id
        return feedback

    def _grade_choice(self, item: Exercise, answer: str) -> Feedback:
        index = choice_index(item, answer)
        correct = index is not None and normalise(item.options[index]) == normalise(item.answer)
        misconception = "" if correct or index is None else item.options[index]
        return Feedback(
            verdict="correct" if correct else "incorrect",
            score=1.0 if correct else 0.0,
            grader="exact",
            misconception=misconception,
            hint="" if correct else self._fallback_hint(item),
        )

    def _grade_text(self, item: Exercise, answer: str) -> Feedback:
        key_tokens = set(content_tokens(item.answer))
        answer_tokens = content_tokens(answer)
        # Word presence proves the answer only when it says little else: an answer stuffed with every word
        # the key might hold ("break continue pass return ...") is judged on meaning like any other.
        concise = len(answer_tokens) <= MAX_EXTRA_WORDS_FACTOR * len(key_tokens) + MAX_EXTRA_WORDS
        if normalise(answer) == normalise(item.answer) or (key_tokens and concise and key_tokens <= set(answer_tokens)):
            return Feedback(verdict="correct", score=1.0, grader="exact", similarity=1.0)
        similarity = self._similarity(item.answer, answer)
        band: Verdict = "correct" if similarity >= CORRECT_SIMILARITY else "partly" if similarity >= PARTLY_SIMILARITY else "incorrect"
        rubric = self._rubric(item, answer)
        verdict = combine(band, rubric.verdict if rubric else None)
        return Feedback(
            verdict=verdict,
            score=_SCORE[verdict],
            grader="rubric" if rubric else "similarity",
            misconception=rubric.misconception if rubric and verdict != "correct" else "",
            hint=rubric.hint if rubric else "",
            similarity=round(similarity, 4),
            prompt_id=self.prompt.id,
            prompt_version=self.prompt.version,
            model=self.model.name,
        )

    def _similarity(self, key: str, answer: str) -> float:
        if self.embedder is None or not answer.strip():
            return 0.0
        vectors = self.embedder.embed([key, answer])
        return float(vectors[0] @ vectors[1])

    def _rubric(self, item: Exercise, answer: str) -> RubricDraft | None:
        messages = self.prompt.render(question=item.question, key=item.answer, passage=item.source_text, answer=answer)
        try:
            return generate_structured(self.model, messages, RubricDraft, max_retries=self.max_retries, max_tokens=140, what="grading").value
        except ModelError:
            # Invalid drafts, or the endpoint down, slow past its timeout or answering garbage: the
            # similarity band alone still gives a verdict (the attempt is recorded), the hint falls back to the template.
            return None

    def _fallback_hint(self, item: Exercise) -> str:
        return course_hint(item)


def solution_text(item: Exercise) -> str:
    """The worked solution: the key, why, and where in the course."""
    return load_prompt("solution").render_text(answer=item.answer, explanation=item.explanation, source=item.source, section=item.section)


def _names_key(text: str, key: str) -> bool:
    """Whether `text` names the key or any content word of it ("Loops" names "for loop")."""
    return mentions(text, key) or bool(set(content_tokens(key)) & set(content_tokens(text)))


def course_hint(item: Exercise) -> str:
    """Where in the course to look, never the answer: the one hint the chat, practice and `tutor grade` give.

    A section title or file name that names the key, or any word of it ("break and continue", "loops.md"),
    is left out, and the hint points at the passage instead."""
    section = item.section or item.concept
    if _names_key(section, item.answer):
        section = ""
    source = item.source or item.course
    if _names_key(source, item.answer):
        source = "the passage this exercise comes from"
    return load_prompt("hint-fallback").render_text(section=section, source=source)
