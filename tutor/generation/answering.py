"""Which course sentences answer a question: the extractive answer's choice when the model's is refused.

Two things decide, both measured against the question:
- meaning: the cosine of the sentence's embedding with the question's;
- coverage: the share of the question's words the sentence contains, each word weighted by how
  specific it is among the retrieved sentences (inverse document frequency). In "How do I undo changes
  to a file?" over a version-control tutorial, "undo" is in one sentence and "changes" and "file" in
  dozens: a sentence about committing changes to files shares two words with the question and answers
  nothing, the one sentence with "undo" is the answer. A question word no retrieved sentence contains
  ("rebase" in a course that never mentions it) weighs more than the rarest one, so an answer that
  misses it cannot look direct.
A sentence that names the question's terms together, as the question does ("git merge" rather than
"git" here and "merges" there), ranks higher. Only sentences that cover nearly as much as the best one
are quoted (never three sentences for the sake of three), and the answer is called direct only when
its best sentence covers enough of the question and is close to it in meaning; otherwise the tutor says
plainly that the passages it found do not answer it, and quotes the closest they come.

Sentences are cut so that they read on their own in a quote: a lead-in that ends in a command on its
own line ("To merge the changes into master, run" + `git merge experimental`) is one sentence with its
command, and the text after a command line starts a new sentence unless it continues in lower case. A
code listing of several lines is never flattened into a quote, and the lead-in it leaves behind is not quoted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from tutor.generation.text import content_tokens

MAX_QUOTES = 3
MIN_WORDS = 4
MAX_CHARS = 300
MAX_INLINE_CODE = 80  # a command on its own line this short joins its lead-in; a longer listing does not
RELATIVE_COVERAGE = 0.75  # a quote covers at least this share of what the best sentence covers
PHRASE_WEIGHT = 0.5  # a sentence naming the question's terms as the question does ("git merge", "undo changes") ranks higher
# The answer is direct when its best sentence holds a fair share of the question's weighted words and,
# with its closeness in meaning, scores this much; else the tutor says the passages do not answer it.
# (MiniLM's cosines of single sentences with a question sit in a narrow band, 0.4-0.7, and miss
# paraphrases such as "stop early" for "exits immediately", so neither signal decides alone.)
DIRECT_MIN_COVERAGE = 0.35
DIRECT_SCORE = 0.85
# Words that frame a question rather than name its subject ("What does X mean?", "How does X work?").
QUESTION_FRAME = frozenset(content_tokens("mean meaning explain explanation work works example difference happen happens"))

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][)\"']))\s+(?=[A-Z`\"'(])")
_CODE_LINE = re.compile(r"^`[^`]+`$")
_MARKUP = re.compile(r"^\s*(#+|[-*+]|\d+\.)\s+")


def quotable_units(text: str) -> list[str]:
    """The passage's sentences as a quote should show them (see the module docstring)."""
    pieces: list[tuple[str, str]] = []  # ("prose" | "code" | "break", text)
    fence: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            if fence is None:
                fence = []
            else:  # a one-line block is a command that can close a sentence; a listing is not quoted
                pieces.append(("code", fence[0]) if len(fence) == 1 else ("break", ""))
                fence = None
            continue
        if fence is not None:
            fence.append(stripped)
        elif not stripped:
            pieces.append(("break", ""))
        elif _CODE_LINE.match(stripped):
            pieces.append(("code", stripped.strip("`").strip()))
        else:
            pieces.append(("prose", _MARKUP.sub("", stripped)))
    units: list[str] = []
    current = ""
    after_code = False

    def flush() -> None:
        nonlocal current
        units.extend(s.strip() for s in _SENTENCE_END.split(current.strip()) if s.strip())
        current = ""

    for n, (kind, piece) in enumerate(pieces):
        if kind == "break":
            following = next((k for k, _ in pieces[n + 1:] if k != "break"), None)
            if not (current and current[-1] not in ".!?" and following == "code"):
                flush()  # a paragraph ends, unless a lead-in goes on into the command after the blank line
        elif kind == "code":
            if current and current[-1] not in ".!?" and len(piece) <= MAX_INLINE_CODE:
                current += f" `{piece}`"
                after_code = True
            else:
                flush()
                after_code = False
        else:
            if after_code and piece[:1].isupper():
                flush()
            current = f"{current} {piece}" if current else piece
            after_code = False
    flush()
    # A quote is a whole sentence, or a lead-in with its command; a lead-in whose listing is left out is not.
    return [u for u in units if u[-1:] in ".!?`" and len(re.findall(r"[A-Za-z]{2,}", u)) >= MIN_WORDS and len(u) <= MAX_CHARS]


@dataclass
class Choice:
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (passage index, sentence), in course order
    direct: bool = False


def term_weights(question: str, units: Sequence[str]) -> dict[str, float]:
    """The question's words, each weighted by how specific it is among the units (absent words weigh most)."""
    terms = [t for t in dict.fromkeys(content_tokens(question)) if t not in QUESTION_FRAME]
    vocab = [set(content_tokens(u)) for u in units]
    n = max(len(units), 1)
    return {t: math.log((n + 1) / (sum(t in v for v in vocab) + 0.5)) for t in terms}


def choose(question: str, question_vector: np.ndarray, passages: Sequence, embed: Callable[[list[str]], np.ndarray],
           known: dict[str, np.ndarray] | None = None, max_passages: int = 4) -> Choice:
    """The sentences of the first `max_passages` passages that best answer the question, and whether they do."""
    units = [(p, u) for p, passage in enumerate(passages[:max_passages]) for u in quotable_units(passage.text)]
    if not units:
        return Choice()
    known = known or {}
    fresh = [u for _, u in units if u not in known]
    vectors = dict(known)
    if fresh:
        vectors.update(zip(fresh, embed(fresh)))
    weights = term_weights(question, [u for _, u in units])
    total = sum(weights.values())
    asked = [t for t in content_tokens(question) if t not in QUESTION_FRAME]
    phrases = set(zip(asked, asked[1:]))
    similarity, covered, named = [], [], []
    for _, unit in units:
        similarity.append(float(np.asarray(vectors[unit]) @ question_vector))
        tokens = content_tokens(unit)
        words = set(tokens)
        covered.append(sum(w for t, w in weights.items() if t in words) / total if total else 0.0)
        named.append(len(phrases & set(zip(tokens, tokens[1:]))) / len(phrases) if phrases else 0.0)
    order = sorted(range(len(units)), key=lambda i: -(similarity[i] + covered[i] + PHRASE_WEIGHT * named[i]))
    best = order[0]
    floor = RELATIVE_COVERAGE * covered[best]
    chosen = [i for i in order if covered[i] >= floor and covered[i] > 0][:MAX_QUOTES] or [best]
    seen: set[str] = set()
    quotes = []
    for i in sorted(chosen):
        if units[i][1] not in seen:
            seen.add(units[i][1])
            quotes.append(units[i])
    direct = covered[best] >= DIRECT_MIN_COVERAGE and similarity[best] + covered[best] >= DIRECT_SCORE
    return Choice(quotes=quotes, direct=direct)
