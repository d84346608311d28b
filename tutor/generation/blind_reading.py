"""The blind reading: a model-written question read again without its key, as a learner takes the item.

The reader (prompt exercise-check) answers the question among shuffled options, and the item stands only
when it names the key. Only written questions are read: a fill-in-the-blank is the course's own sentence.

Prompt exercise-check v2 shows the whole passage, the question, and options (the key, the tutor's wrong
options for it, the sentence's other terms); v1 showed the one sentence and its terms, so the reader
completed the sentence instead of answering the question (the 1.5B's "What is a popular first language for
Python?" keyed "read": v1's reader also said "read"). v1 stays so benchmarks/blind_reading.py can compare them.
"""

from __future__ import annotations

import json
from typing import Sequence

from tutor.generation.extractive import Fact, SourcePassage, Term, distractors_for, stable_hash, term_kind
from tutor.generation.models import ChosenItem, ItemType
from tutor.generation.offers import Offer
from tutor.generation.text import normalise
from tutor.llm.base import ChatModel
from tutor.prompts import Prompt

READING_OPTIONS = 6  # options shown to the blind reader at most: the key, its wrong options, the sentence's other terms


def blind_reading(model: ChatModel, prompt: Prompt, chosen: ChosenItem, item_type: ItemType, offered: list[Offer],
                  passage: SourcePassage, pool: Sequence[Term], embedder, stats: dict) -> list[str]:
    """The problems of a draft's blind reading: empty when the reader names the key (or there is nothing to read)."""
    offer = offered[chosen.fact - 1]
    if item_type == "fill_blank":
        return []
    fact = offer.fact_for(chosen.answer) or offer.facts[0]
    if prompt.version >= 2:
        options = reading_options(fact, offer, offered, pool, embedder, passage)
        messages = prompt.render(passage=passage.text, question=chosen.question, options=options)
    else:
        options = list(offer.terms)
        if len(options) < 2:  # with one choice the grammar would force the key whatever the question asks
            options += [t for other in offered for t in other.terms if normalise(t) not in {normalise(x) for x in options}]
        messages = prompt.render(sentence=offer.sentence, question=chosen.question, terms=options)
    if len(options) < 2:
        return []
    schema = {"type": "object", "properties": {"answer": {"type": "string", "enum": options}}, "required": ["answer"], "additionalProperties": False}
    completion = model.complete(messages, max_tokens=40, temperature=0.0, json_schema=schema)
    stats["completions_check"] = stats.get("completions_check", 0) + 1
    try:
        answer = json.loads(completion.text[completion.text.find("{"):completion.text.rfind("}") + 1]).get("answer", "")
    except ValueError:
        answer = ""
    if normalise(str(answer)) != normalise(fact.answer):
        return [f"a blind reading answers the question with another term ('{answer}'), not the key"]
    return []


def reading_options(fact: Fact, offer: Offer, offered: list[Offer], pool: Sequence[Term], embedder, passage: SourcePassage) -> list[str]:
    """What the blind reader chooses among, in a stable shuffled order: the key, the tutor's wrong options for
    it (of the key's class; computed here when the item type needed none), and the sentence's other terms."""
    wrong = list(fact.distractors) or distractors_for(fact.answer, fact.sentence, passage.concept, pool, embedder,
                                                      kind=term_kind(fact.answer, fact.sentence))
    options: list[str] = []
    for term in [fact.answer, *wrong, *offer.terms, *(t for other in offered for t in other.terms)]:
        if normalise(term) not in {normalise(o) for o in options} and '"' not in term and "\\" not in term:
            options.append(term)
    options = options[:READING_OPTIONS]
    return sorted(options, key=lambda o: stable_hash(fact.sentence, o))
