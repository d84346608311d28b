"""Text metrics for explanations: grounding, citation precision, reference coverage, readability, length.

Grounding is lexical, with the threshold stated: a sentence is supported when at least SUPPORT (50%) of
its content words (stop words removed, stemmed: the shared tokenizer in tutor.retrieval.tokens) occur in one of
the passages it cites: the lexical half of `tutor.generation.attribution.supports`, the rule by which the
explainer decides which model sentences to show and cite. A sentence
that cites nothing is unsupported. Lexical support rewards quoting and misses paraphrase; that suits
this tutor, whose answers are meant to stay close to the course text.

Readability is the Flesch-Kincaid grade level, 0.39 (words/sentences) + 11.8 (syllables/words) - 15.59,
computed here because the `textstat` package fetches a pronouncing dictionary from the network at run
time. Syllables come from a vowel-group heuristic (silent final e, -le, -ed/-es endings), which is
within one syllable of a dictionary for most English words; code in backticks and fenced blocks is
removed first (it is not prose a learner reads aloud).
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from tutor.evaluation.metrics import Score, share
from tutor.generation.attribution import LEXICAL, supports
from tutor.generation.text import answer_sentences, lexical_support
from tutor.retrieval.tokens import content_tokens

SUPPORT = LEXICAL
COVERAGE = 0.5
_CITE = re.compile(r"\[(\d+)\]")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_CODE = re.compile(r"```.*?(```|$)|`[^`\n]*`", re.DOTALL)


def grounding(text: str, cited: Mapping[int, str], threshold: float = SUPPORT) -> Score:
    """Share of the answer's sentences supported by a passage they cite (`cited`: number -> passage text)."""
    flags = []
    for sentence, numbers in answer_sentences(text):
        flags.append(any((supports(sentence, cited[n]) if threshold == SUPPORT else lexical_support(sentence, cited[n]) >= threshold)
                         for n in numbers if n in cited))
    result = share(flags, f"sentences supported (>= {threshold:.0%} of content words in a cited passage)")
    return result if result.value is not None else Score(0.0, "empty answer")


def citation_precision(text: str, cited: Mapping[int, str], threshold: float = SUPPORT) -> Score:
    """Share of distinct cited numbers whose passage supports at least one sentence that cites it."""
    by_number: dict[int, list[str]] = {}
    for sentence, numbers in answer_sentences(text):
        for n in numbers:
            by_number.setdefault(n, []).append(sentence)
    if not by_number:
        return Score(0.0, "no citation")
    good = [n for n, sents in sorted(by_number.items()) if n in cited and any(lexical_support(s, cited[n]) >= threshold for s in sents)]
    return Score(len(good) / len(by_number), f"citations {good} of {sorted(by_number)} support their sentences")


def reference_coverage(text: str, points: Sequence[str], threshold: float = COVERAGE) -> Score:
    """Share of reference points whose content words are (>= threshold) found in the answer."""
    if not points:
        return Score(None, "no reference points")
    covered = [p for p in points if lexical_support(p, text) >= threshold]
    missing = [p for p in points if p not in covered]
    reason = f"{len(covered)}/{len(points)} points covered" + (f"; missing: {'; '.join(missing)[:200]}" if missing else "")
    return Score(len(covered) / len(points), reason)


def syllables(word: str) -> int:
    """Vowel groups, less a silent final e, at least one per word."""
    word = word.lower().strip("'")
    if not word:
        return 0
    if len(word) <= 3:
        return 1
    count = len(re.findall(r"[aeiouy]+", word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        count -= 1
    elif word.endswith(("ed", "es")) and not word.endswith(("ted", "ded", "ses", "zes", "ces", "ges", "xes", "shes", "ches")):
        count -= 1
    return max(count, 1)


def prose_words(text: str) -> list[str]:
    return _WORD.findall(_CITE.sub("", _CODE.sub(" ", text)))


def flesch_kincaid_grade(text: str) -> Score:
    words = prose_words(text)
    if not words:
        return Score(None, "no prose words")
    sentence_count = max(1, len([s for s in re.split(r"[.!?]+(?:\s|$)", _CODE.sub(" ", text)) if _WORD.search(s)]))
    syllable_count = sum(syllables(w) for w in words)
    grade = 0.39 * len(words) / sentence_count + 11.8 * syllable_count / len(words) - 15.59
    return Score(round(grade, 2), f"{len(words)} words, {sentence_count} sentences, {syllable_count} syllables")


def word_count(text: str) -> Score:
    n = len(text.split())
    return Score(float(n), f"{n} words")


def content_words(text: str) -> int:
    return len(content_tokens(text))


# Highest Flesch-Kincaid grade we accept for each learner level (US school grades: a beginner text
# should read like a general-audience article, grade 8-9; technical terms push the grade up).
LEVEL_MAX_GRADE = {"beginner": 9.0, "intermediate": 11.0, "advanced": 13.0}


def readable_for_level(grade: float | None, level: str = "beginner") -> Score:
    if grade is None:
        return Score(None, "no prose to grade")
    limit = LEVEL_MAX_GRADE.get(level, LEVEL_MAX_GRADE["beginner"])
    return Score(1.0 if grade <= limit else 0.0, f"grade {grade} vs at most {limit} for a {level}")
