"""The kind of answer a course term is (a name, a noun, a verb, an adjective, a number, code), and whether
it can answer a question that starts with What or Which.

Seen from the default model: "What is a popular first language for Python?" keyed "read" (a verb), and
"A ____ pattern is the accumulator" keyed "common" (an adjective); multiple-choice options that mixed kinds
("queried", "mistakes" beside the key "psql"). A teacher refuses both on sight: a What/Which question asks
for a thing, and wrong options of another kind give the answer away.

How a word's class is decided, without a tagger model: lemminflect's lexicon (shipped inside its wheel)
says which classes a word CAN be ("read": noun or verb; "interactive": adjective only); its neighbours in
the sentence decide between them ("easy to read" is a verb, "a common pattern" an adjective modifying the
noun after it, "the list holds" a noun). A word the lexicon does not know is the course's own jargon
("psql", "subquery"): a noun. A capitalised word inside a sentence, and a code word the course also uses
in prose ("psql", "python"), is a name. Terms the course marks as code are "code" (statements, commands,
functions), whatever their words.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterable, Sequence

CODE_SPAN = re.compile(r"`[^`]*`")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:\.\d+)?|[.,;:!?()]")
# Words after which a verb-or-noun is the verb ("you can read", "we will close").
BEFORE_VERB = frozenset(
    "can could will would shall should must may might cannot not never you we they i let please don't doesn't "
    "didn't won't to".split()
)
# Words before an infinitive's "to" that make it one ("easy to read", "how to open", "used to store").
BEFORE_INFINITIVE = frozenset("how want wants need needs used able going have has order easy hard simple possible way".split())
DETERMINERS = frozenset(
    "a an the this that these those each every its your their our my his her some any no one two three many "
    "few several all most more other another such".split()
)
FUNCTION_WORDS = DETERMINERS | frozenset(
    "and or but of in on at by for with from into as is are was were be been it they them which what who when "
    "where than then so if while".split()
)
# Classes a What/Which question can ask for: a thing. "What does X do?" asks for an action.
THING_CLASSES = frozenset({"code", "name", "noun", "number"})
ASKS_FOR_ACTION = re.compile(r"^(what|which)\b.*\b(do|does|did)\s*\?$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def lexicon_classes(word: str) -> frozenset[str]:
    """The classes the lexicon allows for `word` (NOUN, VERB, ADJ, ADV), empty when it does not know it."""
    from lemminflect import getAllLemmas

    return frozenset(getAllLemmas(word.lower()))


def _tokens(sentence: str) -> list[str]:
    return WORD.findall(sentence)


def class_in_sentence(term: str, sentence: str, kind: str = "word") -> str:
    """The class of `term` where it stands in `sentence`: code, number, name, noun, verb, adjective (said of
    something: "strings are immutable"), modifier (an adjective before its noun: "a common pattern") or adverb."""
    text = term.strip()
    if kind == "code" or re.search(r"[`()_=./<>\[\]{}$]", text):
        return "code"
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return "number"
    words = text.split()
    head = words[-1]  # a term of several words is the kind of its last one ("aggregate functions": a noun)
    tokens = _tokens(CODE_SPAN.sub(" code ", sentence))
    lowered = [t.lower() for t in tokens]
    try:
        position = lowered.index(head.lower())
    except ValueError:
        position = -1
    if kind == "code-word":
        return "name"
    if position > 0 and tokens[position][:1].isupper() and not tokens[position].isupper() and lowered[position - 1] not in ".!?:":
        return "name"
    classes = lexicon_classes(head)
    if not classes:
        return "name" if head[:1].isupper() and position > 0 else "noun"
    if len(words) > 1 and "NOUN" in classes:
        return "noun"
    before = lowered[position - 1] if position > 0 else ""
    before2 = lowered[position - 2] if position > 1 else ""
    after = lowered[position + 1] if 0 <= position < len(lowered) - 1 else "."
    describes_next = after not in FUNCTION_WORDS and after.isalpha() and "NOUN" in lexicon_classes(after)
    if "NOUN" not in classes:
        if "VERB" in classes:
            return "verb"
        if "ADJ" in classes:
            return "modifier" if describes_next else "adjective"
        return "adverb"
    if "VERB" in classes and head.lower() == head and before in BEFORE_VERB - {"to"}:
        return "verb"
    if "VERB" in classes and before == "to" and (before2 in BEFORE_INFINITIVE or _adjective_only(before2)) and after in ".,;:!?":
        return "verb"
    if "VERB" in classes and before == "to" and after in DETERMINERS:
        return "verb"  # "to read the file"
    if "ADJ" in classes and describes_next:
        return "modifier"  # "a common pattern", "a popular first language": it describes the noun after it
    return "noun"


def _adjective_only(word: str) -> bool:
    classes = lexicon_classes(word) if word.isalpha() else frozenset()
    return "ADJ" in classes and "NOUN" not in classes


def course_sentences(texts: Iterable[str]) -> list[str]:
    """The course's sentences as `course_class` reads them (code spans stand as the word "code"): split once
    for every term of the course, not once a term."""
    return [sentence for text in texts for sentence in re.split(r"(?<=[.!?])\s+", CODE_SPAN.sub(" code ", text))]


def course_class(term: str, sentences: Sequence[str], kind: str = "word") -> str:
    """A term's class across the course (`sentences` from `course_sentences`): the most frequent of its classes
    where it occurs (each sentence that holds it as a whole word votes); its class alone when the course never
    shows it in prose."""
    if kind == "code":
        return "code"
    pattern = re.compile(rf"(?<![\w`]){re.escape(term)}(?![\w`])", re.IGNORECASE)
    lowered = term.lower()
    votes: Counter[str] = Counter()
    for sentence in sentences:
        # A case-insensitive match in ASCII text holds the term's letters: most sentences are ruled out without the regex.
        if sentence.isascii() and lowered not in sentence.lower():
            continue
        if pattern.search(sentence):
            votes[class_in_sentence(term, sentence, kind)] += 1
    if not votes:
        return class_in_sentence(term, term, kind)
    return votes.most_common(1)[0][0]


def answers_what_or_which(question: str, answer_class: str) -> bool:
    """Whether a key of `answer_class` can answer `question`: What/Which asks for a thing (a noun, a name, a
    number, code), unless it asks what something does."""
    if not re.match(r"^\s*(what|which)\b", question, re.IGNORECASE):
        return True
    if ASKS_FOR_ACTION.search(question.strip()):
        return True
    return answer_class in THING_CLASSES


def blank_worth_filling(answer_class: str) -> bool:
    """Whether a fill-in-the-blank may hide a word of this class. An adjective before its noun ("A ____ pattern
    is the accumulator", keyed "common") can be guessed from a dozen words and teaches nothing; an adjective said
    of something ("Strings are ____", immutable) is a fact of the course."""
    return answer_class not in ("modifier", "adverb")

