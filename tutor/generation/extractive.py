"""The deterministic exercise generator: cloze and multiple choice built from course sentences.

When the model cannot produce a valid item, this one always can (given a passage with a marked term),
so even the tiny default model yields valid exercises. Shortcuts taken:
- key terms are the course's inline-code spans (`break`, `range()`), which in a programming course
  are the facts worth asking; prose-only sentences are skipped;
- a term is blanked only where it occurs once in its sentence, so there is exactly one blank;
- distractors are other terms of the course, same concept first, then the ones most similar to the
  key (embeddings when available; otherwise a stable hash order), never one that occurs in the
  sentence or overlaps the key, so exactly one option fits;
- the order of options is a stable hash of the item, so the same course gives the same quiz.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from tutor.generation.models import BLANK, Exercise, ItemType
from tutor.generation.text import code_terms, normalise, sentences
from tutor.retrieval.documents import Passage
from tutor.prompts import load_prompt


@dataclass(frozen=True)
class Term:
    text: str
    concept: str


# Generation works from the retrieval layer's one passage type (a search result or a stored chunk).
SourcePassage = Passage


def term_pool(passages: Iterable[SourcePassage]) -> list[Term]:
    seen: dict[str, Term] = {}
    for passage in passages:
        for term in code_terms(passage.text):
            seen.setdefault(normalise(term), Term(term, passage.concept))
    return list(seen.values())


def _stable(*parts: str) -> int:
    return int(hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:8], 16)


def _blank(sentence: str, term: str) -> str | None:
    """The sentence with its one occurrence of `term` (in backticks) replaced by the blank."""
    marked = f"`{term}`"
    if sentence.count(marked) != 1 or sentence.count(term) != 1:
        return None
    return sentence.replace(marked, BLANK)


def _distractors(answer: str, sentence: str, concept: str, pool: Sequence[Term], embedder, k: int = 3) -> list[str]:
    key = normalise(answer)
    low = normalise(sentence)
    candidates = []
    for term in pool:
        norm = normalise(term.text)
        if not norm or norm == key or norm in key or key in norm or norm in low:
            continue
        candidates.append(term)
    if len(candidates) < k:
        return []
    if embedder is not None:
        vectors = embedder.embed([answer] + [t.text for t in candidates])
        similarity = (vectors[1:] @ vectors[0]).tolist()
    else:
        similarity = [0.0] * len(candidates)
    ranked = sorted(
        zip(candidates, similarity),
        key=lambda cs: (cs[0].concept != concept, -round(cs[1], 4), _stable(answer, cs[0].text)),
    )
    chosen: list[str] = []
    for term, _ in ranked:
        if all(normalise(term.text) not in normalise(c) and normalise(c) not in normalise(term.text) for c in chosen):
            chosen.append(term.text)
        if len(chosen) == k:
            break
    return chosen if len(chosen) == k else []


def extractive_items(
    passage: SourcePassage,
    item_type: ItemType,
    pool: Sequence[Term],
    *,
    embedder=None,
    used_answers: set[str] | frozenset = frozenset(),
    difficulty: str = "easy",
) -> Iterable[Exercise]:
    """Every item of `item_type` this passage yields, in order (the caller takes the first that verifies)."""
    question_prompt = load_prompt("extractive-question")
    explanation_prompt = load_prompt("extractive-explanation")
    for sentence in sentences(passage.text):
        for term in code_terms(sentence):
            if normalise(term) in used_answers or len(term) < 2:
                continue
            blanked = _blank(sentence, term)
            if blanked is None:
                continue
            options: list[str] = []
            if item_type == "mcq":
                distractors = _distractors(term, sentence, passage.concept, pool, embedder)
                if not distractors:
                    continue
                options = list(distractors)
                options.insert(_stable(passage.id, term) % 4, term)
            question = question_prompt.render_text(
                item_type=item_type, sentence=blanked, concept_title=passage.concept_title or passage.concept
            )
            explanation = explanation_prompt.render_text(
                sentence=re.sub(r"\s+", " ", sentence), source=passage.source, section=passage.section
            )
            yield Exercise(
                type=item_type,
                question=question,
                options=options,
                answer=term,
                explanation=explanation,
                difficulty=difficulty,
                course=passage.course,
                concept=passage.concept,
                source_id=passage.id,
                source_text=passage.text,
                source=passage.source,
                section=passage.section,
                origin="extractive",
                prompt_id=question_prompt.id,
                prompt_version=question_prompt.version,
                model="extractive",
            )
