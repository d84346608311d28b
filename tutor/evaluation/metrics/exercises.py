"""Exercise metrics: answer-key support, blind second-pass agreement, distractor plausibility, duplicates.

- Key support: the key's content words are (>= 75%, the verifier's own bar) in the item's source passage.
- Blind second pass: a deterministic solver answers the item without seeing the key, from course
  passages retrieved for the question alone (see `blind_answer`); the item is agreed when the solver's
  answer equals the key. Shortcut: the solver is lexical, not a second model, so it checks that the key
  is recoverable from the course text the question points at; a model-based solver could be added as
  the judge is (beside, not instead).
- Distractor plausibility: a distractor is plausible when it is a term the course itself uses and it is
  of the key's kind (code beside code, prose beside prose); invented or mismatched options are not.
- Duplicates: items whose question+answer are near-copies (character similarity >= 0.9) of an earlier one.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from tutor.evaluation.metrics import Score, share
from tutor.generation.text import lexical_support, near_duplicate, normalise

KEY_SUPPORT = 0.75
BLANK = "____"
_CODE_CHARS = re.compile(r"[()\[\]{}_.=:<>+*/%\"'#]|^[a-z]+[0-9]*$")


def key_support(answer: str, source_text: str, threshold: float = KEY_SUPPORT) -> Score:
    support = lexical_support(answer, source_text)
    return Score(1.0 if support >= threshold else 0.0, f"{support:.0%} of the key's content words in its passage (needs {threshold:.0%})")


def is_code(term: str) -> bool:
    """Code-like: punctuation of code, or a single lowercase identifier such as `break`."""
    return bool(_CODE_CHARS.search(term.strip().strip("`")))


def blind_answer(item: dict, passages: Sequence[str]) -> str | None:
    """Answer an item from retrieved passages without its key; None when the solver cannot decide.

    MCQ: the option with the most support in the passages (a tie is no answer). Fill-in-the-blank: the
    words between the blank's left and right context in a passage. Short answer: the key's words are
    not known, so the solver returns the passage sentence closest to the question, and agreement is
    then judged as "the key is contained in it" by `blind_agrees`.
    """
    text = " ".join(passages).replace("`", "")
    if item.get("type") == "mcq":
        scores = [(lexical_support(opt, text) + (normalise(opt) in normalise(text)), opt) for opt in item.get("options", [])]
        if not scores:
            return None
        scores.sort(key=lambda s: -s[0])
        if len(scores) > 1 and scores[0][0] == scores[1][0]:
            return None
        return scores[0][1]
    question = item.get("question", "").replace("`", "")
    if item.get("type") == "fill_blank" and BLANK in question:
        left, right = question.split(BLANK, 1)
        left_words, right_words = left.split()[-3:], right.split()[:2]
        pattern = r"\s+".join(map(re.escape, left_words)) + r"\s+(.{1,40}?)" + (r"\s*" + r"\s+".join(map(re.escape, right_words)) if right_words else r"[\s.,;]")
        match = re.search(pattern, text, re.IGNORECASE)
        return match.group(1).strip() if match else None
    sentences = re.split(r"(?<=[.!?])\s+", text)
    best = max(sentences, key=lambda s: lexical_support(question, s), default="")
    return best or None


def blind_agrees(item: dict, answer: str | None) -> Score:
    key = item.get("answer", "")
    if answer is None:
        return Score(0.0, "the blind pass could not answer")
    if item.get("type") == "short_answer":
        ok = lexical_support(key, answer) >= KEY_SUPPORT
        return Score(float(ok), f"key {'found' if ok else 'not found'} in the best passage sentence")
    ok = normalise(answer) == normalise(key)
    return Score(float(ok), f"blind answer '{answer[:40]}' vs key '{key[:40]}'")


def distractor_plausibility(key: str, options: Sequence[str], course_text: str) -> Score:
    distractors = [o for o in options if normalise(o) != normalise(key)]
    if not distractors:
        return Score(None, "not a multiple-choice item")
    course = normalise(course_text.replace("`", ""))
    plausible = [
        d for d in distractors
        if normalise(d.replace("`", "")) in course and is_code(d) == is_code(key)
    ]
    return Score(len(plausible) / len(distractors), f"{len(plausible)}/{len(distractors)} distractors are course terms of the key's kind")


def duplicate_rate(items: Iterable[dict]) -> Score:
    fingerprints = [f"{i.get('question', '')} {i.get('answer', '')}" for i in items]
    if not fingerprints:
        return Score(None, "no items")
    dups = [n for n, fp in enumerate(fingerprints) if any(near_duplicate(fp, earlier) for earlier in fingerprints[:n])]
    return Score(len(dups) / len(fingerprints), f"{len(dups)}/{len(fingerprints)} items repeat an earlier one")


def parse_rate(parsed: int, attempts: int) -> Score:
    if attempts == 0:
        return Score(None, "no model completion (all items came from the fallback)")
    return Score(parsed / attempts, f"{parsed}/{attempts} completions parsed into the draft schema")


def schema_validity(objects: Sequence[dict], model) -> Score:
    """Share of objects that validate against a pydantic model."""
    from pydantic import ValidationError

    def valid(obj: dict) -> bool:
        try:
            model.model_validate(obj)
            return True
        except ValidationError:
            return False

    return share([valid(o) for o in objects], "objects valid against the schema")


