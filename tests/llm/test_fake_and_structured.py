"""The fake backend and the structured-output loop (validate, re-ask with the error, then fail)."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from tutor.config import Settings
from tutor.errors import ConfigError, GenerationError
from tutor.llm.registry import get_chat_model
from tutor.llm.fake import FakeChatModel
from tutor.llm.structured import generate_structured, grammar_for


class Answer(BaseModel):
    word: str = Field(max_length=10)
    kind: Literal["noun", "verb"]


MESSAGES = [{"role": "user", "content": "give a word"}]


def test_fake_replays_queue_and_records_prompts():
    fake = FakeChatModel(["one", lambda messages: messages[-1]["content"].upper()], default="rest")
    assert fake.complete(MESSAGES).text == "one"
    assert fake.complete(MESSAGES).text == "GIVE A WORD"
    assert fake.complete(MESSAGES).text == "rest"
    assert "".join(fake.stream(MESSAGES)) == "rest"
    assert fake.prompts == [MESSAGES] * 4
    assert [c["stream"] for c in fake.calls] == [False, False, False, True]


def test_structured_reasks_with_the_error_then_succeeds():
    fake = FakeChatModel(['{"word": "run", "kind": "adverb"}', '{"word": "run", "kind": "verb"}'])
    result = generate_structured(fake, MESSAGES, Answer, max_retries=2)
    assert result.value == Answer(word="run", kind="verb")
    assert result.attempts == 2
    reask = fake.prompts[1]
    assert reask[:1] == MESSAGES
    assert reask[1] == {"role": "assistant", "content": '{"word": "run", "kind": "adverb"}'}
    assert "kind" in reask[2]["content"] and "rejected" in reask[2]["content"]
    assert fake.calls[0]["json_schema"] == Answer.model_json_schema()


def test_structured_gives_up_with_attempts_and_last_output():
    fake = FakeChatModel(default="not json at all")
    with pytest.raises(GenerationError) as info:
        generate_structured(fake, MESSAGES, Answer, max_retries=1, what="word")
    assert info.value.attempts == 2
    assert info.value.last_output == "not json at all"
    assert "no JSON object" in info.value.last_error
    assert len(fake.calls) == 2


def test_check_problems_trigger_a_reask():
    fake = FakeChatModel(['{"word": "cat", "kind": "noun"}', '{"word": "dog", "kind": "noun"}'])
    result = generate_structured(fake, MESSAGES, Answer, check=lambda a: ["not a dog"] if a.word != "dog" else [])
    assert result.value.word == "dog"
    assert "not a dog" in fake.prompts[1][-1]["content"]


def test_json_in_prose_is_extracted():
    fake = FakeChatModel(['Sure! ```json\n{"word": "go", "kind": "verb"}\n```'])
    assert generate_structured(fake, MESSAGES, Answer).value.word == "go"


def test_grammar_excludes_control_characters_in_strings():
    grammar = grammar_for(Answer.model_json_schema())
    assert r'char ::= [^"\\\x7F\x00-\x1F]' in grammar
    assert '"\\"noun\\""' in grammar  # Literal choices become alternatives


def test_factory_picks_backends():
    assert get_chat_model(Settings(llm="fake")).name == "fake"
    with pytest.raises(ConfigError, match="TUTOR_LLM_BASE_URL"):
        get_chat_model(Settings(llm="openai", llm_base_url=None, llm_model="x-missing-url"))
