"""Secrets never printed or stored: `tutor config` hides passwords in URLs and keys; an endpoint URL with
credentials is redacted in the model's name (which goes into events, items and eval runs) and its errors;
an instructor's course id cannot move the bank export out of its temp folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hardening_support import tutor_cmd
from tutor.redact import redact_url

SECRETS = ("db-pa55word", "llm-pa55word", "query-k3y-value", "sk-live-abcdef123456", "chroma-t0ken")


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://tutor:db-pa55word@db.example/tutor", "postgresql+psycopg://tutor:***@db.example/tutor"),
    ("http://me:llm-pa55word@127.0.0.1:8000/v1", "http://me:***@127.0.0.1:8000/v1"),
    ("https://api.example/v1?api_key=query-k3y-value&model=x", "https://api.example/v1?api_key=***&model=x"),
    ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
    ("sqlite:////home/x/tutor.db", "sqlite:////home/x/tutor.db"),
    (None, None),
])
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_tutor_config_prints_no_secret(tutor_home):
    env = dict(os.environ, TUTOR_HOME=str(tutor_home),
               TUTOR_DATABASE_URL="postgresql+psycopg://tutor:db-pa55word@127.0.0.1:1/tutor",
               TUTOR_LLM_BASE_URL="http://me:llm-pa55word@127.0.0.1:8000/v1?key=query-k3y-value",
               TUTOR_LLM_API_KEY="sk-live-abcdef123456",
               TUTOR_CHROMA_URL="http://admin:chroma-t0ken@127.0.0.1:9/")
    for args in (["config"], ["config", "--json"]):
        done = tutor_cmd(*args, env=env)
        assert done.returncode == 0, done.stderr
        assert not [s for s in SECRETS if s in done.stdout + done.stderr], done.stdout
        assert "127.0.0.1:8000/v1" in done.stdout and "***" in done.stdout  # still says where, not how to get in


def test_an_endpoint_url_with_credentials_stays_out_of_names_errors_and_stored_events(hctx, husers):
    from tutor.db import session_scope
    from tutor.db.models import Event
    from tutor.errors import LLMUnavailableError
    from tutor.llm.openai_compat import OpenAIChatModel

    from tutor.devservices import free_port

    url = f"http://me:llm-pa55word@127.0.0.1:{free_port()}/v1?api_key=query-k3y-value"
    model = OpenAIChatModel(base_url=url, api_key="sk-live-abcdef123456", timeout_s=2, max_retries=0)
    assert not [s for s in SECRETS if s in model.name], model.name
    with pytest.raises(LLMUnavailableError) as failed:  # nothing listens there
        model.complete([{"role": "user", "content": "hi"}], max_tokens=5)
    assert not [s for s in SECRETS if s in str(failed.value)], str(failed.value)
    # What the app stores about a generation carries the model's name: an event, as the chat logs it.
    with session_scope(hctx.settings) as session:
        session.add(Event(learner_id="ada", kind="chat_turn", payload={"model": model.name}))
    with session_scope(hctx.settings) as session:
        stored = json.dumps([e.payload for e in session.query(Event).all()])
    assert "127.0.0.1" in stored and not [s for s in SECRETS if s in stored]


@pytest.mark.parametrize("course", ["../x", "../../etc/cron.d/x", "/tmp/abs", "..", "a/../../b", "\x00bad"])
def test_bank_export_cannot_escape_its_temp_folder(hctx, husers, course, tmp_path):
    from tutor.services import question_bank as bank

    path, count = bank.export_file(hctx, husers["teacher"], course, "gift")
    folder = path.parent
    assert folder.name.startswith("tutor-bank-") and path.exists() and count == 0
    assert ".." not in path.name and "/" not in path.name and not path.name.startswith(".")
    assert Path(os.path.realpath(path)).parent == Path(os.path.realpath(folder))
