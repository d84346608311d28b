"""The `openai` backend against a real OpenAI-compatible server: llama-cpp-python's own, on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from tutor.errors import LLMUnavailableError
from tutor.generation.models import ShortAnswerDraft
from tutor.llm.local import default_model_path
from tutor.llm.openai_compat import OpenAIChatModel
from tutor.llm.structured import generate_structured

pytestmark = pytest.mark.server
MESSAGES = [{"role": "user", "content": "Name one Python keyword used in loops."}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path()), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("llama_cpp.server exited at start")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("llama_cpp.server did not become ready")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
    down = OpenAIChatModel(base_url=f"http://127.0.0.1:{_free_port()}/v1", timeout_s=2, max_retries=1)
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
