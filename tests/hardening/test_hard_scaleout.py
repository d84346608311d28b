"""Scale-out (issue 7): two `tutor serve` processes over one real PostgreSQL and one `chroma run` server serve
the same learner consistently. An attempt recorded through process A's raw HTTP API is in the progress read
through process B at once, and a double submit through B (same exercise, same answer, so the same
idempotency key) is stored once.

The suite starts and stops everything itself: PostgreSQL from Debian's package (`make setup` installs it) on
127.0.0.1 with a free port and trust auth, in a temp data folder owned by `postgres` (initdb and pg_ctl refuse
to run as root), then `chroma run`, then the two app processes (fake LLM, each with its own TUTOR_HOME).
PostgreSQL and Chroma are started by tutor.devservices (the `postgres` fixture is in conftest.py). Every process
is stopped by its pid in a finally."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
import uuid

import pytest

from hardening_support import PASSWORDS, add_accounts_and_course, free_port
from test_hard_access_http import _call, _login
from tutor import devservices

pytestmark = pytest.mark.server

START_DEADLINE_S = 180


def _wait_until(ready, what: str, proc: subprocess.Popen | None = None, log=None) -> None:
    try:
        devservices.wait_until(ready, what, proc, log, timeout=START_DEADLINE_S)
    except devservices.ServiceError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def chroma(tmp_path):
    try:
        with devservices.chroma_server(tmp_path / "chroma-data", START_DEADLINE_S, log=tmp_path / "chroma.log") as url:
            yield url
    except devservices.ServiceError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def two_servers(postgres, chroma, tmp_path, demo_course):
    """Accounts and a course written through the CLI, then process A and process B on their own ports and homes."""
    shared = dict(os.environ, TUTOR_DATABASE_URL=postgres, TUTOR_CHROMA_URL=chroma, TUTOR_LLM="fake")
    cli_env = dict(shared, TUTOR_HOME=str(tmp_path / "home-cli"))
    add_accounts_and_course(cli_env, demo_course)
    procs, logs, urls = [], [], []
    try:
        for label in ("a", "b"):
            port = free_port()
            log = tmp_path / f"serve-{label}.log"
            with open(log, "w") as out:
                procs.append(subprocess.Popen([sys.executable, "-m", "tutor.cli", "serve", "--port", str(port)],
                                              env=dict(shared, TUTOR_HOME=str(tmp_path / f"home-{label}")),
                                              stdout=out, stderr=subprocess.STDOUT))
            logs.append(log)
            urls.append(f"http://127.0.0.1:{port}")
        for proc, log, url in zip(procs, logs, urls):
            _wait_until(lambda url=url: devservices.answers(url + "/"), f"tutor serve ({log.name})", proc, log)
        yield urls[0], urls[1], postgres
    finally:
        for proc in procs:
            devservices.stop_process(proc)


def _session_call(opener, url: str, api: str, data: list, session: str):
    """One raw API call inside a Gradio session, so the exercise on screen (a gr.State) is kept between calls."""
    import json

    request = urllib.request.Request(f"{url}/gradio_api/call/{api}",
                                     data=json.dumps({"data": data, "session_hash": session}).encode(),
                                     headers={"Content-Type": "application/json"})
    event_id = json.loads(opener.open(request, timeout=60).read())["event_id"]
    stream = opener.open(f"{url}/gradio_api/call/{api}/{event_id}", timeout=120).read().decode()
    kind = None
    for line in stream.splitlines():
        if line.startswith("event: "):
            kind = line[len("event: "):].strip()
        elif line.startswith("data: ") and kind in ("complete", "error"):
            payload = line[len("data: "):].strip()
            return kind, (json.loads(payload) if payload not in ("", "null") else None)
    return kind or "none", stream


def _answer_one(opener, url: str, session: str) -> list:
    """Show an exercise and answer it once in this session; returns the submit call's data (to send again)."""
    kind, shown = _session_call(opener, url, "next_exercise", ["py"], session)
    assert kind == "complete", shown
    # Outputs: the exercise state (None over the API: it stays on the server), its text, the choice list, ...
    update = next((o for o in shown if isinstance(o, dict) and "choices" in o), None)
    choices = update["choices"] if update else None
    answer = choices[0][0] if choices else "a loop repeats code"
    data = [answer if choices else None, answer]
    kind, feedback = _session_call(opener, url, "submit", data, session)
    assert kind == "complete", feedback
    return data


def _attempts_seen(opener, url: str) -> int:
    kind, outputs = _call(opener, url, "load_progress", ["py", ""])
    assert kind == "complete", outputs
    summary = outputs[2]
    found = re.search(r"(\d+) attempts", summary)
    assert found, summary
    return int(found.group(1))


def _stored_attempts(database_url: str, learner: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM attempts WHERE learner_id = :l"), {"l": learner}).scalar())
    finally:
        engine.dispose()


def test_two_processes_serve_one_learner_consistently(two_servers):
    url_a, url_b, database_url = two_servers
    # Sessions live in the database: one sign-in through A is valid in B too (cookies are per host, not port).
    ada_a, _ = _login(url_a, "ada", PASSWORDS["ada"])
    ada_b = ada_a
    assert ada_a
    assert _attempts_seen(ada_a, url_a) == 0
    assert _attempts_seen(ada_b, url_b) == 0

    # An attempt through A is in the progress B reads right after (no cache, no wait).
    _answer_one(ada_a, url_a, uuid.uuid4().hex)
    assert _attempts_seen(ada_b, url_b) == 1

    # A double submit through B: the same exercise and answer again, so the same idempotency key: one row.
    session_b = uuid.uuid4().hex
    data = _answer_one(ada_b, url_b, session_b)
    kind, again = _session_call(ada_b, url_b, "submit", data, session_b)
    assert kind == "complete", again
    assert _attempts_seen(ada_a, url_a) == 2
    assert _attempts_seen(ada_b, url_b) == 2
    assert _stored_attempts(database_url, "ada") == 2

    # Another learner's view through either process is untouched.
    bob_b, _ = _login(url_b, "bob", PASSWORDS["bob"])
    assert _attempts_seen(bob_b, url_b) == 0
