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

import json
import re
from dataclasses import dataclass
from itertools import cycle
from typing import Sequence

from tutor.errors import GenerationError, ModelError, NotFoundError
from tutor.generation.extractive import (Fact, SourcePassage, Term, _distractors, _stable, asked_sentence, extractive_items, facts,
                                        front_matter, term_kind, term_pool)
from tutor.generation.models import ChosenItem, Exercise, ExerciseBatch, ItemType
from tutor.generation.text import content_tokens, lexical_support, normalise
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
# A question asks "which ..." or "what ...": the shape of a sentence whose key term became the question word
# (the prompt's worked example shows it); a capital first, a question mark last, no line breaks.
QUESTION_PATTERN = r"^(Which|What) [A-Za-z0-9 ,.'`()\[\]_=+<>:;*/%&|!#-]{8,110}[?]$"
MIN_SHARED_WITH_FACT = 2  # content words a question shares with its sentence, the answer aside
EXPLANATION_SUPPORT = 0.8  # share of the explanation's content words found in the passage
MODEL_SENTENCES = 3  # course sentences offered to the model per passage (each costs prompt tokens)
MODEL_TERMS = 5  # candidate key terms per sentence, among which the model picks the answer to its question
# Re-asks draw a fresh sample of the same prompt at this temperature (tutor.llm.structured: a small model
# shown its refused draft repeats it; the prompt is already in llama.cpp's cache, so a sample costs its tokens).
RESAMPLE_TEMPERATURE = 0.8
# Long function words the shared stop list keeps (quantifiers, adverbs, prepositions): never a key a teacher asks for.
PLAIN_WORDS = frozenset(
    "several single without rather little another between everything something anything nothing yourself "
    "whether instead already always usually actually simply really almost enough either neither within "
    "through across around before after during because although however therefore things".split()
)
GENERIC_SHARE = 0.15  # a prose word in more than this share of the course's passages is too common to be a key
# A term in more than this share of the course's passages is what the whole course is about ("Python" in a
# Python course): a question whose answer it is tests nothing a learner could not guess, whatever its kind.
EVERYWHERE_SHARE = 0.5
MODEL_PASSAGES_PER_SLOT = 1  # the model tries one passage per slot; after that only the fallback runs (each try costs seconds)
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


def model_terms(pool: Sequence[Term], passages: Sequence[SourcePassage]) -> list[Term]:
    """The candidate terms offered to the model: the course's code terms, and its prose words that can be
    the answer to a question. Seen in the drafts: the small model's question usually asks for the sentence's
    subject ("Which programming language is known for being easy to read?" -> Python), so a word the course
    also marks as code (`python`, `string`) is offered as a prose term too; adverbs ("directly") and words
    found in many passages ("without", "several") answer no question a teacher would ask."""
    vocabularies = [set(re.findall(r"[a-z][a-z-]+", p.text.lower())) for p in passages]
    generic = _passages_over(GENERIC_SHARE, len(vocabularies))
    # The course's own subjects (concept names, section titles) are keys however often they occur.
    subjects = {token for p in passages for token in content_tokens(f"{p.concept} {p.section}".replace("-", " "))}
    in_passages = {text: sum(text in words_of for words_of in vocabularies) for text in {t.text.lower() for t in pool}}
    everywhere = _passages_over(EVERYWHERE_SHARE, len(vocabularies))
    pool = [t for t in pool if in_passages[t.text.lower()] <= everywhere]
    kept = [t for t in pool if t.kind != "word"]  # code spans and emphasised terms: the course marked them
    words = {normalise(t.text) for t in pool if t.kind == "word"}
    for term in pool:
        text = term.text.lower()
        if term.kind != "word":
            if term.kind == "code" and text.isalpha() and len(text) >= 4 and text not in words:
                kept.append(Term(term.text, term.concept, "word", word_class="name"))  # a program, a keyword: named things
            continue
        common = in_passages[text] > generic and not set(content_tokens(text)) & subjects
        if text.endswith("ly") or text in PLAIN_WORDS or common:
            continue
        kept.append(term)
    return kept


def subject_tokens(passages: Sequence[SourcePassage]) -> frozenset[str]:
    """Content tokens found in more than EVERYWHERE_SHARE of the passages: what the whole course is about
    ("python" in a Python course). A question sharing only such a word with its sentence is not about it."""
    counts: dict[str, int] = {}
    for passage in passages:
        for token in set(content_tokens(passage.text)):
            counts[token] = counts.get(token, 0) + 1
    everywhere = _passages_over(EVERYWHERE_SHARE, len(passages))
    return frozenset(token for token, count in counts.items() if count > everywhere)


def _passages_over(share: float, passages: int) -> int:
    """How many passages a word must exceed to count as found in `share` of them (never fewer than 3: in a
    short text every word is in most passages)."""
    return max(3, int(share * passages))


def _usable(passage: SourcePassage, pool) -> bool:
    """A passage worth asking about: not front matter, and at least one askable fact."""
    return bool(facts(passage, pool, limit=1))


@dataclass(frozen=True)
class Offer:
    """One course sentence offered to the model, with one fact per candidate key term of it (each fact
    holds the sentence blanked at that term and, for multiple choice, the tutor's wrong options for it)."""

    sentence: str
    facts: tuple[Fact, ...]

    @property
    def terms(self) -> list[str]:
        return [fact.answer for fact in self.facts]

    def fact_for(self, answer: str) -> Fact | None:
        """The fact whose key is `answer`; the first when no answer was given (prompt versions before v4)."""
        if not answer.strip():
            return self.facts[0]
        return next((f for f in self.facts if normalise(f.answer) == normalise(answer)), None)

    # Prompt versions before v4 showed one fact per sentence: the first one.
    @property
    def answer(self) -> str:
        return self.facts[0].answer

    @property
    def blanked(self) -> str:
        return self.facts[0].blanked

    @property
    def distractors(self) -> tuple[str, ...]:
        return self.facts[0].distractors


def offers(found: Sequence[Fact], sentences: int = MODEL_SENTENCES, terms: int = MODEL_TERMS) -> list[Offer]:
    """The facts grouped by sentence, in course order: at most `sentences` sentences of `terms` terms each."""
    grouped: dict[str, list[Fact]] = {}
    for fact in found:
        # A key with a double quote or a backslash (`print("Done")`) cannot be a grammar choice: llama-cpp-python's
        # schema converter escapes it wrongly, and llama.cpp crashes the process on the grammar it then reads.
        if '"' in fact.answer or "\\" in fact.answer:
            continue
        if fact.sentence not in grouped and len(grouped) >= sentences:
            continue
        group = grouped.setdefault(fact.sentence, [])
        if len(group) < terms:
            group.append(fact)
    # Terms in the order they occur in the sentence (its subject first), which is the order a reader meets them.
    return [Offer(sentence, tuple(sorted(group, key=lambda f: sentence.lower().find(f.answer.lower()))))
            for sentence, group in grouped.items()]


def choice_schema(item_type: ItemType, offered: list[Offer]) -> dict:
    """The JSON schema the model is held to: one variant per offered sentence, whose answer can only be one
    of that sentence's candidate terms (llama.cpp turns anyOf/enum into a grammar; endpoints get the same).
    The question comes before the answer: the model writes the question the sentence answers, then names
    which term replies to it (asked to write a question for a key fixed in advance, a small model asks the
    question the sentence naturally answers, which often holds that key)."""
    variants = []
    for number, offer in enumerate(offered, start=1):
        properties: dict = {"fact": {"type": "integer", "enum": [number]}}
        if item_type != "fill_blank":
            properties["question"] = {"type": "string", "pattern": QUESTION_PATTERN}
        properties["answer"] = {"type": "string", "enum": offer.terms}
        # "full_sentence", not "explanation": small models fill an "explanation" with talk about the exercise
        # ("the missing term is ..."); asked for the fact as one full sentence, they state it.
        properties["full_sentence"] = {"type": "string", "maxLength": 160}
        variants.append({"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False})
    return variants[0] if len(variants) == 1 else {"anyOf": variants}


class ExerciseGenerator:
    def __init__(self, model: ChatModel, *, embedder=None, max_retries: int = 2, check_version: int | None = None):
        self._subject: frozenset[str] = frozenset()
        self._pool: Sequence[Term] = ()
        self.model = model
        self.embedder = embedder
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
            item = self._fill_slot(item_type, candidates, used_passages, [*existing, *items], pool, offer_pool, stats)
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
        for index, passage in enumerate(order):
            # After the endpoint failed once in this batch, every slot goes straight to the fallback: asking
            # again would cost each slot a full timeout for the same answer.
            if index < MODEL_PASSAGES_PER_SLOT and "model_failure" not in stats:
                item = self._from_model(item_type, passage, peers, stats, offer_pool)
                if item is not None:
                    return item
            used_answers = {normalise(p.answer) for p in peers if p.source_id == passage.id}
            for candidate in extractive_items(passage, item_type, pool, embedder=self.embedder, used_answers=used_answers,
                                              used_sentences=_asked(peers)):
                problems = verify(candidate, peers, self.embedder)
                if not problems:
                    stats["fallback"] += 1
                    return candidate
                _count(stats, "fallback_rejections", problems)
        return None

    def _from_model(self, item_type: ItemType, passage: SourcePassage, peers, stats, pool) -> Exercise | None:
        used_answers = {normalise(p.answer) for p in peers if p.source_id == passage.id}
        offered = offers(facts(passage, pool, embedder=self.embedder, used_answers=used_answers, used_sentences=_asked(peers),
                               need_distractors=item_type == "mcq", limit=MODEL_SENTENCES * MODEL_TERMS, words_per_sentence=MODEL_TERMS))
        if not offered:
            return None
        messages = self.prompt.render(item_type=item_type, facts=offered)
        log: list[dict] = []

        def check(chosen: ChosenItem) -> list[str]:
            problems = _choice_problems(chosen, item_type, offered) or _off_fact(chosen, item_type, offered, self._subject)
            problems = problems or verify(self._to_exercise(chosen, item_type, passage, offered, 0), peers, self.embedder)
            return problems or self._blind_reading(chosen, item_type, offered, stats, passage)

        try:
            result = generate_structured(
                self.model,
                messages,
                ChosenItem,
                max_retries=self.max_retries,
                max_tokens=MAX_TOKENS,
                check=check,
                what=f"{item_type} exercise",
                log=log,
                schema=choice_schema(item_type, offered),
                resample=RESAMPLE_TEMPERATURE,
            )
        except GenerationError:
            return None
        except ModelError as exc:  # the model is down or talks garbage (GenerationError: caught above)
            stats["model_failure"] = str(exc)  # callers say so; the extractive generator writes the items
            return None
        finally:
            stats["completions"] += len(log)
            stats["parsed"] += sum(entry["parsed"] for entry in log)
            for entry in log:  # why drafts were refused, by kind, for the benchmark
                _count(stats, "rejections", entry["problems"])
        stats["first_try" if result.attempts == 1 else "after_retries"] += 1
        return self._to_exercise(result.value, item_type, passage, offered, result.attempts)

    def _blind_reading(self, chosen: ChosenItem, item_type: ItemType, offered: list[Offer], stats: dict, passage: SourcePassage) -> list[str]:
        """The question read again without its key, and it must find the key. Only written questions are read
        (a fill-in-the-blank is the course's own sentence).

        Prompt exercise-check v2 reads as a learner takes the item: the whole passage, the question, and options
        (the key, the tutor's wrong options for it, the sentence's other terms) shuffled; v1 showed the one
        sentence and its terms, so the reader completed the sentence instead of answering the question (the
        1.5B's "What is a popular first language for Python?" keyed "read": v1's reader also said "read")."""
        offer = offered[chosen.fact - 1]
        if item_type == "fill_blank":
            return []
        fact = offer.fact_for(chosen.answer) or offer.facts[0]
        if self.check_prompt.version >= 2:
            options = _reading_options(fact, offer, offered, self._pool, self.embedder, passage)
            messages = self.check_prompt.render(passage=passage.text, question=chosen.question, options=options)
        else:
            options = list(offer.terms)
            if len(options) < 2:  # with one choice the grammar would force the key whatever the question asks
                options += [t for other in offered for t in other.terms if normalise(t) not in {normalise(x) for x in options}]
            messages = self.check_prompt.render(sentence=offer.sentence, question=chosen.question, terms=options)
        if len(options) < 2:
            return []
        schema = {"type": "object", "properties": {"answer": {"type": "string", "enum": options}}, "required": ["answer"], "additionalProperties": False}
        completion = self.model.complete(messages, max_tokens=40, temperature=0.0, json_schema=schema)
        stats["completions_check"] = stats.get("completions_check", 0) + 1
        try:
            answer = json.loads(completion.text[completion.text.find("{"):completion.text.rfind("}") + 1]).get("answer", "")
        except ValueError:
            answer = ""
        if normalise(str(answer)) != normalise(fact.answer):
            return [f"a blind reading answers the question with another term ('{answer}'), not the key"]
        return []

    def _to_exercise(self, chosen: ChosenItem, item_type: ItemType, passage: SourcePassage, offered: list[Offer], attempts: int) -> Exercise:
        offer = offered[min(max(chosen.fact, 1), len(offered)) - 1]
        fact = offer.fact_for(chosen.answer) or offer.facts[0]
        options: list[str] = []
        question = chosen.question.strip()
        if item_type == "mcq":
            # The tutor's wrong options for this key: course terms of the same kind, never in the sentence.
            options = list(fact.distractors[:3])
            options.insert(_stable(passage.id, fact.answer) % 4, fact.answer)
        elif item_type == "fill_blank":
            question = fact.blanked
        return Exercise.from_passage(
            passage,
            type=item_type,
            question=question,
            options=options,
            answer=fact.answer,
            explanation=_explanation(chosen.full_sentence, passage),
            difficulty=DIFFICULTY_BY_TYPE[item_type],
            origin="model",
            attempts=attempts,
            prompt_id=self.prompt.id,
            prompt_version=self.prompt.version,
            model=self.model.name,
        )


READING_OPTIONS = 6  # options shown to the blind reader at most: the key, its wrong options, the sentence's other terms


def _reading_options(fact: Fact, offer: Offer, offered: list[Offer], pool: Sequence[Term], embedder, passage: SourcePassage) -> list[str]:
    """What the blind reader chooses among, in a stable shuffled order: the key, the tutor's wrong options for
    it (of the key's class; computed here when the item type needed none), and the sentence's other terms."""
    wrong = list(fact.distractors) or _distractors(fact.answer, fact.sentence, passage.concept, pool, embedder,
                                                   kind=term_kind(fact.answer, fact.sentence))
    options: list[str] = []
    for term in [fact.answer, *wrong, *offer.terms, *(t for other in offered for t in other.terms)]:
        if normalise(term) not in {normalise(o) for o in options} and '"' not in term and "\\" not in term:
            options.append(term)
    options = options[:READING_OPTIONS]
    return sorted(options, key=lambda o: _stable(fact.sentence, o))


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


def _explanation(written: str, passage: SourcePassage) -> str:
    """The model's explanation: its first whole sentence, when the passage supports it; else empty, and the
    item is refused. A small model's explanation is often cut by the length cap or says only "the correct
    answer is X", and an unchecked sentence must not teach."""
    first = _whole_sentences(written).split(". ")[0].rstrip(".")
    if len(first) > 20 and "answer" not in first.lower() and lexical_support(first, passage.text) >= EXPLANATION_SUPPORT:
        return first + "."
    return ""


def _whole_sentences(text: str) -> str:
    """The explanation up to its last full stop: a grammar's length cap can cut the last sentence short."""
    text = text.strip()
    end = max(text.rfind(". "), text.rfind("? "), text.rfind("! "), len(text) - 1 if text[-1:] in ".!?" else -1)
    return text[: end + 1].strip() if end > 0 else ""


def _count(stats: dict, key: str, problems: list[str]) -> None:
    counts = stats.setdefault(key, {})
    for problem in problems:
        kind = problem.split(" (")[0].split(":")[0]
        kind = re.sub(r"'[^']*'", "'…'", kind)  # "the option 'x' overlaps" and "the option 'y' overlaps" are one kind
        counts[kind] = counts.get(kind, 0) + 1
