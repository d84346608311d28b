"""Helpers shared by the eval tests (a plain module: conftest.py cannot be imported)."""

from __future__ import annotations

import json
from pathlib import Path


class StubStore:
    def exists(self, course: str) -> bool:
        return True


class StubRetriever:
    """Enough of a Retriever for tasks that need no search: the course 'exists', no embedder (lexical only)."""

    embedder = None
    store = StubStore()


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


FREE_TEXT_ITEM = {
    "type": "short_answer",
    "question": "Which statement skips the rest of the current pass of a loop?",
    "answer": "continue",
    "passage": "`continue` skips the rest of the current pass and jumps straight to the next one.",
    "concept": "loops",
}


def make_feedback_suite(tmp_path: Path) -> Path:
    """A two-case feedback suite whose free-text answers make the grader ask the model."""
    write_jsonl(tmp_path / "fb.jsonl", [
        {"id": "a", "item": FREE_TEXT_ITEM, "learner_answer": "it jumps ahead", "label": "partly"},
        {"id": "b", "item": FREE_TEXT_ITEM, "learner_answer": "break", "label": "incorrect", "misconception": "confuses break with continue"},
    ])
    suite = tmp_path / "fb.yaml"
    suite.write_text(
        "name: fb\ntask: feedback\ndataset: fb.jsonl\nmodels:\n  - {name: fake, llm: fake}\n"
        "metrics:\n  - {name: verdict_accuracy, min: 0.5}\n  - {name: misconception_match}\n",
        encoding="utf-8",
    )
    return suite


def rubric_reply(verdict: str = "partly", misconception: str = "confuses break with continue") -> str:
    return json.dumps({"verdict": verdict, "misconception": misconception, "hint": "What happens to the rest of the loop body?"})
