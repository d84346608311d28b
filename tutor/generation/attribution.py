"""Which course passage supports a sentence: the one rule the explainer serves by and the evals score by.

Small models answer in plain prose and do not write [n] markers, so the tutor attributes each sentence
itself. A sentence is supported by a passage when
- at least LEXICAL (50%) of its content words occur in the passage (stop words removed, crude stemming:
  tutor/generation/text.py), or
- its meaning is close to one of the passage's sentences (MiniLM cosine >= SEMANTIC) and at least
  LEXICAL_WITH_MEANING (30%) of its content words occur in the passage, so a paraphrase counts but a
  fluent sentence on the same topic with other facts does not;
and in either case no clause of the sentence says the opposite of the passage clause it paraphrases
(tutor/generation/polarity.py: "Rows in a table are kept in order" against "SQL does not guarantee the
order of the rows"; `attribute` refuses a sentence that any retrieved passage contradicts), and every
name the sentence writes as code (`git rebase`, `len()`) occurs in the passage:
a command or identifier is what the learner will type, so it must come from the course, not from the
model's memory. (Seen on git's tutorial: "To rebase your branch onto master, use the `git rebase` command"
passed the word rule through "branch", "master" and "git" on a passage that never mentions rebasing.)
A sentence that opens by pointing back ("This tells the shell to…", "It returns…") is not shown when the
sentence it points back to was not: its claim is about something the learner cannot see, and on the Bash
manual it was the wrong half of a wrong answer. A sentence about the course material itself ("The course
material provides a query that counts the readings") is not a fact of the subject either: the learner
asked for the query, and the extractive answer quotes it.
The evals' grounding metric calls `supports` with the passage text alone (no embeddings), which is the
lexical half of the same rule; the explainer adds the semantic half when it has the vectors.

Thresholds were set on the demo course with Qwen2.5-Coder answers: correct paraphrases ("The break
statement exits the loop immediately") score 0.55-0.8 lexical; off-passage facts score under 0.3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from tutor.generation.polarity import contradicts
from tutor.generation.text import code_names, content_tokens, lexical_support

LEXICAL = 0.5
SEMANTIC = 0.62
LEXICAL_WITH_MEANING = 0.3


@dataclass(frozen=True)
class Attribution:
    sentence: str
    n: int | None  # 1-based number of the supporting passage; None when no passage supports it
    lexical: float
    semantic: float | None
    weight: int = 0  # content words the sentence adds to the question (how much it says)

    @property
    def supported(self) -> bool:
        return self.n is not None


def new_words(sentence: str, question: str = "") -> int:
    """Content words of `sentence` that the question did not already say. A sentence that only restates
    the question ("Yes, you can change one letter of a string") is supported by any passage that the
    question matched, so it says nothing the tutor can vouch for: weight 0."""
    asked = set(content_tokens(question)) | {"yes", "no"}
    return len(set(content_tokens(sentence)) - asked)


def code_grounded(sentence: str, passage: str) -> bool:
    """Whether every name the sentence writes as code occurs in the passage as a whole word."""
    low = passage.casefold()
    return all(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", low) for name in code_names(sentence))


def supports(sentence: str, passage: str, semantic: float | None = None) -> bool:
    """The support rule (see the module docstring); `semantic` is the best cosine to the passage's sentences."""
    lexical = lexical_support(sentence, passage)
    worded = lexical >= LEXICAL or (semantic is not None and semantic >= SEMANTIC and lexical >= LEXICAL_WITH_MEANING)
    return worded and code_grounded(sentence, passage) and not contradicts(sentence, passage)


_POINTS_BACK = re.compile(r"^\s*(?:this|that|these|those|it|they|such)\b", re.IGNORECASE)


def points_back(sentence: str) -> bool:
    """Whether a sentence opens with a word that refers to the sentence before it."""
    return bool(_POINTS_BACK.match(sentence))


_ABOUT_THE_MATERIAL = re.compile(r"\b(?:course material|the (?:course )?(?:excerpts?|passages?)|the course text)\b", re.IGNORECASE)


def about_the_material(sentence: str) -> bool:
    """Whether a sentence talks about the excerpts the model was given rather than about the subject."""
    return bool(_ABOUT_THE_MATERIAL.search(sentence))


def attribute(sentences: Sequence[str], passages: Sequence[str], embedder=None, units: Sequence[tuple[int, str]] | None = None,
              unit_vectors: np.ndarray | None = None, question: str = "", before: Attribution | None = None) -> list[Attribution]:
    """One Attribution per sentence: the best supporting passage (by lexical + semantic score) or None.
    `before` is the attribution of the sentence that came before these (a streamed answer is attributed a
    few sentences at a time), so a sentence pointing back to a refused one is refused across the seam.

    `units` are (passage index, sentence) pairs of the passages with their embeddings in `unit_vectors`
    (the explainer already embedded them to pick the prompt's sentences); without them and with an
    embedder they are computed here; with neither only the lexical rule runs.
    """
    if not sentences:
        return []
    semantic = None  # semantic[i][p]: best cosine of sentence i to a unit of passage p
    if embedder is not None:
        if units is None or unit_vectors is None:
            from tutor.generation.text import sentences as split

            units = [(p, s) for p, text in enumerate(passages) for s in split(text, min_words=3, max_chars=400)]
            unit_vectors = embedder.embed([s for _, s in units]) if units else None
        if units:
            vectors = embedder.embed(list(sentences))
            cosine = vectors @ np.asarray(unit_vectors).T
            semantic = np.full((len(sentences), len(passages)), -1.0)
            for j, (p, _) in enumerate(units):
                semantic[:, p] = np.maximum(semantic[:, p], cosine[:, j])
    out = []
    for i, sentence in enumerate(sentences):
        best: tuple[float, int | None, float, float | None] = (-1.0, None, 0.0, None)
        # A claim one retrieved passage contradicts is not made true by another that merely shares its words.
        refuted = about_the_material(sentence) or any(contradicts(sentence, passage) for passage in passages)
        for p, passage in enumerate(passages if not refuted else ()):
            lexical = lexical_support(sentence, passage)
            meaning = float(semantic[i, p]) if semantic is not None else None
            if not supports(sentence, passage, meaning):
                continue
            score = lexical + (meaning or 0.0)
            if score > best[0]:
                best = (score, p + 1, lexical, meaning)
        previous = out[-1] if out else before
        if best[1] is None:  # unsupported: keep the closest scores for the record
            lexical = max((lexical_support(sentence, p) for p in passages), default=0.0)
            meaning = float(semantic[i].max()) if semantic is not None else None
            out.append(Attribution(sentence, None, lexical, meaning, new_words(sentence, question)))
        elif new_words(sentence, question) == 0:  # a restatement of the question is not a supported fact
            out.append(Attribution(sentence, None, best[2], best[3], 0))
        elif previous is not None and not previous.supported and points_back(sentence):
            out.append(Attribution(sentence, None, best[2], best[3], new_words(sentence, question)))
        else:
            out.append(Attribution(sentence, best[1], best[2], best[3], new_words(sentence, question)))
    return out


_END = re.compile(r"([.!?:;]*)\s*$")


def with_citation(sentence: str, n: int) -> str:
    """'Claim.' -> 'Claim [n].' (the marker before the end punctuation, as the tutor's own answers write it)."""
    sentence = sentence.strip()
    match = _END.search(sentence)
    end = match.group(1) if match else ""
    body = sentence[: len(sentence) - len(end)].rstrip() if end else sentence
    return f"{body} [{n}]{end or '.'}"
