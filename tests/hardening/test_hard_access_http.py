"""Access control through the raw HTTP API Gradio exposes (POST /gradio_api/call/NAME, then GET the event
stream), against a real `tutor serve` with accounts: a learner cannot read another learner's data nor
call instructor endpoints, whatever the hidden tabs; sessions expire; sign-ins are rate-limited."""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hardening_support import PASSWORDS, add_accounts_and_course, free_port, tutor_cmd
from tutor import devservices

pytestmark = pytest.mark.server


@pytest.fixture
def served(tutor_home, tmp_path, demo_course):
    env = dict(os.environ, TUTOR_HOME=str(tutor_home), TUTOR_LLM="fake")
    add_accounts_and_course(env, demo_course)
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "tutor.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            devservices.wait_until(lambda: devservices.answers(url + "/"), "tutor serve", proc, tmp_path / "serve.log", 180)
        except devservices.ServiceError as exc:
            pytest.fail(str(exc))
        yield url, tutor_home
    finally:
        devservices.stop_process(proc)
        log.close()


def _login(url: str, name: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"username": name, "password": password}).encode()
    try:
        opener.open(url + "/login", data=body, timeout=60)
    except urllib.error.HTTPError as exc:
        return None, exc.code
    return opener, 200


def _call(opener, url: str, api: str, data: list) -> tuple[str, object]:
    """('complete', outputs) or ('error', message) from one raw API call."""
    request = urllib.request.Request(f"{url}/gradio_api/call/{api}", data=json.dumps({"data": data}).encode(),
                                     headers={"Content-Type": "application/json"})
    event_id = json.loads(opener.open(request, timeout=60).read())["event_id"]
    stream = opener.open(f"{url}/gradio_api/call/{api}/{event_id}", timeout=120).read().decode()
    kind, payload = None, None
    for line in stream.splitlines():
        if line.startswith("event: "):
            kind = line[len("event: "):].strip()
        elif line.startswith("data: ") and kind in ("complete", "error"):
            payload = json.loads(line[len("data: "):]) if line[6:].strip() not in ("", "null") else None
            return kind, payload
    return kind or "none", stream


def _expect_denied(opener, url, api, data, needle):
    kind, payload = _call(opener, url, api, data)
    assert kind == "error", (api, kind, payload)
    assert needle in json.dumps(payload), (api, payload)


def test_learner_cannot_reach_other_learners_or_instructor_endpoints(served):
    url, home = served
    ada, _ = _login(url, "ada", PASSWORDS["ada"])
    teacher, _ = _login(url, "teacher", PASSWORDS["teacher"])
    assert ada and teacher
    kind, _ = _call(ada, url, "load_progress", ["py", ""])
    assert kind == "complete"  # her own progress: allowed
    _expect_denied(ada, url, "load_progress", ["py", "bob"], "may not see another learner")
    _expect_denied(ada, url, "do_upload", ["py", "Python", None], "only instructors")
    _expect_denied(ada, url, "remove_course", ["py"], "only instructors")
    _expect_denied(ada, url, "remove_file", ["py", "07-loops.md"], "")  # refused (Gradio checks the choices first)
    _expect_denied(ada, url, "class_board", ["py"], "only instructors")
    _expect_denied(ada, url, "bank_rows", ["py", "all"], "only instructors")
    _expect_denied(ada, url, "bank_status", ["py", "some-item", "all"], "only instructors")
    kind, payload = _call(teacher, url, "class_board", ["py"])
    assert kind == "complete", payload  # the same endpoint works for an instructor: the denial is the role
    kind, payload = _call(teacher, url, "load_progress", ["py", "bob"])
    assert kind == "complete", payload
    # Nothing the learner tried changed the course.
    courses = tutor_cmd("courses", "--json", env=dict(os.environ, TUTOR_HOME=str(home)))
    assert '"py"' in courses.stdout
    # Anonymous callers get nothing at all.
    anon = urllib.request.build_opener()
    with pytest.raises(urllib.error.HTTPError):
        _call(anon, url, "load_progress", ["py", "bob"])


def test_chat_html_is_sanitised_by_the_page(served):
    url, _ = served
    ada, _ = _login(url, "ada", PASSWORDS["ada"])
    config = json.loads(ada.open(url + "/config", timeout=60).read())
    chatbots = [c for c in config["components"] if c.get("type") == "chatbot"]
    assert chatbots and all(c["props"].get("sanitize_html") is True for c in chatbots)


def test_session_expires_and_sign_in_is_rate_limited_over_http(served):
    url, home = served
    ada, _ = _login(url, "ada", PASSWORDS["ada"])
    assert _call(ada, url, "load_progress", ["py", ""])[0] == "complete"
    engine = sa.create_engine(f"sqlite:///{home / 'tutor.db'}")
    with engine.begin() as conn:  # as if she signed in 13 hours ago (default TUTOR_SESSION_HOURS=12)
        conn.execute(sa.text("UPDATE sessions SET expires_at = :t WHERE user_name = 'ada'"),
                     {"t": (__import__("datetime").datetime.utcnow() - timedelta(hours=1))})
    engine.dispose()
    with pytest.raises(urllib.error.HTTPError) as refused:  # the session is no longer one: 401 at the door
        _call(ada, url, "load_progress", ["py", ""])
    assert refused.value.code == 401
    for _ in range(5):
        assert _login(url, "bob", "wrong-password")[0] is None
    assert _login(url, "bob", PASSWORDS["bob"])[0] is None  # the right password, but too late
    assert _login(url, "ada", PASSWORDS["ada"])[0] is not None  # per user: ada is not locked out
