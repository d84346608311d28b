"""Throw-away local services for tests and benchmarks: a PostgreSQL cluster, a `chroma run` server, an
OpenAI-compatible model server (llama-cpp-python's own, serving a GGUF file) and a slow scripted one
(`slow_chat_server`, stdlib only: it shows whether requests to an endpoint overlap).

Both listen on 127.0.0.1 on a free port, keep their data in a temp folder and are stopped by their pid
when the `with` block ends, whatever happened inside it. A service that does not start raises
ServiceError (a RuntimeError) with the tail of its log, so a test can fail with the reason and a script
can exit with it. PostgreSQL comes from Debian's package (`make setup` installs it); `chroma run` is the
one installed next to this Python.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOG_TAIL_CHARS = 3000
PROCESS_STOP_TIMEOUT_S = 30
POSTGRES_STOP_TIMEOUT_S = 60
INITDB_TIMEOUT_S = 120


class ServiceError(RuntimeError):
    """A throw-away service did not start; the message carries its log tail."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    """True once anything answers HTTP at `url`: a login page or an error status counts as up."""
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _log_tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-LOG_TAIL_CHARS:] if log is not None and log.exists() else ""


def wait_until(ready: Callable[[], bool], what: str, proc: subprocess.Popen | None = None, log: Path | None = None,
               timeout: float = 180.0) -> None:
    """Poll `ready` until it is true; ServiceError when `proc` exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc is not None and proc.poll() is not None:
            raise ServiceError(f"{what} exited at start:\n{_log_tail(log)}")
        if time.monotonic() > deadline:
            raise ServiceError(f"{what} was not ready within {timeout:g} s:\n{_log_tail(log)}")
        time.sleep(0.3)


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a child we started, by its pid; kill it when it does not stop in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=PROCESS_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=PROCESS_STOP_TIMEOUT_S)


@contextmanager
def chroma_server(data_path: Path, start_timeout: float = 180.0, log: Path | None = None) -> Iterator[str]:
    """`chroma run` on 127.0.0.1 with its data in `data_path`; yields its URL once the heartbeat answers.

    Its output goes to `log` (default: `<data_path>.log` beside the data folder) for the error message."""
    log = log or data_path.with_name(data_path.name + ".log")
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("chroma")), "run", "--path", str(data_path),
                                 "--host", "127.0.0.1", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(f"{url}/api/v2/heartbeat"), "chroma run", proc, log, start_timeout)
        yield url
    finally:
        stop_process(proc)


@contextmanager
def llama_server(model_path: Path, start_timeout: float = 120.0, log: Path | None = None, n_ctx: int = 2048,
                 n_threads: int = 2) -> Iterator[str]:
    """`python -m llama_cpp.server` on 127.0.0.1 serving `model_path`; yields its OpenAI base URL (…/v1)
    once /v1/models answers 200. Output goes to `log` (default: a temp file) for the error message."""
    log = log or Path(tempfile.mkstemp(prefix="llama-server-", suffix=".log")[1])
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
                                 "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", str(n_threads)],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"

    def models_listed() -> bool:
        try:
            return urllib.request.urlopen(f"{url}/models", timeout=2).status == 200
        except OSError:  # refused while loading, or an HTTP error status
            return False

    try:
        wait_until(models_listed, "llama_cpp.server", proc, log, start_timeout)
        yield url
    finally:
        stop_process(proc)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise ServiceError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): run `make setup`")
    return Path(found[-1]).parent


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and pg_ctl refuse to run as root; as any other user they run as that user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run_as_postgres(args: list[str], what: str, timeout: float, log: Path | None = None) -> None:
    try:
        done = subprocess.run(_as_postgres(args), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ServiceError(f"{what} did not finish within {timeout:g} s:\n{_log_tail(log)}") from exc
    if done.returncode != 0:
        raise ServiceError(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}{_log_tail(log)}")


def _stop_postgres(data: Path) -> None:
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split()[0])
    os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown: ends sessions, no waiting for clients
    deadline = time.monotonic() + POSTGRES_STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


@contextmanager
def postgres(start_timeout: float = 180.0, settings: dict[str, str] | None = None) -> Iterator[str]:
    """A throw-away PostgreSQL cluster with trust auth on 127.0.0.1; yields the SQLAlchemy URL of its database `tutor`.

    `settings` are extra server settings (`-c name=value`), e.g. {"fsync": "off"} for tests."""
    import psycopg

    bin_dir = _postgres_bin()
    # Not under a test's tmp_path or /root: the postgres user must be able to enter the folder.
    root = Path(tempfile.mkdtemp(prefix="tutor-pg-"))
    data, sockets, log = root / "data", root / "sockets", root / "pg.log"
    sockets.mkdir()
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    port = free_port()
    try:
        _run_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync",
                          "-E", "UTF8"], "initdb", INITDB_TIMEOUT_S)
        options = " ".join([f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets}",
                            *(f"-c {name}={value}" for name, value in (settings or {}).items())])
        _run_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
                          "-t", str(int(start_timeout)), "start"], "pg_ctl start", start_timeout + 30, log)

        def accepting() -> bool:
            try:
                psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=2).close()
                return True
            except psycopg.OperationalError:
                return False

        wait_until(accepting, "PostgreSQL", log=log, timeout=start_timeout)
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE tutor")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/tutor"
    finally:
        # The pid file exists from the moment the server runs, also when pg_ctl timed out waiting for it.
        _stop_postgres(data)
        shutil.rmtree(root, ignore_errors=True)


class SlowChatServer:
    """What `slow_chat_server` yields: its base URL and, per request, when it arrived and when it was answered."""

    def __init__(self, url: str):
        self.url = url
        self.requests: list[tuple[float, float]] = []  # (start, end), time.monotonic()


@contextmanager
def slow_chat_server(reply: str, seconds: float = 1.0) -> Iterator[SlowChatServer]:
    """A tiny OpenAI-compatible chat server on 127.0.0.1 that takes `seconds` to answer every request with
    `reply` (streamed word by word when asked to stream). Threaded, like a real server, so concurrent
    requests are answered concurrently unless the client serialises them."""
    import http.server

    words = reply.split(" ")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            started = time.monotonic()
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            base = {"id": "slow", "created": int(time.time()), "model": body.get("model", "slow")}
            try:
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for i, word in enumerate(words):
                        time.sleep(seconds / len(words))
                        piece = word if i == len(words) - 1 else word + " "
                        chunk = base | {"object": "chat.completion.chunk",
                                        "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(b"data: [DONE]\n\n")
                else:
                    time.sleep(seconds)
                    answer = base | {"object": "chat.completion",
                                     "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                                     "usage": {"prompt_tokens": 10, "completion_tokens": len(words), "total_tokens": 10 + len(words)}}
                    data = json.dumps(answer).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
            except OSError:  # the client went away
                pass
            server_state.requests.append((started, time.monotonic()))

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_state = SlowChatServer(f"http://127.0.0.1:{httpd.server_address[1]}/v1")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
