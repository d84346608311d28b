"""What the model is offered to write an exercise from, and the grammar that holds it to that offer.

The model never invents a key: it is shown a few course sentences of one passage, each with the candidate
key terms the tutor found in it (`offers`), and a grammar built for the request (`choice_schema`) lets it
answer only with one of those sentences and one of that sentence's terms. Which terms a course offers
(`model_terms`) and which words are its subject (`subject_tokens`: in most passages, so they show nothing
about which sentence a question is about) are decided here too, once per batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from tutor.generation.extractive import Fact, SourcePassage, Term, term_kind
from tutor.generation.models import BLANK, ItemType
from tutor.generation.text import content_tokens, normalise
from tutor.generation.verifier import inside_a_list_member
from tutor.generation.wordclass import THING_CLASSES, class_in_sentence

# A question asks "which ..." or "what ...": the shape of a sentence whose key term became the question word
# (the prompt's worked example shows it); a capital first, a question mark last, no line breaks.
QUESTION_PATTERN = r"^(Which|What) [A-Za-z0-9 ,.'`()\[\]_=+<>:;*/%&|!#-]{8,110}[?]$"
MODEL_SENTENCES = 3  # course sentences offered to the model per passage (each costs prompt tokens)
MODEL_TERMS = 5  # candidate key terms per sentence, among which the model picks the answer to its question
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


def asks_for_a_thing(fact: Fact) -> bool:
    """Whether the fact's key is a thing where its sentence uses it (a noun, a name, a number, code): the only
    keys a What/Which question can ask for. Offering the 1.5B a verb ("read", "create") as a key of a written
    question let it pick one, and the verifier then refused the draft (7 of 53 drafts on two courses)."""
    return class_in_sentence(fact.answer, fact.sentence, term_kind(fact.answer, fact.sentence)) in THING_CLASSES


_EXAMPLE_LEAD = re.compile(r"\b(such as|like|including|e\.g\.)\s*$", re.IGNORECASE)
_COORDINATOR_BEFORE = re.compile(r"(,|\band|\bor)$", re.IGNORECASE)
_COORDINATOR_AFTER = re.compile(r"^\s*(,|and\b|or\b)\s*", re.IGNORECASE)
MEMBER_WORDS = 3  # a list member is a short phrase ("`while`", "floating-point numbers"); a longer one is a clause


def one_of_several(fact: Fact) -> bool:
    """Whether the sentence names the key beside other members of a set ("Python has two kinds of loop, `for` and
    `while`"): a written question then asks for any of them ("Which kind of loop is used in Python?" keyed "for";
    served by the 1.5B, with "integers" of "integers and floating-point numbers" and `print()` of "such as `print()`,
    `len()` and `input()`"). A fill-in-the-blank keeps its place in the sentence, which says which member it is.
    A clause joined by "and" ("`break` leaves the loop at once, and `continue` skips …") is no list. A word inside
    one member ("things: a user's name, a running total, the score in a game") is a detail of one example: the
    1.5B asked "What do programs need to remember?" keyed "running"."""
    before, _, after = fact.blanked.partition(BLANK)
    before = before.rstrip()
    if _EXAMPLE_LEAD.search(before) or inside_a_list_member(fact.blanked):
        return True
    coordinator = _COORDINATOR_BEFORE.search(before)
    if coordinator and _is_member(re.split(r"[,;:(]", before[: coordinator.start()].rstrip(" ,"))[-1]):
        return True
    coordinator = _COORDINATOR_AFTER.match(after)
    return bool(coordinator and _is_member(re.split(r"[,;:.!?)]|\band\b|\bor\b", after[coordinator.end():])[0]))


def _is_member(phrase: str) -> bool:
    return 0 < len(phrase.split()) <= MEMBER_WORDS


def offerable(fact: Fact) -> bool:
    """A key with a double quote or a backslash (`print("Done")`) cannot be a grammar choice: llama-cpp-python's
    schema converter escapes it wrongly, and llama.cpp crashes the process on the grammar it then reads."""
    return '"' not in fact.answer and "\\" not in fact.answer


def offers(found: Sequence[Fact], sentences: int = MODEL_SENTENCES, terms: int = MODEL_TERMS) -> list[Offer]:
    """The facts grouped by sentence, in course order: at most `sentences` sentences of `terms` terms each."""
    grouped: dict[str, list[Fact]] = {}
    for fact in found:
        if not offerable(fact):
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
    if not offered:
        # An empty anyOf becomes an empty grammar, which llama.cpp accepts and then crashes the process on.
        raise ValueError("a choice schema needs at least one offered sentence")
    variants = []
    for number, offer in enumerate(offered, start=1):
        properties: dict = {"fact": {"type": "integer", "enum": [number]}}
        if item_type != "fill_blank":
            properties["question"] = {"type": "string", "pattern": QUESTION_PATTERN}
        properties["answer"] = {"type": "string", "enum": offer.terms}
        # "full_sentence", not "explanation": small models fill an "explanation" with talk about the exercise
        # ("the missing term is ..."); asked for the fact as one full sentence, they state it.
        # 240: a sentence that points back is offered after the one it points at, and the model restates both.
        properties["full_sentence"] = {"type": "string", "maxLength": 240}
        variants.append({"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False})
    return variants[0] if len(variants) == 1 else {"anyOf": variants}
