"""The `openai` backend against a real OpenAI-compatible server: llama-cpp-python's own, on 127.0.0.1."""

from __future__ import annotations

import pytest

from tutor.devservices import ServiceError, free_port, llama_server
from tutor.errors import LLMUnavailableError
from tutor.generation.models import ShortAnswerDraft
from tutor.llm.local import default_model_path
from tutor.llm.openai_compat import OpenAIChatModel
from tutor.llm.structured import generate_structured

pytestmark = pytest.mark.server
MESSAGES = [{"role": "user", "content": "Name one Python keyword used in loops."}]


@pytest.fixture(scope="module")
def server_url():
    try:
        with llama_server(default_model_path("smollm2-135m"), start_timeout=60) as url:  # the endpoint plumbing, not the model, is under test: the smallest model
            yield url
    except ServiceError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def model(server_url):
    return OpenAIChatModel(base_url=server_url, model="smollm2", timeout_s=120, max_retries=0)


def test_complete_respects_max_tokens(model):
    completion = model.complete(MESSAGES, max_tokens=5)
    assert completion.text
    assert completion.completion_tokens <= 5  # the server honours max_tokens sent in the body
    assert completion.finish_reason in ("length", "stop")


def test_stream(model):
    pieces = list(model.stream(MESSAGES, max_tokens=8))
    assert len(pieces) >= 2


def test_structured_output_falls_back_to_json_object_with_schema(model):
    result = generate_structured(model, MESSAGES, ShortAnswerDraft, max_retries=1, max_tokens=120)
    assert isinstance(result.value, ShortAnswerDraft)
    # llama.cpp's server refuses OpenAI json_schema; the backend switched to json_object + schema.
    assert model._schema_mode == "json_object"


def test_endpoint_down_is_a_clear_error():
    down = OpenAIChatModel(base_url=f"http://127.0.0.1:{free_port()}/v1", timeout_s=2, max_retries=1)
    with pytest.raises(LLMUnavailableError, match="Cannot reach the LLM endpoint"):
        down.complete(MESSAGES, max_tokens=5)


def test_garbage_answer_is_a_clear_error():
    # A real HTTP server on 127.0.0.1 that answers 200 with something that is not a chat completion.
    import http.server
    import threading

    class Garbage(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bad = OpenAIChatModel(base_url=f"http://127.0.0.1:{server.server_port}/v1", timeout_s=5, max_retries=0)
        with pytest.raises(Exception) as info:
            bad.complete(MESSAGES, max_tokens=5)
        from tutor.errors import LLMResponseError

        assert isinstance(info.value, LLMResponseError), repr(info.value)
    finally:
        server.shutdown()
