"""Exercises for a concept (or across a course): the model chooses and writes, code guarantees validity.

For each slot of the quiz the generator takes the next unused passage (one concept's chunks, or the
course's concepts in turn) and builds its askable facts in code (tutor/generation/extractive.facts: a
course sentence, its key term, the sentence with the key blanked, candidate wrong options from the
course's terms). The model then chooses one fact and writes around it, under a grammar built for this
request: the fact number and the wrong options can only be among the ones offered, so the key is
always a term of the passage and the options are always real course terms. The model writes the
question (multiple choice, short answer) and the explanation; a fill-in-the-blank is the chosen
sentence with its key blanked, built by code. The verifier then checks what a teacher would, inside
the bounded re-ask loop. When the model gives up, the extractive generator writes the item from the
same facts; when that passage has no usable fact either, the slot moves on to the next passage.
Every item therefore comes from a different passage, which is how a batch covers different facts.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from itertools import cycle
from typing import Sequence

from tutor.errors import GenerationError, ModelError, NotFoundError
from tutor.generation.blind_reading import blind_reading
from tutor.generation.extractive import (Fact, SourcePassage, Term, asked_sentence, distractors_for, extractive_items, facts,
                                        front_matter, stable_hash, term_kind, term_pool)
from tutor.generation.models import ChosenItem, Exercise, ExerciseBatch, ItemType
# The offers to the model (re-exported: callers and tests import them from here).
from tutor.generation.offers import (MODEL_SENTENCES, MODEL_TERMS, Offer, asks_for_a_thing, choice_schema, model_terms,  # noqa: F401
                                    offerable, offers, one_of_several, subject_tokens)
from tutor.generation.remembered import RememberingEmbedder
from tutor.generation.text import content_tokens, lexical_support, mentions, normalise
from tutor.generation.verifier import verify
from tutor.llm.base import ChatModel
from tutor.llm.structured import generate_structured
from tutor.prompts import load_prompt

DEFAULT_TYPES: tuple[ItemType, ...] = ("mcq", "short_answer", "fill_blank")
# A token is at least one character, and SmolLM2 sometimes degenerates into one-character tokens
# ("1.1.1.1..." options): at 220 tokens such a draft was cut mid-string (2 of 36 drafts in a
# diagnostic, the parse failures of the benchmark). The longest grammar-valid draft is about 600
# characters (length caps + keys + single spaces), so 640 tokens always reach the closing brace;
# a normal draft stops far earlier, so this only costs time when the model rambles.
MAX_TOKENS = 640
MIN_SHARED_WITH_FACT = 2  # content words a question shares with its sentence, the answer aside
EXPLANATION_SUPPORT = 0.8  # share of the explanation's content words found in the passage
# Re-asks draw a fresh sample of the same prompt at this temperature (tutor.llm.structured: a small model
# shown its refused draft repeats it; the prompt is already in llama.cpp's cache, so a sample costs its tokens).
RESAMPLE_TEMPERATURE = 0.8
MODEL_PASSAGES_PER_SLOT = 2  # passages the model tries per slot before the fallback writes (each try costs up to max_retries + 1 drafts)
DIFFICULTY_BY_TYPE = {"mcq": "easy", "fill_blank": "easy", "short_answer": "medium"}


def course_passages(retriever, course: str, concept: str | None = None) -> list[SourcePassage]:
    """The course's chunks as passages: one concept's in order, or all concepts interleaved."""
    collection = retriever.collection(course)
    passages = sorted(retriever.store.rows(collection), key=lambda p: (p.source, p.position))
    by_concept: dict[str, list[SourcePassage]] = {}
    for passage in passages:
        if passage.concept:  # no concept: front or back matter, never a source of exercises
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


def _usable(passage: SourcePassage, pool) -> bool:
    """A passage worth asking about: not front matter, and at least one askable fact."""
    return bool(facts(passage, pool, limit=1))


class ExerciseGenerator:
    def __init__(self, model: ChatModel, *, embedder=None, max_retries: int = 2, check_version: int | None = None):
        self._subject: frozenset[str] = frozenset()
        self._pool: Sequence[Term] = ()
        self.model = model
        self.embedder = embedder
        self._embedder = embedder  # for one batch: `embedder`, remembering each text's vector
        self.max_retries = max_retries
        self.prompt = load_prompt("exercise")
        self.check_prompt = load_prompt("exercise-check", check_version)

    def generate(
        self,
        passages: Sequence[SourcePassage],
        n: int = 3,
        types: Sequence[ItemType] = DEFAULT_TYPES,
        pool_passages: Sequence[SourcePassage] | None = None,
        existing: Sequence[Exercise] = (),
    ) -> ExerciseBatch:
        """n verified items from `passages` (terms for distractors come from `pool_passages`, default the same).

        `existing` are items already written (the question bank's): none of the new items repeats one, and
        passages no item came from yet go first."""
        self._embedder = RememberingEmbedder(self.embedder) if self.embedder is not None else None
        pool = term_pool(pool_passages or passages)
        offer_pool = model_terms(pool, pool_passages or passages)
        self._subject = subject_tokens(pool_passages or passages)
        self._pool = offer_pool
        candidates = [p for p in passages if _usable(p, pool)] or [p for p in passages if not front_matter(p.text, p.section)]
        if not candidates:
            raise NotFoundError("There is no course text to write exercises from.")
        stats = {"items": 0, "first_try": 0, "after_retries": 0, "fallback": 0, "completions": 0, "parsed": 0, "unfilled": 0}
        items: list[Exercise] = []
        used_passages: set[str] = {e.source_id for e in existing}
        type_cycle = cycle(types)
        for _ in range(n):
            item_type = next(type_cycle)
            started = time.perf_counter()
            item = self._fill_slot(item_type, candidates, used_passages, [*existing, *items], pool, offer_pool, stats)
            # What a learner waits for each item (the benchmark reports its p50).
            stats.setdefault("slot_seconds", []).append(round(time.perf_counter() - started, 2))
            if item is None:
                stats["unfilled"] += 1
                continue
            used_passages.add(item.source_id)
            items.append(item)
        stats["items"] = len(items)
        return ExerciseBatch(items=items, stats=stats)

    def _fill_slot(self, item_type, candidates, used_passages, peers, pool, offer_pool, stats) -> Exercise | None:
        # Prefer passages not used yet; when a short concept runs out, reuse (the verifier still refuses repeats).
        order = [p for p in candidates if p.id not in used_passages] + [p for p in candidates if p.id in used_passages]
        # The model tries the first MODEL_PASSAGES_PER_SLOT passages before the fallback writes from the first: a
        # passage the model cannot ask about well is often followed by one it can. After the endpoint failed once in
        # this batch, every slot goes straight to the fallback: asking again would cost each slot a full timeout.
        for passage in order[:MODEL_PASSAGES_PER_SLOT]:
            if "model_failure" in stats:
                break
            item = self._from_model(item_type, passage, peers, stats, offer_pool)
            if item is not None:
                return item
        for passage in order:
            used_answers = {normalise(p.answer) for p in peers if p.source_id == passage.id}
            for candidate in extractive_items(passage, item_type, pool, embedder=self._embedder, used_answers=used_answers,
                                              used_sentences=_asked(peers)):
                problems = verify(candidate, peers, self._embedder)
                if not problems:
                    stats["fallback"] += 1
                    return candidate
                _count(stats, "fallback_rejections", problems)
        return None

    def _from_model(self, item_type: ItemType, passage: SourcePassage, peers, stats, pool) -> Exercise | None:
        """The model's item from this passage, in at most max_retries + 1 drafts.

        A written question is asked of one sentence at a time, and a refused draft moves on to the passage's next
        sentence (the last one offered takes the drafts left, as fresh samples). Offered three sentences at once,
        the 1.5B often named one and asked about another: the biggest refusal of its drafts (15 of 53 on two
        courses); and a fresh sample of the same prompt mostly repeated the same mistake. A fill-in-the-blank has
        no question to stray, so it keeps the choice among the sentences."""
        offered = self._offers(item_type, passage, peers, pool)
        if not offered:  # nothing this item type can ask here: the fallback tries the passage
            return None
        requests = [offered] if item_type == "fill_blank" else [[offer] for offer in offered]
        drafts_left, drafts_before = self.max_retries + 1, 0
        for index, request in enumerate(requests):
            if drafts_left <= 0 or "model_failure" in stats:
                break
            drafts = drafts_left if index == len(requests) - 1 else 1
            item, used = self._ask(item_type, passage, peers, stats, request, drafts, drafts_before)
            if item is not None:
                return item
            drafts_left, drafts_before = drafts_left - used, drafts_before + used
        return None

    def _ask(self, item_type: ItemType, passage: SourcePassage, peers, stats, offered: list[Offer], drafts: int,
             drafts_before: int) -> tuple[Exercise | None, int]:
        """One request for an item from `offered`, in at most `drafts` drafts: the item (or None) and the drafts used."""
        messages = self.prompt.render(item_type=item_type, facts=offered)
        log: list[dict] = []

        def check(chosen: ChosenItem) -> list[str]:
            problems = _choice_problems(chosen, item_type, offered) or _off_fact(chosen, item_type, offered, self._subject)
            problems = problems or verify(self._to_exercise(chosen, item_type, passage, offered, 0), peers, self._embedder)
            return problems or self._blind_reading(chosen, item_type, offered, stats, passage)

        try:
            result = generate_structured(
                self.model,
                messages,
                ChosenItem,
                max_retries=drafts - 1,
                max_tokens=MAX_TOKENS,
                check=check,
                what=f"{item_type} exercise",
                log=log,
                schema=choice_schema(item_type, offered),
                resample=RESAMPLE_TEMPERATURE,
            )
        except GenerationError:
            return None, len(log)
        except ModelError as exc:  # the model is down or talks garbage (GenerationError: caught above)
            stats["model_failure"] = str(exc)  # callers say so; the extractive generator writes the items
            return None, len(log)
        finally:
            stats["completions"] += len(log)
            stats["parsed"] += sum(entry["parsed"] for entry in log)
            for entry in log:  # why drafts were refused, by kind, for the benchmark
                _count(stats, "rejections", entry["problems"])
                # Every draft as the model wrote it, with what was refused: read to see what goes wrong.
                stats.setdefault("drafts", []).append({"type": item_type, "passage": passage.id, "text": entry["completion"].text,
                                                       "problems": entry["problems"]})
        attempts = drafts_before + result.attempts
        stats["first_try" if attempts == 1 else "after_retries"] += 1
        return self._to_exercise(result.value, item_type, passage, offered, attempts), result.attempts

    def _offers(self, item_type: ItemType, passage: SourcePassage, peers, pool) -> list[Offer]:
        """The passage's first MODEL_SENTENCES sentences with facts this item type can ask for, MODEL_TERMS terms each.
        Wrong options (an embedding of every course term of the key's kind) are computed only for the facts offered."""
        used_answers = {normalise(p.answer) for p in peers if p.source_id == passage.id}
        groups: dict[str, int] = {}
        kept: list[Fact] = []
        for fact in facts(passage, pool, used_answers=used_answers, used_sentences=_asked(peers), words_per_sentence=MODEL_TERMS):
            if fact.sentence not in groups and len(groups) >= MODEL_SENTENCES:
                break
            if not offerable(fact) or groups.get(fact.sentence, 0) >= MODEL_TERMS or not self._askable(fact, item_type, passage, peers):
                continue
            if item_type == "mcq":
                wrong = distractors_for(fact.answer, fact.sentence, passage.concept, pool, self._embedder, kind=term_kind(fact.answer, fact.sentence))
                if not wrong:
                    continue
                fact = replace(fact, distractors=tuple(wrong))
            groups[fact.sentence] = groups.get(fact.sentence, 0) + 1
            kept.append(fact)
        return offers(kept)

    def _askable(self, fact: Fact, item_type: ItemType, passage: SourcePassage, peers) -> bool:
        """Whether to offer this fact for this item type: the model can only choose what the verifier would keep.
        A written question's key must be a thing (What/Which asks for one); a fill-in-the-blank is the fact itself,
        built by code, so it is checked whole here (a blank before its noun, one member of a list, a repeat of a
        peer), the explanation being the one thing left to the model."""
        if item_type != "fill_blank":
            return asks_for_a_thing(fact) and not one_of_several(fact)
        built = Exercise.from_passage(passage, type="fill_blank", question=fact.blanked, options=[], answer=fact.answer,
                                      explanation=fact.sentence, difficulty=DIFFICULTY_BY_TYPE[item_type], origin="model",
                                      attempts=0, prompt_id=self.prompt.id, prompt_version=self.prompt.version, model=self.model.name)
        return not verify(built, peers, self._embedder)

    def _blind_reading(self, chosen: ChosenItem, item_type: ItemType, offered: list[Offer], stats: dict, passage: SourcePassage) -> list[str]:
        return blind_reading(self.model, self.check_prompt, chosen, item_type, offered, passage, self._pool, self._embedder, stats)

    def _to_exercise(self, chosen: ChosenItem, item_type: ItemType, passage: SourcePassage, offered: list[Offer], attempts: int) -> Exercise:
        offer = offered[min(max(chosen.fact, 1), len(offered)) - 1]
        fact = offer.fact_for(chosen.answer) or offer.facts[0]
        options: list[str] = []
        question = chosen.question.strip()
        if item_type == "mcq":
            # The tutor's wrong options for this key: course terms of the same kind, never in the sentence.
            options = list(fact.distractors[:3])
            options.insert(stable_hash(passage.id, fact.answer) % 4, fact.answer)
        elif item_type == "fill_blank":
            question = fact.blanked
        return Exercise.from_passage(
            passage,
            type=item_type,
            question=question,
            options=options,
            answer=fact.answer,
            explanation=_explanation(chosen.full_sentence, passage, fact.answer),
            difficulty=DIFFICULTY_BY_TYPE[item_type],
            origin="model",
            attempts=attempts,
            prompt_id=self.prompt.id,
            prompt_version=self.prompt.version,
            model=self.model.name,
        )


def _asked(peers: Sequence[Exercise]) -> set[str]:
    """The course sentences the peers already ask about: a new item asks about another one."""
    return {sentence for sentence in map(asked_sentence, peers) if sentence}


def _choice_problems(chosen: ChosenItem, item_type: ItemType, offered: list[Offer]) -> list[str]:
    """What an endpoint without a grammar may get wrong that the local grammar rules out."""
    if not 1 <= chosen.fact <= len(offered):
        return [f"fact must be a number from 1 to {len(offered)}"]
    offer = offered[chosen.fact - 1]
    if offer.fact_for(chosen.answer) is None:
        return [f"the answer must be one of: {', '.join(offer.terms)}"]
    return []


def _off_fact(chosen: ChosenItem, item_type: ItemType, offered: list[Offer], subject: frozenset[str] = frozenset()) -> list[str]:
    """A question must ask about the sentence it was chosen from: small models copy a question from
    elsewhere in the prompt, or ask about a sentence other than the one whose answer becomes the key. The
    course's subject words (`subject`: "python" in a Python course) do not count: every sentence shares them
    (the 1.5B's "What is a popular first language for Python?" shared only "language" and "python" with
    "Python is a general-purpose programming language that is known for being easy to read")."""
    if item_type == "fill_blank":
        return []  # the stem is the chosen sentence itself
    offer = offered[chosen.fact - 1]
    fact = offer.fact_for(chosen.answer) or offer.facts[0]
    shared = set(content_tokens(chosen.question)) & (set(content_tokens(fact.sentence)) - set(content_tokens(fact.answer)) - subject)
    if len(shared) < MIN_SHARED_WITH_FACT:
        return [f"the question is not about the chosen sentence (it shares {len(shared)} words with it)"]
    return []


def _explanation(written: str, passage: SourcePassage, answer: str = "") -> str:
    """The model's explanation: its first whole sentence that states the key (else its first), when the passage
    supports it; else empty, and the item is refused. A small model's explanation is often cut by the length cap
    or says only "the correct answer is X", and an unchecked sentence must not teach. A sentence that points back
    is restated after the one it points at ("Lists are great when ... For that, Python has the dictionary."):
    the first sentence is then the antecedent, without the key."""
    sentences = [s.rstrip(".") for s in _whole_sentences(written).split(". ") if s.strip()]
    stating = [s for s in sentences if answer and mentions(s, answer)]
    for sentence in (stating or sentences)[:1]:
        if len(sentence) > 20 and "answer" not in sentence.lower() and lexical_support(sentence, passage.text) >= EXPLANATION_SUPPORT:
            return sentence + "."
    return ""


def _whole_sentences(text: str) -> str:
    """The explanation up to its last full stop: a grammar's length cap can cut the last sentence short. A sentence
    that ends in a closed code span ("… type: `SELECT * FROM weather;`") is whole too: the 1.5B restates such a
    course sentence without a full stop after the code (6 drafts on the PostgreSQL tutorial refused as empty)."""
    text = text.strip()
    ends_in_code = text.endswith("`") and text.count("`") % 2 == 0
    end = max(text.rfind(". "), text.rfind("? "), text.rfind("! "), len(text) - 1 if text[-1:] in ".!?" or ends_in_code else -1)
    return text[: end + 1].strip() if end > 0 else ""


def _count(stats: dict, key: str, problems: list[str]) -> None:
    counts = stats.setdefault(key, {})
    for problem in problems:
        kind = problem.split(" (")[0].split(":")[0]
        kind = re.sub(r"'[^']*'", "'…'", kind)  # "the option 'x' overlaps" and "the option 'y' overlaps" are one kind
        counts[kind] = counts.get(kind, 0) + 1
