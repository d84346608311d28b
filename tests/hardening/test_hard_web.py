"""The served app against a hostile web, over real HTTP against `tutor serve`: CORS, Host allowlist (DNS
rebinding), cross-site writes, security headers, request sizes (a 120 MB upload refused before it is read),
the upload cache bound, the tutor's own sessions (sign-out, password change, deletion, expiry) and the
sign-in limits per name and per client address.

One server with accounts is shared by the module (it takes about 30 s to start); each test uses its own
client addresses on 127.0.0.0/8 where the sign-in limits could otherwise carry over between tests."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from hardening_support import PASSWORDS, tutor_cmd
from tutor import devservices
from web_client import cache_files, call, cookie, send, sign_in, start_server, token_of, upload

pytestmark = pytest.mark.server

PUBLIC = "tutor.example.org"
LMS = "https://lms.example.org"
ATTACKER = "https://attacker.example"
MB = 1_000_000


@pytest.fixture(scope="module")
def served(tmp_path_factory, demo_course):
    """Accounts (teacher, ada, bob), course `py`, a public name, one allowed origin, small size limits,
    and 127.0.0.1 as a trusted proxy (as behind nginx on the same host)."""
    root = tmp_path_factory.mktemp("web")
    home = root / "home"
    try:
        url, proc, env = start_server(home, root / "serve.log", demo_course, allowed_hosts=PUBLIC, allowed_origins=LMS,
                                      max_upload_mb="1", max_file_mb="0.5", upload_cache_mb="1",
                                      trusted_proxies="127.0.0.1")
    except devservices.ServiceError as exc:
        pytest.fail(str(exc))
    try:
        yield url, home, env
    finally:
        devservices.stop_process(proc)


@pytest.fixture(scope="module")
def local_served(tmp_path_factory):
    """No accounts: the loopback-only local user with both roles."""
    root = tmp_path_factory.mktemp("local")
    try:
        url, proc, _ = start_server(root / "home", root / "serve.log", None)
    except devservices.ServiceError as exc:
        pytest.fail(str(exc))
    try:
        yield url
    finally:
        devservices.stop_process(proc)


def _cache_bytes(home) -> int:
    total = 0
    for path in cache_files(home):
        try:
            total += path.stat().st_size
        except FileNotFoundError:  # removed by the sweep while we looked
            pass
    return total


def _settled_files(home) -> list:
    """The cache's files once Gradio's background move (temp name -> cache folder, after the response) is done."""
    previous = None
    for _ in range(50):
        current = sorted(cache_files(home))
        if current == previous:
            return current
        previous = current
        time.sleep(0.3)
    return previous


def _age(paths, seconds_ago: float) -> None:
    stamp = time.time() - seconds_ago
    for path in paths:
        try:
            os.utime(path, (stamp, stamp))
        except FileNotFoundError:
            pass


def _db(home):
    return sa.create_engine(f"sqlite:///{home / 'tutor.db'}")


# ---- CORS and cross-site requests ----

def test_preflight_from_another_site_gets_no_cors_grant_even_with_a_public_host(served):
    url, _, _ = served
    for host in (PUBLIC, "127.0.0.1"):
        reply = send(url, "OPTIONS", "/gradio_api/call/load_progress", host=host,
                     headers={"Origin": ATTACKER, "Access-Control-Request-Method": "POST",
                              "Access-Control-Request-Headers": "content-type"})
        assert reply.header("access-control-allow-origin") is None, (host, reply.headers)
        assert reply.header("access-control-allow-credentials") is None, (host, reply.headers)
    # A simple read with a foreign Origin: answered without any grant the browser would honour.
    ada = token_of(url, "ada", PASSWORDS["ada"], source="127.0.1.1")
    reply = send(url, "GET", "/config", host=PUBLIC, headers={"Origin": ATTACKER, **cookie(ada)})
    assert reply.status == 200
    assert not [h for h in reply.headers if h.startswith("access-control-")], reply.headers


def test_an_explicitly_allowed_origin_is_granted_and_nothing_is_a_wildcard(served):
    url, _, _ = served
    reply = send(url, "OPTIONS", "/gradio_api/call/load_progress", host=PUBLIC,
                 headers={"Origin": LMS, "Access-Control-Request-Method": "POST"})
    assert reply.status == 200
    assert reply.header("access-control-allow-origin") == LMS
    assert reply.header("access-control-allow-credentials") == "true"
    assert "*" not in (reply.header("access-control-allow-origin") or "")


def test_cross_site_writes_are_refused_before_they_reach_the_app(served):
    url, home, env = served
    teacher = token_of(url, "teacher", PASSWORDS["teacher"], source="127.0.1.2")
    for hostile in ({"Origin": ATTACKER}, {"Origin": "null"}, {"Origin": f"http://{PUBLIC}.attacker.example"},
                    {"Sec-Fetch-Site": "cross-site"}):
        kind, payload = call(url, teacher, "remove_course", ["py"], headers=hostile)
        assert kind == "http 403", (hostile, kind, payload)
        reply = sign_in(url, "teacher", PASSWORDS["teacher"], headers=hostile, source="127.0.1.2")
        assert reply.status == 403 and not reply.cookies, hostile  # no login CSRF either
    assert '"py"' in tutor_cmd("courses", "--json", env=env).stdout  # the course is still there
    # The page's own origin (behind the proxy, by its public name) is a normal same-origin write.
    kind, payload = call(url, teacher, "class_board", ["py"], headers={"Origin": f"https://{PUBLIC}", "Host": PUBLIC})
    assert kind == "complete", payload
    kind, payload = call(url, teacher, "class_board", ["py"], headers={"Origin": url})
    assert kind == "complete", payload


# ---- Host allowlist ----

def test_unknown_host_names_are_refused_whatever_the_path(served, local_served):
    url, _, _ = served
    for target in (url, local_served):
        for path in ("/", "/config", "/login", "/gradio_api/info"):
            reply = send(target, "GET", path, host="attacker.example")
            assert reply.status == 400, (target, path, reply.status)
    # The account-less local server (both roles, no sign-in) answers only its loopback names: a page that
    # rebinds its DNS name to 127.0.0.1 gets nothing.
    port = local_served.rsplit(":", 1)[1]
    assert send(local_served, "GET", "/config", host=f"attacker.example:{port}").status == 400
    assert send(local_served, "GET", "/config", host=f"localhost:{port}").status == 200
    assert send(local_served, "GET", "/config").status == 200
    # and no web page can make the local user write anything
    assert call(local_served, None, "remove_course", ["py"], headers={"Origin": ATTACKER})[0] == "http 403"
    # The server with accounts answers its configured public name.
    assert send(url, "GET", "/login", host=PUBLIC).status == 200


# ---- headers ----

def test_security_headers_on_pages_api_and_errors(served):
    url, _, _ = served
    ada = token_of(url, "ada", PASSWORDS["ada"], source="127.0.1.3")
    for method, path, headers in (("GET", "/login", {}), ("GET", "/", cookie(ada)), ("GET", "/config", cookie(ada)),
                                  ("GET", "/", {}), ("POST", "/gradio_api/call/x", {"Origin": ATTACKER})):
        reply = send(url, method, path, headers=headers, body=b"{}" if method == "POST" else None)
        assert reply.header("x-frame-options") == "DENY", path
        assert "frame-ancestors 'none'" in reply.header("content-security-policy"), path
        assert reply.header("x-content-type-options") == "nosniff", path
        assert reply.header("referrer-policy") == "same-origin", path
    # Signed out, the page is the sign-in page.
    reply = send(url, "GET", "/")
    assert reply.status == 303 and reply.header("location") == "/login"


def test_behind_a_tls_proxy_the_cookie_is_secure_and_hsts_is_sent(served):
    url, _, _ = served
    reply = sign_in(url, "ada", PASSWORDS["ada"], headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert reply.status == 303
    attrs = reply.cookies["tutor_session:attrs"].lower()
    assert "secure" in attrs and "httponly" in attrs and "samesite=lax" in attrs
    assert reply.header("strict-transport-security", ) == "max-age=31536000"
    plain = sign_in(url, "ada", PASSWORDS["ada"], source="127.0.1.4")  # 127.0.1.4 is no trusted proxy
    assert "secure" not in plain.cookies["tutor_session:attrs"].lower()
    assert plain.header("strict-transport-security") is None


# ---- sizes and the upload cache ----

def test_oversized_requests_are_refused_before_the_body_is_read(served):
    url, home, _ = served
    teacher = token_of(url, "teacher", PASSWORDS["teacher"], source="127.0.1.5")
    before = set(cache_files(home))
    # 120 MB announced, nothing sent: the refusal comes from the Content-Length alone.
    reply = send(url, "POST", "/gradio_api/upload", content_length=120 * MB, timeout=20,
                 headers={"Content-Type": "multipart/form-data; boundary=x", **cookie(teacher)})
    assert reply.status == 413 and "limit here is 1.0 MB" in reply.text
    # A real 2 MB body over the 1 MB upload limit.
    reply = upload(url, teacher, {"big.md": b"a" * (2 * MB)})
    assert reply.status == 413
    # No length at all (chunked): refused, not read until it stops.
    reply = send(url, "POST", "/gradio_api/upload", headers={"Transfer-Encoding": "chunked", **cookie(teacher),
                                                              "Content-Type": "multipart/form-data; boundary=x"},
                 timeout=20)
    assert reply.status == 411
    # One file over TUTOR_MAX_FILE_MB (0.5) in a request under the upload limit: Gradio refuses it too.
    reply = upload(url, teacher, {"file.md": b"b" * (700_000)})
    assert reply.status == 413, reply.text
    # Other routes have their own, smaller limit.
    reply = send(url, "POST", "/gradio_api/call/ask", content_length=5 * MB, timeout=20,
                 headers={"Content-Type": "application/json", **cookie(teacher)})
    assert reply.status == 413
    assert set(cache_files(home)) == before, "nothing of a refused upload may be stored"


def test_learners_and_strangers_cannot_upload(served):
    url, home, _ = served
    ada = token_of(url, "ada", PASSWORDS["ada"], source="127.0.1.6")
    before = set(cache_files(home))
    assert upload(url, ada, {"notes.md": b"# hi\n"}).status == 403
    assert upload(url, None, {"notes.md": b"# hi\n"}).status == 403
    assert upload(url, "forged-token", {"notes.md": b"# hi\n"}).status == 403
    assert set(cache_files(home)) == before


def test_the_upload_cache_is_bounded_and_old_files_are_removed(served):
    url, home, _ = served
    teacher = token_of(url, "teacher", PASSWORDS["teacher"], source="127.0.1.7")
    for i in range(3):  # 3 x 0.4 MB: more than the 1 MB cache, but all within the one-minute grace
        reply = upload(url, teacher, {f"part{i}.md": bytes([65 + i]) * 400_000})
        assert reply.status == 200, reply.text
    files = _settled_files(home)
    assert _cache_bytes(home) >= 1_200_000
    _age(files, 120)  # as if uploaded two minutes ago
    reply = upload(url, teacher, {"part3.md": b"D" * 400_000})
    assert reply.status == 200
    deadline = time.time() + 10  # the sweep runs right after the response
    while _cache_bytes(home) > MB and time.time() < deadline:
        time.sleep(0.2)
    left = _settled_files(home)
    assert _cache_bytes(home) <= MB
    assert any(p.read_bytes()[:1] == b"D" for p in left), "the newest upload stays"
    # Older than TUTOR_UPLOAD_CACHE_HOURS (6): removed at the next upload whatever the size.
    _age(left, 7 * 3600)
    assert upload(url, teacher, {"tiny.md": b"x"}).status == 200
    deadline = time.time() + 10
    while len(cache_files(home)) > 1 and time.time() < deadline:
        time.sleep(0.2)
    assert [p.read_bytes() for p in _settled_files(home)] == [b"x"]


# ---- sessions ----

def test_sign_out_ends_that_session_only_and_old_cookies_never_come_back(served):
    url, _, _ = served
    first = token_of(url, "bob", PASSWORDS["bob"], source="127.0.2.1")
    second = token_of(url, "bob", PASSWORDS["bob"], source="127.0.2.1")
    assert call(url, first, "load_progress", ["py", ""])[0] == "complete"
    reply = send(url, "POST", "/logout", headers=cookie(first), body=b"")
    assert reply.status == 303 and reply.header("location") == "/login"
    assert call(url, first, "load_progress", ["py", ""])[0] == "http 401"
    assert send(url, "GET", "/", headers=cookie(first)).status == 303  # back to the sign-in page
    assert call(url, second, "load_progress", ["py", ""])[0] == "complete"  # the other browser stays in
    token_of(url, "bob", PASSWORDS["bob"], source="127.0.2.1")  # signing in again revives nothing
    assert call(url, first, "load_progress", ["py", ""])[0] == "http 401"
    # A sign-out cannot be forced from another site.
    assert send(url, "POST", "/logout", headers={"Origin": ATTACKER, **cookie(second)}, body=b"").status == 403
    assert call(url, second, "load_progress", ["py", ""])[0] == "complete"


def test_a_session_ends_at_its_expiry_whatever_later_sign_ins_do(served):
    url, home, _ = served
    old = token_of(url, "ada", PASSWORDS["ada"], source="127.0.2.2")
    engine = _db(home)
    with engine.begin() as conn:  # this session was opened 13 hours ago (TUTOR_SESSION_HOURS=12)
        conn.execute(sa.text("UPDATE sessions SET expires_at = :t WHERE id = :i"),
                     {"t": datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=1),
                      "i": __import__("hashlib").sha256(old.encode()).hexdigest()})
    engine.dispose()
    fresh = token_of(url, "ada", PASSWORDS["ada"], source="127.0.2.2")
    assert call(url, old, "load_progress", ["py", ""])[0] == "http 401"
    assert call(url, fresh, "load_progress", ["py", ""])[0] == "complete"


def test_a_password_change_ends_every_session_of_that_user(served):
    url, _, env = served
    tokens = [token_of(url, "ada", PASSWORDS["ada"], source="127.0.2.3") for _ in range(2)]
    bob = token_of(url, "bob", PASSWORDS["bob"], source="127.0.2.3")
    done = tutor_cmd("user", "add", "ada", "--role", "learner", "--force", "--password-stdin", env=env, input="ada-new-pass-1\n")
    assert done.returncode == 0, done.stderr
    try:
        for token in tokens:
            assert call(url, token, "load_progress", ["py", ""])[0] == "http 401"
        assert call(url, bob, "load_progress", ["py", ""])[0] == "complete"
        assert sign_in(url, "ada", PASSWORDS["ada"], source="127.0.2.3").status == 401  # the old password is gone
        assert call(url, token_of(url, "ada", "ada-new-pass-1", source="127.0.2.3"), "load_progress", ["py", ""])[0] == "complete"
    finally:
        tutor_cmd("user", "add", "ada", "--role", "learner", "--force", "--password-stdin", env=env, input=PASSWORDS["ada"] + "\n")


def test_deleting_a_user_signs_them_out_and_removes_everything_about_them(served):
    url, home, env = served
    done = tutor_cmd("user", "add", "carol", "--role", "learner", "--password-stdin", env=env, input="carol-pass-1\n")
    assert done.returncode == 0, done.stderr
    carol = token_of(url, "carol", "carol-pass-1", source="127.0.2.4")
    assert call(url, carol, "load_progress", ["py", ""])[0] == "complete"
    exported = json.loads(tutor_cmd("learner", "export", "carol", env=env).stdout)
    assert exported["account"]["name"] == "carol" and exported["account"]["roles"] == ["learner"]
    assert "password" not in json.dumps(exported["account"]) and len(exported["account"]["sessions"]) == 1
    assert exported["account"]["sessions"][0]["client"] == "127.0.2.4"

    assert sign_in(url, "carol", "wrong-password", source="127.0.2.4").status == 401  # a failure row about her

    done = tutor_cmd("user", "delete", "carol", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    engine = _db(home)
    with engine.connect() as conn:
        for table, column in (("users", "name"), ("sessions", "user_name"), ("learners", "id"), ("events", "learner_id"),
                              ("mastery", "learner_id"), ("attempts", "learner_id"), ("login_failures", "name")):
            left = conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {column} = 'carol'")).scalar()
            assert left == 0, table
    engine.dispose()
    assert call(url, carol, "load_progress", ["py", ""])[0] == "http 401"
    assert sign_in(url, "carol", "carol-pass-1", source="127.0.2.4").status == 401
    assert "carol" not in tutor_cmd("user", "list", env=env).stdout
    assert tutor_cmd("learner", "export", "carol", env=env).returncode != 0


def test_learner_delete_removes_the_account_too(served):
    url, _, env = served
    done = tutor_cmd("user", "add", "dave", "--role", "learner", "--password-stdin", env=env, input="dave-pass-12\n")
    assert done.returncode == 0
    dave = token_of(url, "dave", "dave-pass-12", source="127.0.2.5")
    assert call(url, dave, "load_progress", ["py", ""])[0] == "complete"
    done = tutor_cmd("learner", "delete", "dave", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert "dave" not in tutor_cmd("user", "list", env=env).stdout
    assert sign_in(url, "dave", "dave-pass-12", source="127.0.2.5").status == 401
    assert call(url, dave, "load_progress", ["py", ""])[0] == "http 401"


# ---- sign-in limits ----

def test_guessing_a_name_locks_out_the_guesser_not_the_owner(served):
    url, _, _ = served
    attacker, owner = "127.0.3.1", "127.0.3.2"
    for _ in range(5):
        assert sign_in(url, "teacher", "wrong-password", source=attacker).status == 401
    refused = sign_in(url, "teacher", PASSWORDS["teacher"], source=attacker)
    assert refused.status == 429 and "Too many failed sign-ins" in refused.text
    # Forged X-Forwarded-For from a client that is no trusted proxy changes nothing.
    spoofed = sign_in(url, "teacher", PASSWORDS["teacher"], source=attacker, headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.status == 429
    assert sign_in(url, "teacher", PASSWORDS["teacher"], source=owner).status == 303  # the instructor still gets in


def test_one_address_spraying_names_is_stopped_for_every_name(served):
    url, _, _ = served
    sprayer = "127.0.3.3"
    for i in range(20):
        assert sign_in(url, f"nobody{i}", "guess-guess", source=sprayer).status == 401
    assert sign_in(url, "ada", PASSWORDS["ada"], source=sprayer).status == 429
    assert sign_in(url, "ada", PASSWORDS["ada"], source="127.0.3.4").status == 303
