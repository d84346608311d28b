"""Whether a sentence says the opposite of the course passage whose words it uses.

Word overlap and MiniLM similarity cannot see negation: "Rows in a table are kept in order" shares its
words with "SQL does not guarantee the order of the rows within the table", and "Yes, you can use max()
in a WHERE clause" is as close to "the aggregate max cannot be used in the WHERE clause" as a right
answer would be (both were written by Qwen2.5-Coder-1.5B on the PostgreSQL tutorial and passed the
support rule). So each clause of the sentence is set beside the passage clause that shares most of its
content words, and the two must agree in polarity: both negated or neither, where a negation is a word
such as "not", "cannot", "never", or an antonym made by a prefix ("insensitive" against "sensitive").
Clauses, not sentences: a course sentence often joins a negative and a positive clause ("Whereas columns
have a fixed order in each row, SQL does not guarantee the order of the rows"), and a right answer may
paraphrase either half.
"""

from __future__ import annotations

import re

from tutor.generation.text import code_names, content_tokens, prose

ALIGNED = 0.5  # share of a clause's content words the passage clause must hold to be the one it paraphrases
ALIGNED_WORDS = 3  # and in number: two shared words ("create a database") align a purpose phrase with any clause

_ANSWER_PARTICLE = re.compile(r"^\s*(?:yes|no)\b[,.!;]?\s*", re.IGNORECASE)
# "non-zero" says "not zero" (Bash: "exits with a non-zero status" = "an exit status which is not zero").
_NEGATION = re.compile(r"\b(?:not|no|never|cannot|none|nothing|neither|nor)\b|n't\b|\bnon-(?=\w)", re.IGNORECASE)
# "not only X but also Y" asserts X; "whether or not" and "no matter" do not negate anything.
_NOT_A_NEGATION = re.compile(r"\bnot\s+(?:only|just|merely)\b|\bor\s+not\b|\bno\s+matter\b", re.IGNORECASE)
# Conditions and alternatives are clauses of their own, and a condition asserts nothing: in "if you don't need a
# table any longer or want to recreate it differently you can remove it" the negation belongs to the condition,
# and "When the globstar shell option is enabled" is not a claim about shell options that a passage's "a non-null
# value has the effect of enabling the dotglob shell option" could contradict. The conjunction stays at the head
# of its clause so that conditions can be recognised.
_CLAUSE_BREAK = re.compile(r"[.!?](?=\s)|[,;:•]|\s(?=(?:but|whereas|while|although|though|however|unless|otherwise|if|when|or)\s)", re.IGNORECASE)
_CONDITION = re.compile(r"^\s*(?:if|when|whenever|unless)\b", re.IGNORECASE)
_NEGATING_PREFIXES = ("in", "un", "non", "im", "ir", "il", "dis")


def clauses(text: str, min_words: int = 2) -> list[str]:
    """The parts of a sentence that assert something and can carry their own polarity (conditions left out),
    each with at least `min_words` content words."""
    parts = (part.strip() for part in _CLAUSE_BREAK.split(text))
    return [part for part in parts if len(content_tokens(part)) >= min_words and not _CONDITION.match(part)]


def negated(clause: str) -> bool:
    return bool(_NEGATION.search(_NOT_A_NEGATION.sub(" ", clause)))


def antonym_pairs(a: set[str], b: set[str]) -> int:
    """Stems of one set that the other negates by a prefix ("sensit" / "insensit"), counted both ways."""

    def negated_in(words: set[str], others: set[str]) -> int:
        return sum(any(prefix + word in others for prefix in _NEGATING_PREFIXES) for word in words if len(word) >= 4)

    return negated_in(a, b) + negated_in(b, a)


_RESTRICTIVE = re.compile(r"\b(?:only|except)\b", re.IGNORECASE)


def opposite(a: str, b: str) -> bool:
    """Whether two clauses that say the same thing in words differ in polarity (a negation on one side only,
    counting a prefix antonym as one more negation). A restrictive clause has no plain polarity ("they can
    only represent certain decimal values" says what "some decimal values cannot be represented" says), so
    it opposes nothing."""
    if _RESTRICTIVE.search(_NOT_A_NEGATION.sub(" ", a)) or _RESTRICTIVE.search(_NOT_A_NEGATION.sub(" ", b)):
        return False
    return (negated(a) != negated(b)) != bool(antonym_pairs(set(content_tokens(a)), set(content_tokens(b))))


def same_code(clause: str, other: str) -> bool:
    """Whether every name the clause writes as code is in the other clause too: "The function `add` does not
    return a value" is about the learner's `add`, not about what the course says of `return` in general."""
    low = other.casefold()
    return all(name in low for name in code_names(clause))


def contradicts(sentence: str, passage: str) -> bool:
    """Whether some clause of `sentence` says the opposite of the passage clause that shares most of its
    content words (a leading "Yes,"/"No," is the answer to the question, not part of the claim)."""
    # Three content words at least: "If the test is true" aligns with any clause about a true test.
    own = clauses(_ANSWER_PARTICLE.sub("", sentence), min_words=3)
    theirs = clauses(prose(passage))  # course prose: a code line shares numbers and names with anything
    if not own or not theirs:
        return False
    their_words = [set(content_tokens(other)) for other in theirs]
    for clause in own:
        words = set(content_tokens(clause))
        # A word and its prefix antonym count as shared: "case sensitive" aligns with "case insensitive".
        shared = [len(words & other) + antonym_pairs(words, other) for other in their_words]
        best = max(shared)
        partners = [other for other, count in zip(theirs, shared) if count == best and same_code(clause, other)]
        # Several passage clauses may share as many words with it: only when it opposes all of them is
        # the opposition certain.
        if partners and best >= ALIGNED_WORDS and best / len(words) >= ALIGNED and all(opposite(clause, p) for p in partners):
            return True
    return False
