"""Feedback metrics: verdict accuracy against labels, misconception match, and answer-key leaks in hints.

A misconception matches when half of the labelled misconception's content words occur in the grader's
(lexical, threshold stated) - the labels are short phrases such as "confuses = with ==". It applies
only to answers labelled with a misconception.
"""

from __future__ import annotations

from tutor.evaluation.metrics import Score
from tutor.generation.text import lexical_support, normalise

MISCONCEPTION_MATCH = 0.5


def verdict_accuracy(predicted: str, label: str) -> Score:
    return Score(float(predicted == label), f"predicted {predicted}, labelled {label}")


def misconception_match(predicted: str, label: str, threshold: float = MISCONCEPTION_MATCH) -> Score:
    if not label.strip():
        return Score(None, "no misconception labelled")
    if not predicted.strip():
        return Score(0.0, f"no misconception named (labelled: {label})")
    support = lexical_support(label, predicted)
    return Score(float(support >= threshold), f"{support:.0%} of '{label}' found in '{predicted[:80]}'")


def hint_leak(hint: str, key: str) -> Score:
    """1.0 when a hint gives the key away (lower is better)."""
    key_n = normalise(key)
    leaked = bool(key_n) and key_n in normalise(hint)
    return Score(float(leaked), "the hint contains the key" if leaked else "the hint keeps the key back")
