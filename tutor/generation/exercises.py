"""Exercises for a concept (or across a course): model drafts, verified, with a deterministic fallback.

For each slot of the quiz the generator takes the next unused passage (one concept's chunks, or the
course's concepts in turn), asks the model for a draft of the slot's type under a JSON-schema grammar,
converts it to an `Exercise`, and runs the verifier inside the bounded re-ask loop. When the model
gives up, the extractive generator writes the item from the same passage; when that passage has no
usable term either, the slot moves on to the next passage. Every item therefore comes from a
different passage, which is how a batch covers different facts.
"""

from __future__ import annotations

from itertools import cycle
from typing import Sequence

from tutor.errors import GenerationError, ModelError, NotFoundError
from tutor.generation.extractive import SourcePassage, extractive_items, term_pool
from tutor.generation.models import DRAFTS, Exercise, ExerciseBatch, FillBlankDraft, ItemType, MCQDraft
from tutor.generation.text import code_terms, normalise, sentences
from tutor.generation.verifier import verify
from tutor.llm.base import ChatModel
from tutor.llm.structured import generate_structured
from tutor.prompts import load_prompt

DEFAULT_TYPES: tuple[ItemType, ...] = ("mcq", "short_answer", "fill_blank")
# A token is at least one character, and SmolLM2 sometimes degenerates into one-character tokens
# ("1.1.1.1..." options): at 220 tokens such a draft was cut mid-string (2 of 36 drafts in a
# diagnostic, the parse failures of the benchmark). The longest grammar-valid draft is about 520
# characters (length caps + keys + single spaces), so 640 tokens always reach the closing brace;
# a normal draft stops far earlier, so this only costs time when the model rambles.
MAX_TOKENS = 640
MODEL_PASSAGES_PER_SLOT = 1  # the model tries one passage per slot; after that only the fallback runs (each try costs seconds)
DIFFICULTY_BY_TYPE = {"mcq": "easy", "fill_blank": "easy", "short_answer": "medium"}


def course_passages(retriever, course: str, concept: str | None = None) -> list[SourcePassage]:
    """The course's chunks as passages: one concept's in order, or all concepts interleaved."""
    collection = retriever.collection(course)
    passages = sorted(retriever.store.rows(collection), key=lambda p: (p.source, p.position))
    by_concept: dict[str, list[SourcePassage]] = {}
    for passage in passages:
        by_concept.setdefault(passage.concept, []).append(passage)
    if concept is not None:
        if concept not in by_concept:
            raise NotFoundError(f"Course '{course}' has no concept '{concept}'. Its concepts: {', '.join(by_concept)}.")
        return by_concept[concept]
    interleaved: list[SourcePassage] = []
    queues = [list(ps) for ps in by_concept.values()]
    while any(queues):
        for queue in queues:
            if queue:
                interleaved.append(queue.pop(0))
    return interleaved


def _usable(passage: SourcePassage) -> bool:
    """A passage worth asking about: it has prose sentences, one of them with a marked course term."""
    return any(code_terms(s) for s in sentences(passage.text))


class ExerciseGenerator:
    def __init__(self, model: ChatModel, *, embedder=None, max_retries: int = 2):
        self.model = model
        self.embedder = embedder
        self.max_retries = max_retries
        self.prompt = load_prompt("exercise")

    def generate(
        self,
        passages: Sequence[SourcePassage],
        n: int = 3,
        types: Sequence[ItemType] = DEFAULT_TYPES,
        pool_passages: Sequence[SourcePassage] | None = None,
    ) -> ExerciseBatch:
        """n verified items from `passages` (terms for distractors come from `pool_passages`, default the same)."""
        pool = term_pool(pool_passages or passages)
        candidates = [p for p in passages if _usable(p)] or list(passages)
        if not candidates:
            raise NotFoundError("There is no course text to write exercises from.")
        stats = {"items": 0, "first_try": 0, "after_retries": 0, "fallback": 0, "completions": 0, "parsed": 0, "unfilled": 0}
        items: list[Exercise] = []
        used_passages: set[str] = set()
        type_cycle = cycle(types)
        for _ in range(n):
            item_type = next(type_cycle)
            item = self._fill_slot(item_type, candidates, used_passages, items, pool, stats)
            if item is None:
                stats["unfilled"] += 1
                continue
            used_passages.add(item.source_id)
            items.append(item)
        stats["items"] = len(items)
        return ExerciseBatch(items=items, stats=stats)

    def _fill_slot(self, item_type, candidates, used_passages, peers, pool, stats) -> Exercise | None:
        # Prefer passages not used yet; when a short concept runs out, reuse (the verifier still refuses repeats).
        order = [p for p in candidates if p.id not in used_passages] + [p for p in candidates if p.id in used_passages]
        for index, passage in enumerate(order):
            # After the endpoint failed once in this batch, every slot goes straight to the fallback: asking
            # again would cost each slot a full timeout for the same answer.
            if index < MODEL_PASSAGES_PER_SLOT and "model_failure" not in stats:
                item = self._from_model(item_type, passage, peers, stats)
                if item is not None:
                    return item
            used_answers = {normalise(p.answer) for p in peers if p.source_id == passage.id}
            for candidate in extractive_items(passage, item_type, pool, embedder=self.embedder, used_answers=used_answers):
                if not verify(candidate, peers, self.embedder):
                    stats["fallback"] += 1
                    return candidate
        return None

    def _from_model(self, item_type: ItemType, passage: SourcePassage, peers, stats) -> Exercise | None:
        difficulty = DIFFICULTY_BY_TYPE[item_type]
        messages = self.prompt.render(
            item_type=item_type, passage=passage.text, concept_title=passage.concept_title or passage.concept, difficulty=difficulty
        )
        log: list[dict] = []
        try:
            result = generate_structured(
                self.model,
                messages,
                DRAFTS[item_type],
                max_retries=self.max_retries,
                max_tokens=MAX_TOKENS,
                check=lambda draft: verify(self._to_exercise(draft, item_type, passage, 0), peers, self.embedder),
                what=f"{item_type} exercise",
                log=log,
            )
        except GenerationError:
            return None
        except ModelError as exc:  # the model is down or talks garbage (GenerationError: caught above)
            stats["model_failure"] = str(exc)  # callers say so; the extractive generator writes the items
            return None
        finally:
            stats["completions"] += len(log)
            stats["parsed"] += sum(entry["parsed"] for entry in log)
            rejections = stats.setdefault("rejections", {})
            for entry in log:  # why drafts were refused, by kind (details in brackets dropped), for the benchmark
                for problem in entry["problems"]:
                    kind = problem.split(" (")[0].split(":")[0]
                    rejections[kind] = rejections.get(kind, 0) + 1
        stats["first_try" if result.attempts == 1 else "after_retries"] += 1
        return self._to_exercise(result.value, item_type, passage, result.attempts)

    def _to_exercise(self, draft, item_type: ItemType, passage: SourcePassage, attempts: int) -> Exercise:
        options: list[str] = []
        if isinstance(draft, MCQDraft):
            question, options, answer = draft.question, [o.strip() for o in draft.options], draft.options[draft.answer_index].strip()
        elif isinstance(draft, FillBlankDraft):
            question, answer = draft.sentence, draft.answer.strip()
        else:
            question, answer = draft.question, draft.answer.strip()
        return Exercise(
            type=item_type,
            question=question.strip(),
            options=options,
            answer=answer.strip("`"),
            explanation=draft.explanation.strip(),
            difficulty=draft.difficulty,
            course=passage.course,
            concept=passage.concept,
            source_id=passage.id,
            source_text=passage.text,
            source=passage.source,
            section=passage.section,
            origin="model",
            attempts=attempts,
            prompt_id=self.prompt.id,
            prompt_version=self.prompt.version,
            model=self.model.name,
        )
