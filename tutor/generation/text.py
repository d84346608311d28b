"""Small, deterministic text tools shared by the verifier, the extractive generator and the grader.

Words, stop words and stems come from tutor.retrieval.tokens, the tokenizer BM25 and the eval metrics
use too (English only); sentences are split on end punctuation after fenced code blocks are removed,
which suits course prose, not poetry.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from tutor.retrieval.tokens import STOP_WORDS as STOP
from tutor.retrieval.tokens import content_tokens, stem  # noqa: F401  (the shared tokenizer, re-exported)

_FENCE = re.compile(r"```.*?(```|$)", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(])")
CODE_TERM = re.compile(r"`([^`\n]{1,30})`")


def normalise(text: str) -> str:
    """Case-folded, whitespace-collapsed, outer punctuation and quotes removed: for exact comparisons."""
    text = re.sub(r"\s+", " ", str(text).casefold()).strip()
    return text.strip(" .,;:!?\"'`")


def mentions(text: str, term: str) -> bool:
    """Whether `term` occurs in `text` as a whole word or phrase (so 'if' is not found in 'different')."""
    term = normalise(term)
    return bool(term) and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", normalise(text)) is not None


def lexical_support(claim: str, passage: str) -> float:
    """Share of the claim's content tokens that occur in the passage (1.0 for a claim with none)."""
    tokens = content_tokens(claim)
    if not tokens:
        return 1.0
    vocab = set(content_tokens(passage))
    return sum(t in vocab for t in tokens) / len(tokens)


def near_duplicate(a: str, b: str, threshold: float = 0.9) -> bool:
    return SequenceMatcher(None, normalise(a), normalise(b)).ratio() >= threshold


def prose(text: str) -> str:
    """Course text without fenced code blocks, heading marks and list bullets.

    A removed code block ends the sentence before it (its place becomes a paragraph break), so the
    lead-in "Try this:" never runs on into the next sentence as if the code had not been there."""
    text = _FENCE.sub("\n\n", text)
    text = re.sub(r"^\s*(#+|[-*]|\d+\.)\s+", "", text, flags=re.MULTILINE)
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str, min_words: int = 6, max_chars: int = 220) -> list[str]:
    out = []
    paragraphs = [prose(p) for p in re.split(r"\n\s*\n|\n(?=\s*#)", _FENCE.sub("\n\n", text))]
    for sentence in (s for paragraph in paragraphs for s in _SENTENCE_END.split(paragraph)):
        sentence = sentence.strip()
        if len(sentence.split()) >= min_words and len(sentence) <= max_chars and sentence[-1:] in ".!?" and not sentence.startswith("Output"):
            out.append(sentence)
    return out


_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z_]{2,}")


def code_names(sentence: str) -> set[str]:
    """The names a sentence writes as code: identifiers, commands and options inside backticks, case-folded."""
    return {name.casefold() for span in _CODE_SPAN.findall(sentence) for name in _NAME.findall(span)}


def code_terms(text: str) -> list[str]:
    return [t.strip() for t in CODE_TERM.findall(_FENCE.sub(" ", text)) if t.strip()]


_CITE = re.compile(r"\[(\d+)\]")
_ANSWER_SENTENCE = re.compile(r"(?<=[.!?])(?<!#!)\s+")  # "#!" starts a script line, it ends no sentence
_MARKERS_AFTER_END = re.compile(r"([.!?])((?:\s*\[\d+\])+)")


def answer_sentences(text: str) -> list[tuple[str, list[int]]]:
    """(sentence without citation markers, cited numbers) for each sentence with at least one word.

    Markers written after the full stop ("... False. [1]") belong to the sentence before them; lines
    (list items) are sentences of their own; a lead-in line ending with ':' is framing, not a claim.
    """
    out = []
    text = _MARKERS_AFTER_END.sub(lambda m: m.group(2) + m.group(1), text.strip())
    pieces = [s for line in text.splitlines() if not line.strip().endswith(":") for s in _ANSWER_SENTENCE.split(line.strip().lstrip("-* "))]
    for sentence in pieces:
        numbers = [int(n) for n in _CITE.findall(sentence)]
        clean = re.sub(r"\s+([.!?,;])", r"\1", _CITE.sub("", sentence)).strip()
        if re.search(r"\w", clean):
            out.append((clean, numbers))
    return out
