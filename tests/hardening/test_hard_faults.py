"""Faults: kill -9 in the middle of an ingest and of a grading write, a model endpoint that is down,
slow or talking garbage, and a TUTOR_HOME that cannot be written. Afterwards the store and the
database are consistent, nothing is duplicated, and re-running finishes the work.

The kills are deterministic: the child process SIGKILLs itself at a chosen point (after the first
embedding batch is written; inside the transaction of the N-th attempt), so no timing decides the test.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hardening_support import free_port, tutor_cmd
from tutor.config import get_settings

KILL_INGEST = """
import os, signal, sys
from pathlib import Path
from tutor.config import get_settings
from tutor.retrieval import ingest as ing
from tutor.retrieval.embeddings import get_embedder
from tutor.retrieval.store import open_store
ing.EMBED_BATCH, ing.EMBED_WINDOW = 8, 8  # small batches: several files finish, the rest do not
settings = get_settings()
def progress(event, amount):
    if event == "advance":
        os.kill(os.getpid(), signal.SIGKILL)  # right after the first batch is written
ing.ingest([Path(sys.argv[1])], "killed", open_store(settings), get_embedder(settings.embedding_model), settings, progress=progress)
"""


def _rows(home: Path, course: str) -> list[tuple[str, str, int]]:
    from tutor.retrieval.store import VectorStore

    store = VectorStore(path=str(home / "chroma"))
    rows = [(p.id, p.source, p.file_chunks) for p in store.rows(store.raw_collection(course), include_documents=False)]
    return sorted(rows)


def test_kill_9_during_ingest_then_rerun_completes_without_duplicates(tutor_home, tmp_path, demo_course):
    course_dir = tmp_path / "course"
    shutil.copytree(demo_course, course_dir)
    env = dict(os.environ, TUTOR_HOME=str(tutor_home))
    killed = subprocess.run([sys.executable, "-c", KILL_INGEST, str(course_dir)], env=env, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -9, killed.stderr
    partial = _rows(tutor_home, "killed")
    assert partial, "the first batch should have been written before the kill"
    rerun = tutor_cmd("ingest", str(course_dir), "--course", "killed", env=env)
    assert rerun.returncode == 0, rerun.stderr
    finished = _rows(tutor_home, "killed")
    clean_home = tmp_path / "clean"
    clean = tutor_cmd("ingest", str(course_dir), "--course", "killed", env=dict(env, TUTOR_HOME=str(clean_home)))
    assert clean.returncode == 0, clean.stderr
    assert finished == _rows(clean_home, "killed")  # same chunks, ids and counts as an uninterrupted ingest
    ids = [i for i, _, _ in finished]
    assert len(ids) == len(set(ids))
    by_source: dict[str, list[int]] = {}
    for _, source, total in finished:
        by_source.setdefault(source, []).append(total)
    assert all(len(totals) == totals[0] for totals in by_source.values())  # every file complete


RECORD_LOOP = """
import os, signal, sys
from tutor.config import get_settings
from tutor.db import session_scope
from tutor.learners import attempts
from tutor.learners.attempts import record_attempt
kill_at = int(sys.argv[1])
real_flush_state = attempts.schedule.review
def review(*args, **kwargs):  # runs inside the attempt's transaction, after the attempt row is flushed
    if n == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_flush_state(*args, **kwargs)
attempts.schedule.review = review
for n in range(int(sys.argv[2])):
    with session_scope(get_settings()) as session:
        record_attempt(session, learner_id="ada", course="c", concept="loops", score=float(n % 2), idempotency_key=f"k{n}")
    print(f"k{n}", flush=True)
"""


def _setup_learner(settings):
    from tutor.db import session_scope
    from tutor.db.models import Concept
    from tutor.learners.profiles import create_learner

    with session_scope(settings) as session:
        create_learner(session, "ada", display_name="Ada")
        session.add(Concept(course="c", id="loops", title="Loops", position=0, sections=[]))


def _db_state(settings):
    from tutor.db import session_scope
    from tutor.db.models import Attempt, MasteryState, ReviewCard

    with session_scope(settings) as session:
        keys = session.scalars(sa.select(Attempt.idempotency_key).order_by(Attempt.id)).all()
        state = session.get(MasteryState, ("ada", "c", "loops"))
        card = session.get(ReviewCard, ("ada", "c", "loops"))
        return list(keys), (state.attempts if state else 0), card is not None


def test_kill_9_inside_a_grading_write_leaves_no_half_attempt_and_retry_is_idempotent(tutor_home):
    settings = get_settings()
    _setup_learner(settings)
    env = dict(os.environ, TUTOR_HOME=str(tutor_home))
    child = subprocess.run([sys.executable, "-c", RECORD_LOOP, "5", "10"], env=env, capture_output=True, text=True, timeout=300)
    assert child.returncode == -9, child.stderr
    assert child.stdout.split() == [f"k{n}" for n in range(5)]
    from tutor.db import dispose_engines

    dispose_engines()
    keys, mastery_attempts, has_card = _db_state(settings)
    assert keys == [f"k{n}" for n in range(5)]  # k5 was inside the killed transaction: not there at all
    assert mastery_attempts == 5 and has_card  # mastery moved exactly once per stored attempt
    # The retry sends the same keys again (the client never learned which ones were stored).
    retry = subprocess.run([sys.executable, "-c", RECORD_LOOP, "-1", "10"], env=env, capture_output=True, text=True, timeout=300)
    assert retry.returncode == 0, retry.stderr
    dispose_engines()
    keys, mastery_attempts, _ = _db_state(settings)
    assert keys == [f"k{n}" for n in range(10)] and mastery_attempts == 10


# -- the model endpoint: down, slow, garbage ----------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "garbage"

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "slow":
            time.sleep(5)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream" if self.mode == "garbage" else "application/json")
            self.end_headers()
            self.wfile.write(b"data: {this is not json\n\ndata: \x00\xff garbage\n\n")
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_endpoint():
    servers = []

    def start(mode: str) -> str:
        handler = type("H", (_Handler,), {"mode": mode})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("mode", ["down", "slow", "garbage"])
def test_model_endpoint_failure_gives_a_clear_line_and_the_extractive_answer(hctx, husers, hcourse, fake_endpoint, mode):
    from tutor.services import tutoring
    from tutor.generation.explanation import MODEL_FAILED
    from tutor.llm.openai_compat import OpenAIChatModel

    url = f"http://127.0.0.1:{free_port()}/v1" if mode == "down" else fake_endpoint(mode)
    model = OpenAIChatModel(url, timeout_s=1.0, max_retries=0)  # the slow server takes 5 s: the timeout ends it
    hctx.__dict__["model"] = model  # an endpoint: no lock (tutor.llm.registry)
    final = None
    for shown, turn in tutoring.answer(hctx, husers["ada"], hcourse, "How do I stop a loop early?"):
        final = (shown, turn)
    shown, turn = final
    assert MODEL_FAILED in shown and "127.0.0.1" in shown
    assert turn.citations and "07-loops.md" in shown  # the extractive answer, quoted from the course
    from tutor.db import session_scope
    from tutor.db.models import Event

    with session_scope(hctx.settings) as session:
        assert session.scalars(sa.select(Event.payload)).one()["origin"] == "extractive"


@pytest.mark.parametrize("mode", ["down", "slow", "garbage"])
def test_model_endpoint_failure_still_serves_and_grades_exercises(hctx, husers, hcourse, fake_endpoint, mode):
    """With the endpoint failing, practice still gets verified exercises (the extractive generator) and a
    typed answer is still graded (similarity band) and recorded: nothing waits on the dead model twice."""
    from tutor.services import practice
    from tutor.generation.exercises import course_passages
    from tutor.generation.verifier import verify
    from tutor.llm.openai_compat import OpenAIChatModel

    url = f"http://127.0.0.1:{free_port()}/v1" if mode == "down" else fake_endpoint(mode)
    endpoint = OpenAIChatModel(url, timeout_s=1.0, max_retries=0)
    calls = []
    real_complete = endpoint.complete
    endpoint.complete = lambda *a, **k: calls.append(1) or real_complete(*a, **k)
    hctx.__dict__["model"] = endpoint
    passages = course_passages(hctx.retriever, hcourse, "loops")
    batch = hctx.generator.generate(passages, n=3, pool_passages=course_passages(hctx.retriever, hcourse))
    assert len(batch.items) == 3 and {i.model for i in batch.items} == {"extractive"}
    assert "127.0.0.1" in batch.stats["model_failure"]
    assert len(calls) == 1  # asked once; the other slots went straight to the fallback
    assert all(not verify(item, [], hctx.embedder) for item in batch.items)

    shown = practice.next_exercise(hctx, husers["ada"], hcourse, concept="loops")
    typed = next(i for i in batch.items if i.type != "mcq")
    feedback = hctx.grader.grade(typed, "something unrelated to the question")
    assert feedback.verdict in ("partly", "incorrect") and feedback.grader == "similarity" and feedback.hint
    outcome = practice.submit(hctx, husers["ada"], shown, "an answer")
    assert outcome.attempt_id and not outcome.duplicate


def test_unwritable_home_is_one_clear_line_at_start(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("TUTOR_HOME points under a regular file, so no folder can be made (works even as root)")
    env = dict(os.environ, TUTOR_HOME=str(blocker / "home"))
    for args in (["learner", "create", "ada", "--name", "Ada"], ["courses"], ["user", "list"]):
        result = tutor_cmd(*args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Cannot write to" in lines[0] and "Point TUTOR_HOME at a writable folder" in lines[0], lines
    assert blocker.read_text().startswith("TUTOR_HOME points")  # nothing was overwritten
