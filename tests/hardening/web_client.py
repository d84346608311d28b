"""A raw HTTP client for the web hardening tests: any Host, Origin or header, any source address on
127.0.0.0/8 (so the server sees distinct clients), bodies announced larger than sent, and the tutor's
session cookie kept by hand."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from hardening_support import add_accounts_and_course, free_port
from tutor import devservices

COOKIE = "tutor_session"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def send(url: str, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None,
         source: str | None = None, host: str | None = None, content_length: int | None = None,
         timeout: float = 120) -> Reply:
    """One request. `host` replaces the Host header; `content_length` announces a length other than the body's."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = dict(headers or {})
        host = headers.pop("Host", None) or host
        conn.putheader("Host", host or parts.netloc)
        if body is not None or content_length is not None:
            headers.setdefault("Content-Length", str(content_length if content_length is not None else len(body or b"")))
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        if body:
            try:
                conn.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered (413) without reading: the reply is still there
        response = conn.getresponse()
        reply_headers = {k.lower(): v for k, v in response.getheaders()}
        cookies = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key.strip()] = rest.split(";", 1)[0]
                cookies[key.strip() + ":attrs"] = rest
        return Reply(response.status, reply_headers, response.read(), cookies)
    finally:
        conn.close()


def sign_in(url: str, name: str, password: str, *, source: str | None = None, headers: dict | None = None) -> Reply:
    body = urllib.parse.urlencode({"username": name, "password": password}).encode()
    return send(url, "POST", "/login", body=body, source=source,
                headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def token_of(url: str, name: str, password: str, source: str | None = None) -> str:
    reply = sign_in(url, name, password, source=source)
    assert reply.status == 303 and reply.cookies.get(COOKIE), (reply.status, reply.text[:300])
    return reply.cookies[COOKIE]


def cookie(token: str) -> dict:
    return {"Cookie": f"{COOKIE}={token}"}


def call(url: str, token: str | None, api: str, data: list, *, headers: dict | None = None) -> tuple[str, object]:
    """('complete', outputs), ('error', message) or ('http NNN', body) for one raw Gradio API call."""
    auth = cookie(token) if token else {}
    start = send(url, "POST", f"/gradio_api/call/{api}", body=json.dumps({"data": data}).encode(),
                 headers={"Content-Type": "application/json", **auth, **(headers or {})})
    if start.status != 200:
        return f"http {start.status}", start.text
    event_id = json.loads(start.body)["event_id"]
    stream = send(url, "GET", f"/gradio_api/call/{api}/{event_id}", headers=auth)
    kind = None
    for line in stream.text.splitlines():
        if line.startswith("event: "):
            kind = line[len("event: "):].strip()
        elif line.startswith("data: ") and kind in ("complete", "error"):
            raw = line[len("data: "):].strip()
            return kind, (json.loads(raw) if raw not in ("", "null") else None)
    return kind or "none", stream.text


def multipart(files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = "tutor-test-boundary-7f3a"
    chunks = []
    for name, data in files.items():
        chunks.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                      f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def upload(url: str, token: str | None, files: dict[str, bytes], headers: dict | None = None) -> Reply:
    body, content_type = multipart(files)
    return send(url, "POST", "/gradio_api/upload", body=body,
                headers={"Content-Type": content_type, **(cookie(token) if token else {}), **(headers or {})})


def cache_files(home: Path) -> list[Path]:
    root = home / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def start_server(home: Path, log: Path, demo_course: Path | None, **settings: str):
    """`tutor serve` on a free port with these TUTOR_* settings (accounts and course when demo_course is given).
    Returns (url, process, env); stop it with devservices.stop_process."""
    env = dict(os.environ, TUTOR_HOME=str(home), TUTOR_LLM="fake", **{f"TUTOR_{k.upper()}": v for k, v in settings.items()})
    if demo_course is not None:
        add_accounts_and_course(env, demo_course)
    port = free_port()
    out = open(log, "w")
    proc = subprocess.Popen([sys.executable, "-m", "tutor.cli", "serve", "--port", str(port)], env=env,
                            stdout=out, stderr=subprocess.STDOUT)
    out.close()
    url = f"http://127.0.0.1:{port}"
    try:
        devservices.wait_until(lambda: devservices.answers(url + "/login" if demo_course else url + "/"),
                               "tutor serve", proc, log, 180)
    except devservices.ServiceError:
        devservices.stop_process(proc)
        raise
    return url, proc, env
