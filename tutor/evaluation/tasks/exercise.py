"""Exercise generation: the tutor's ExerciseGenerator writes n items for a concept; scored for structure
(parse rate of model drafts, schema validity of items), the verifier, key support, a blind second pass,
distractor plausibility, duplicates, and how many items the model (not the fallback) wrote.

Params: n (items per concept, default 3), max_retries (re-asks per draft; default: the tutor's batch retry policy, tutor.llm.retry).
The verifier is re-run at scoring time without embeddings (lexical checks only), so `tutor eval score`
judges outputs from elsewhere the same way.
"""

from __future__ import annotations

from pydantic import Field

from tutor.evaluation.metrics import Score, mean, share
from tutor.evaluation.metrics.exercises import blind_agrees, blind_answer, distractor_plausibility, duplicate_rate, key_support, parse_rate, schema_validity
from tutor.evaluation.tasks.base import Case, Task

BLIND_PASSAGES = 3


class ExerciseCase(Case):
    concept: str = Field(min_length=1)
    n: int | None = Field(None, ge=1, le=10)


def _all_passages(ctx):
    if "passages" not in ctx.memo:
        from tutor.generation.exercises import course_passages

        ctx.memo["passages"] = course_passages(ctx.retriever, ctx.course)
    return ctx.memo["passages"]


class ExerciseTask(Task):
    name = "exercise"
    case_model = ExerciseCase
    main_prompt = "exercise"
    verdict = ("verifier_pass", 1.0)

    def produce(self, case: dict, ctx) -> dict:
        from tutor.generation.exercises import ExerciseGenerator, course_passages

        generator = ExerciseGenerator(ctx.model, embedder=ctx.embedder, max_retries=ctx.max_retries("batch"))
        generator.prompt = ctx.prompt_for("exercise")
        passages = course_passages(ctx.retriever, ctx.course, case["concept"])
        batch = generator.generate(passages, n=case["n"] or int(ctx.params.get("n", 3)), pool_passages=_all_passages(ctx))
        return {
            "items": [item.model_dump() for item in batch.items],
            "stats": batch.stats,
            "prompt_id": generator.prompt.id,
            "prompt_version": generator.prompt.version,
        }

    def score(self, case: dict, outputs: dict, ctx) -> dict:
        from tutor.generation.models import Exercise
        from tutor.generation.verifier import verify

        raw = outputs.get("items", [])
        stats = outputs.get("stats", {})
        items = []
        for obj in raw:
            try:
                items.append(Exercise.model_validate(obj))
            except ValueError:
                pass
        checks = [not verify(item, items[:i]) for i, item in enumerate(items)]
        blind = []
        for item in items:
            found = ctx.retriever.search(item.question.replace("____", " "), ctx.course, k=BLIND_PASSAGES)
            blind.append(blind_agrees(item.model_dump(), blind_answer(item.model_dump(), [p.text for p in found])).value)
        course_text = " ".join(p.text for p in _all_passages(ctx))
        plausibility = [distractor_plausibility(i.answer, i.options, course_text).value for i in items if i.type == "mcq"]
        n_blind = sum(1 for b in blind if b)
        return {
            "items": Score(float(len(raw)), f"{len(raw)} items for {case['concept']}"),
            "parse_rate": parse_rate(int(stats.get("parsed", 0)), int(stats.get("completions", 0))),
            "schema_valid": schema_validity(raw, Exercise),
            "verifier_pass": share(checks, "items pass the verifier (lexical checks)") if items else Score(0.0, "no valid item"),
            "key_support": Score(mean(key_support(i.answer, i.source_text).value for i in items), "keys found in their source passage") if items else Score(None, "no item"),
            "blind_agreement": Score(mean(blind), f"{n_blind}/{len(blind)} items answered like the key by the blind pass") if blind else Score(None, "no item"),
            "distractor_plausibility": Score(mean(plausibility), f"{len(plausibility)} multiple-choice items") if plausibility else Score(None, "no multiple-choice item"),
            "duplicates": duplicate_rate(i.model_dump() for i in items),
            "model_items": share([i.origin == "model" for i in items], "items written by the model (the rest by the extractive fallback)"),
        }
