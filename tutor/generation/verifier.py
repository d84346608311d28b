"""Checks an exercise must pass before anyone sees it; each failed check is one readable problem.

The problems double as re-ask feedback for the model, so they say what to fix. Thresholds:
- the key is supported when at least 75% of its content tokens occur in the source passage (lexical;
  the keys are short terms, where embeddings of a 20-token string are noisy);
- the question is on the passage's topic when 30% of its content tokens occur in it, or its embedding
  similarity to the passage is at least 0.35;
- two items are near-copies when their question+answer texts reach 0.9 character similarity or 0.92
  embedding similarity, or when they ask the same answer from the same passage (the same fact).
Without an embedder (unit tests) only the lexical checks run.

And what a teacher would refuse on sight: a question that is neither a question (ending with "?") nor
a complete statement with one blank; a question that echoes the prompt (the topic, the difficulty)
instead of asking something; options that are bare numbers or letters when the question asks for no
number; an item whose source passage is front matter (title page, contents, index, licence); a
question that talks about the page or code it no longer shows ("click", "see below") or a version string;
a What/Which question whose key is a verb or an adjective where its course sentence uses it (it asks for a thing);
a blank that hides an adjective before its noun; a question that asks for several things ("What are the two kinds
of loop?") keyed by one term; a blank that is one example of a list ("such as ____, len() and input()"), which
any other member fills as well, or a word inside one member ("a user's name, a ____ total, the score in a game"),
and a written question keyed by such a word; a blank any of many things fills ("PostgreSQL supports ____.") and a
question that asks for one of them ("What does PostgreSQL support?"); a quoted sentence that opens by pointing at
text the item does not show ("This creates the scripts ...") and a question that asks about "this" or "these".
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from tutor.generation.extractive import ANAPHOR, POINTER, VERSION, asked_sentence, front_matter, page_talk, term_kind
from tutor.generation.models import BLANK, Exercise
from tutor.generation.text import content_tokens, lexical_support, mentions, near_duplicate, normalise
from tutor.generation.wordclass import answers_what_or_which, blank_worth_filling, class_in_sentence

_ECHO = re.compile(r"\b(difficulty|topic|missing term|other terms)\s*:|\bfact \d|\b(easy|medium|hard)\s*[.)]?\s*$", re.IGNORECASE)
_META = re.compile(r"\b(missing term|the blank|the fact|fact \d|other terms|correct answer|right answer|the (given |following )?sentence|this sentence|the answer term)\b", re.IGNORECASE)
_BARE = re.compile(r"^\s*([A-Za-z]|\d{1,4})\s*[.)]?\s*$")
_ASKS_NUMBER = re.compile(r"\d|how (many|much|often|long)|\b(number|value|result|output|print|return|index|length|count|size)", re.IGNORECASE)
_OF_THE_OPTIONS = re.compile(r"\b(which|what) of the following\b", re.IGNORECASE)
_ASKS_SEVERAL = re.compile(r"\b(two|three|four|five|both|several|one of)\b|^\s*(what|which) are (some|the (names|kinds|types))\b", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"|“[^”]*”')
_ONE_TERM = re.compile(r",|\band\b|\bor\b", re.IGNORECASE)
_EXAMPLE_LEAD = re.compile(r"\b(such as|like|e\.g\.|for example|for instance|including)\s*,?\s*$", re.IGNORECASE)
_MEMBERS_AFTER = re.compile(r"^\s*,\s*[^,.;:?]+(,|\s(and|or)\s)")
_MEMBERS_BEFORE = re.compile(r",\s*[^,.;:]+(,\s*|,?\s+(and|or)\s*)$")
# A blank that is the whole object of a verb of having ("PostgreSQL supports ____."): many things fill it.
# With "the" ("Python has the ____") the sentence points at one thing, and a blank followed by more words is narrowed by them.
_OPEN_VERB = r"(supports?|provides?|offers?|includes?|contains?|has|have|allows?|uses?|comes? with|gives?|adds?)"
_OPEN_BLANK = re.compile(rf"\b{_OPEN_VERB}\s+(also\s+)?(many\s+|several\s+|some\s+|various\s+|other\s+|a few\s+)?{BLANK}\s*[.!]?\s*$",
                         re.IGNORECASE)
_OPEN_QUESTION = re.compile(r"^\s*(what|which)\b.*\b(does|do|can|did)\b.*\b(support|provide|offer|include|contain|have|allow|use|"
                            r"come with|give|add)\s*(\?\s*$|,)", re.IGNORECASE)
# A written question that points at text it does not show ("What is the SQL statement used to do this?", "What
# allows these utilities to be combined?"); "Which of these" points at the options.
_POINTS_OUT = re.compile(r"(?<!of )\b(this|these|those)\b|\b(do|does|did|doing) (that|it)\s*\?\s*$", re.IGNORECASE)
_SEVERAL_SENTENCES = re.compile(r"[.!?]\s+[A-Z`*(]")
_QUOTED_WITH_BLANK = re.compile(rf'"([^"]*{BLANK}[^"]*)"')
# A list member is a short phrase; the blank may be a word inside one ("a ____ total").
MEMBER_WORDS = 5
_DETERMINER = re.compile(r"^(a|an|the|your|its|their|his|her|my|our|some|each|every)\s", re.IGNORECASE)
# The 1.5B wrote "What does the initial '``' indicate …?" for the course's '`$1$`': a stem with a hole in it.
_EMPTY_CODE = re.compile(r"(?<!`)``(?!`)")
_FILLER = frozenset("question quiz intro introduction topic lesson chapter easy medium hard difficulty course".split())

KEY_SUPPORT = 0.75
TOPIC_SUPPORT = 0.30
TOPIC_SIMILARITY = 0.35
DUPLICATE_SIMILARITY = 0.92


def _fingerprint(item: Exercise) -> str:
    return f"{item.question} {item.answer}"


def verify(item: Exercise, peers: Sequence[Exercise] = (), embedder=None) -> list[str]:
    problems: list[str] = []
    if len(set(content_tokens(item.question.replace(BLANK, " ")))) < 3 and not _definition_asked_backwards(item):
        problems.append("the question is too short to be a question (it needs at least 3 different content words)")
    if not item.answer.strip():
        problems.append("the answer is empty")
    if not item.explanation.strip():
        problems.append("the explanation is empty")

    if item.type == "mcq":
        problems += _options_problems(item)
    else:
        if item.options:
            problems.append(f"a {item.type} item has no options")
    if item.type != "fill_blank" or item.question.count(BLANK) != 1:
        if mentions(item.question.replace(BLANK, " "), item.answer) or _same_stems(item.question.replace(BLANK, " "), item.answer):
            problems.append("the question gives the answer away")
    if item.type == "fill_blank" and item.question.count(BLANK) != 1:
        problems.append(f"a fill-in-the-blank question must contain exactly one {BLANK}")
    problems += _teacher_problems(item)

    support = lexical_support(item.answer, item.source_text)
    if support < KEY_SUPPORT:
        problems.append(f"the answer '{item.answer}' is not supported by the course passage (use its words)")
    if not _on_topic(item, embedder):
        problems.append("the question is not about the course passage")
    problems += _duplicate_problems(item, peers, embedder)
    return problems


def _definition_asked_backwards(item: Exercise) -> bool:
    """A two-word question that is its sentence's definition asked for the defined term ("What is a sequence of
    characters?" -> string, of "A string is a sequence of characters: ..."): short, and what a teacher asks."""
    words = set(content_tokens(item.question))
    if BLANK in item.question or len(words) != 2:
        return False
    sentence = asked_sentence(item) or ""
    return words <= set(content_tokens(sentence)) - set(content_tokens(item.answer))


def _teacher_problems(item: Exercise) -> list[str]:
    """The refusals a teacher makes on sight (see the module docstring)."""
    problems = []
    stem = item.question.strip()
    if item.type != "fill_blank" and not (stem.endswith("?") or stem.count(BLANK) == 1):
        problems.append(f"the question is neither a question ending with '?' nor a statement with one {BLANK}")
    words = set(content_tokens(stem.replace(BLANK, " ")))
    topic = set(content_tokens(f"{item.concept} {item.section}".replace("-", " ")))
    if _ECHO.search(stem) or _META.search(stem) or (words and words <= topic | _FILLER):
        problems.append("the question repeats the topic or difficulty instead of asking about a fact")
    if _EMPTY_CODE.search(stem):
        problems.append("the question quotes an empty code span where a term should be")
    if item.options and all(_BARE.match(o) for o in item.options) and not _ASKS_NUMBER.search(stem):
        problems.append("the options are bare numbers or letters that the question does not ask for")
    reason = front_matter(item.source_text, item.section)
    if reason:
        problems.append(f"the source passage is front matter ({reason}), not course content")
    # "Which of the following ...?" refers to the options shown with a multiple-choice item, not to lost text.
    talk = page_talk(_OF_THE_OPTIONS.sub(" ", stem) if item.type == "mcq" else stem)
    if talk:
        problems.append(f"the question talks about the page or code it does not show ('{talk}')")
    problems += _answer_kind_problems(item)
    # Only a question the item writes itself asks for things: a course sentence it quotes may well say "both".
    if BLANK not in stem and _ASKS_SEVERAL.search(_QUOTED.sub(" ", stem)) and not _ONE_TERM.search(item.answer):
        problems.append("the question asks for several things and its answer names one")
    if stem.count(BLANK) == 1 and _blank_in_a_list(_shown_sentence(stem)):
        problems.append("the blank is one member of a list, which the other members fill as well")
    if BLANK not in stem and item.type != "fill_blank":
        sentence = asked_sentence(item)
        blanked = _blanked(sentence, item.answer) if sentence else None
        if blanked and _blank_in_a_list(blanked):
            problems.append("the answer is one member of a list in its sentence, which the question does not single out")
    if (stem.count(BLANK) == 1 and _OPEN_BLANK.search(_shown_sentence(stem))) or (BLANK not in stem and _OPEN_QUESTION.search(stem)):
        problems.append("the blank or question is open: many things the course names would answer it")
    shown = _shown_sentence(stem) if BLANK in stem else ""
    # A quoted sentence may say "this" when the sentence it points at is quoted before it (two sentences shown).
    leans = bool(shown) and (ANAPHOR.match(shown.strip()) is not None or (POINTER.search(shown) is not None and not _SEVERAL_SENTENCES.search(shown)))
    if leans or (BLANK not in stem and item.type != "fill_blank" and _POINTS_OUT.search(stem)):
        problems.append("the item points at text it does not show ('this', 'these', 'it' with nothing before it)")
    if VERSION.search(item.answer):
        problems.append("the answer is a version string, not a fact of the course")
    if item.origin == "model" and item.explanation.strip():
        explanation = item.explanation
        if _META.search(explanation):
            problems.append("the explanation talks about the exercise instead of stating the course fact")
        elif not mentions(explanation, item.answer) or lexical_support(explanation, item.source_text) < 0.5:
            problems.append("the explanation must state the course fact with the right answer in it")
    return problems


def _blank_in_a_list(stem: str) -> bool:
    """The blank stands for one example or one member of a list of three or more ("such as ____, len() and
    input()", "lists, tuples, ____ and sets"), or a word inside one ("things: a user's name, a ____ total, the
    score in a game", keyed "running"): a learner who names another member is right too, or the key is a detail."""
    before, after = stem.split(BLANK, 1)
    return bool(_EXAMPLE_LEAD.search(before) or _MEMBERS_AFTER.search(after) or _MEMBERS_BEFORE.search(before)
                or inside_a_list_member(stem))


def inside_a_list_member(blanked: str) -> bool:
    """Whether the blank is a word inside one member of a list of three or more noun phrases ("things: a user's
    name, a ____ total, the score in a game"): the comma-separated parts around it are short (at most MEMBER_WORDS
    words) and open with a determiner, as a list of things does ("In Python, ____ is a keyword, and it ends loops"
    has short parts too, but they are clauses)."""
    clause = next((seg for seg in re.split(r"[;:.!?](?:\s|$)", blanked) if BLANK in seg), "")
    parts = [re.sub(r"^(and|or)\s+", "", part.strip(), flags=re.IGNORECASE) for part in clause.split(",")]
    index = next((i for i, part in enumerate(parts) if BLANK in part), None)
    if index is None or len(parts[index].split()) < 2:  # the blank as a whole member: _MEMBERS_BEFORE/_AFTER
        return False

    def member(i: int) -> bool:
        return 0 <= i < len(parts) and 0 < len(parts[i].split()) <= MEMBER_WORDS and bool(_DETERMINER.match(parts[i]))

    if not member(index):
        return False
    start, end = index, index
    while member(start - 1):
        start -= 1
    while member(end + 1):
        end += 1
    return end - start + 1 >= 3


def _shown_sentence(stem: str) -> str:
    """The course sentence an item shows with its blank: the quoted one of an extractive stem ('... which term is
    missing from this statement? "..."'), else the stem itself."""
    quoted = _QUOTED_WITH_BLANK.search(stem)
    return quoted.group(1) if quoted else stem


def _blanked(sentence: str, answer: str) -> str | None:
    """The sentence with the answer's one occurrence (a whole word, in backticks or not) replaced by the blank."""
    hits = list(re.finditer(rf"`?(?<!\w){re.escape(answer.strip())}(?!\w)`?", sentence, flags=re.IGNORECASE))
    if len(hits) != 1:
        return None
    return sentence[: hits[0].start()] + BLANK + sentence[hits[0].end():]


def _answer_kind_problems(item: Exercise) -> list[str]:
    """A What/Which question asks for a thing: a key that is a verb or an adjective where the course sentence
    uses it does not answer it ("What is a popular first language for Python?" keyed "read", from "easy to read").
    A blank that hides an adjective before its noun ("A ____ pattern is the accumulator": common) asks nothing."""
    sentence = asked_sentence(item) or item.source_text
    answer_class = class_in_sentence(item.answer, sentence, term_kind(item.answer, sentence))
    if item.type == "fill_blank" or BLANK in item.question:  # "Which term completes ... ____ ...?" asks for the blank's word
        if not blank_worth_filling(answer_class):
            return [f"the blank hides a {answer_class} that only describes the word after it, not a fact of the course"]
        return []
    if not answers_what_or_which(item.question, answer_class):
        return [f"the answer is a {answer_class} where the course uses it, and a What/Which question asks for a thing"]
    return []


def _same_stems(text: str, term: str) -> bool:
    """Whether every content word of `term` occurs in `text` in another form ("Which program ...?" for the
    key "Programs")."""
    stems = set(content_tokens(term))
    return bool(stems) and stems <= set(content_tokens(text))


def _options_problems(item: Exercise) -> list[str]:
    problems = []
    if len(item.options) != 4:
        problems.append("a multiple-choice item needs exactly 4 options")
    normalised = [normalise(o) for o in item.options]
    if any(not o for o in normalised):
        problems.append("an option is empty")
    if len(set(normalised)) != len(normalised):
        problems.append("the options are not all different")
    elif any(near_duplicate(a, b) for i, a in enumerate(item.options) for b in item.options[i + 1 :]):
        problems.append("two options are nearly the same")
    key = normalise(item.answer)
    if normalised.count(key) != 1:
        problems.append("exactly one option must be the answer")
    for option, norm in zip(item.options, normalised):
        # A distractor that contains the key, or is contained in it, is also (partly) right.
        if norm != key and norm and key and (norm in key or key in norm or _same_stems(option, item.answer) and _same_stems(item.answer, option)):
            problems.append(f"the option '{option}' overlaps the answer, so two options could be correct")
        if norm in ("all of the above", "none of the above"):
            problems.append("do not use 'all/none of the above'")
    return problems


def _on_topic(item: Exercise, embedder) -> bool:
    question = item.question.replace(BLANK, " ")
    if lexical_support(question, item.source_text) >= TOPIC_SUPPORT:
        return True
    if embedder is None:
        return False
    vectors = embedder.embed([question, item.source_text])
    return float(vectors[0] @ vectors[1]) >= TOPIC_SIMILARITY


def _duplicate_problems(item: Exercise, peers: Sequence[Exercise], embedder) -> list[str]:
    if not peers:
        return []
    for peer in peers:
        same_fact = peer.source_id == item.source_id and normalise(peer.answer) == normalise(item.answer)
        if same_fact or near_duplicate(_fingerprint(peer), _fingerprint(item)):
            return ["the item repeats another item of this quiz; ask about a different fact"]
    if embedder is not None:
        vectors = embedder.embed([_fingerprint(item)] + [_fingerprint(p) for p in peers])
        if float(np.max(vectors[1:] @ vectors[0])) >= DUPLICATE_SIMILARITY:
            return ["the item is nearly a copy of another item of this quiz"]
    return []


def duplicate_pairs(items: Sequence[Exercise], embedder=None) -> int:
    """How many items repeat an earlier one in the list (for the benchmark's duplicate rate)."""
    return sum(bool(_duplicate_problems(item, items[:i], embedder)) for i, item in enumerate(items))


def key_tokens(item: Exercise) -> list[str]:
    return content_tokens(item.answer)
