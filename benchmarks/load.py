"""Light load test of `tutor serve` on loopback: N concurrent learners chat and answer for a bounded time.

    python benchmarks/load.py [--json] [--learners 20] [--duration 60] [--chapters 3] [--url URL --home DIR]

Without --url it builds a throw-away TUTOR_HOME, loads the first `--chapters` chapters of the demo course,
creates one account per learner and starts `tutor serve` on a free loopback port (the LLM backend is
whatever TUTOR_LLM says: the embedded model by default). Each learner signs in with gradio_client and
loops until the deadline: ask a question (streamed chat), get the next exercise, answer it twice with
two different answers and re-send the second (a double click). Every distinct answer is one attempt
that must be stored exactly once: `sent` (distinct answers sent) must equal `stored` (rows in the
attempts table), which the script checks and reports. Latency is per request, over all kinds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMO = ROOT / "knowledge" / "intro-python"
QUESTIONS = ["How do I stop a loop early?", "What is a variable?", "How do I write a function?", "What does print do?"]
PASSWORD = "load-test-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(home: Path, learners: int, chapters: int) -> None:
    """Course and accounts in a fresh home, written in this process before the server starts."""
    os.environ["TUTOR_HOME"] = str(home)
    from tutor.config import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    from tutor.app.accounts import add_user
    from tutor.retrieval.embeddings import get_embedder
    from tutor.retrieval.ingest import ingest
    from tutor.retrieval.store import open_store

    files = sorted(DEMO.glob("*.md"))[:chapters]
    report = ingest(files, "intro-python", open_store(settings), get_embedder(settings.embedding_model), settings, title="Intro to Python")
    if report.skipped:
        raise SystemExit(f"demo course did not load: {report.skipped}")
    for i in range(learners):
        add_user(f"learner{i:02d}", PASSWORD, ["learner"], settings=settings)


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, TUTOR_HOME=str(home))
    proc = subprocess.Popen([sys.executable, "-m", "tutor.cli", "serve", "--port", str(port)], env=env,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit("tutor serve did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.5)


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_kind: dict[str, list[float]] = {}
        self.sent = 0  # distinct answers sent (each must be stored once)
        self.duplicates_sent = 0
        self.errors: list[str] = []

    def timed(self, kind: str, fn, *args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a load test counts every failure and goes on
            with self.lock:
                self.errors.append(f"{kind}: {type(exc).__name__}: {str(exc)[:200]}")
            return None
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            with self.lock:
                self.latencies.append(elapsed)
                self.by_kind.setdefault(kind, []).append(elapsed)


def learner(url: str, name: str, deadline: float, tally: Tally, course: str) -> None:
    from gradio_client import Client

    client = None
    for attempt in range(3):  # 20 argon2 checks at once on 2 cores can outlast the client's timeout
        client = tally.timed("sign_in", Client, url, auth=(name, PASSWORD), verbose=False)
        if client is not None:
            break
    if client is None:
        return
    turn = 0
    while time.monotonic() < deadline:
        tally.timed("chat", client.predict, QUESTIONS[turn % len(QUESTIONS)], [], course, api_name="/ask")
        turn += 1
        shown = tally.timed("next_exercise", client.predict, course, api_name="/next_exercise")
        if shown is None:
            continue
        choices = [c[0] for c in (shown[1].get("choices") or [])] if isinstance(shown[1], dict) else []
        answers = choices[:2] if len(choices) >= 2 else ["not sure", "maybe this"]
        for i, answer in enumerate(answers):
            picked = answer if choices else None
            with tally.lock:
                tally.sent += 1
            tally.timed("submit", client.predict, picked, answer, api_name="/submit")
            if i == len(answers) - 1:  # the double click: same question, same answer
                with tally.lock:
                    tally.duplicates_sent += 1
                tally.timed("submit", client.predict, picked, answer, api_name="/submit")
            if time.monotonic() >= deadline:
                break


def stored_attempts(home: Path) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{home / 'tutor.db'}")
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM attempts WHERE learner_id LIKE 'learner%'")).scalar()
    engine.dispose()
    return int(count)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load; requests in flight then finish")
    parser.add_argument("--chapters", type=int, default=3)
    parser.add_argument("--url", help="an already running server (its accounts must be learner00.. with the script's password)")
    parser.add_argument("--home", type=Path, help="that server's TUTOR_HOME, to count stored attempts")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tutor import offline

    offline.enforce()
    tmp = None
    proc = None
    if args.url:
        if not args.home:
            raise SystemExit("--url needs --home (to count the stored attempts)")
        url, home = args.url, args.home
    else:
        tmp = Path(tempfile.mkdtemp(prefix="tutor-load-"))
        home = tmp / "home"
        prepare(home, args.learners, args.chapters)
        port = _free_port()
        proc = start_server(home, port, tmp / "serve.log")
        url = f"http://127.0.0.1:{port}/"
    before = stored_attempts(home)
    tally = Tally()
    start = time.monotonic()
    deadline = start + args.duration
    threads = [threading.Thread(target=learner, args=(url, f"learner{i:02d}", deadline, tally, "intro-python"))
               for i in range(args.learners)]
    for t in threads:
        t.start()
        time.sleep(0.1)  # learners arrive over two seconds, not in the same millisecond
    for t in threads:
        t.join(timeout=args.duration + 600)
    elapsed = time.monotonic() - start
    stored = stored_attempts(home) - before
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=30)
    requests = len(tally.latencies)
    result = {
        "learners": args.learners,
        "duration_s": round(elapsed, 1),
        "llm": os.environ.get("TUTOR_LLM", "local"),
        "sent": tally.sent,
        "duplicates_sent": tally.duplicates_sent,
        "stored": stored,
        "errors": len(tally.errors),
        "requests": requests,
        "p50_ms": round(statistics.median(tally.latencies), 1) if tally.latencies else 0.0,
        "p95_ms": round(percentile(tally.latencies, 0.95), 1),
        "throughput": round(requests / elapsed, 2),  # requests per second, all kinds
        "p95_ms_by_kind": {k: round(percentile(v, 0.95), 1) for k, v in sorted(tally.by_kind.items())},
        "first_errors": tally.errors[:5],
    }
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.learners} learners for {result['duration_s']} s on TUTOR_LLM={result['llm']}")
        print(f"attempts: sent {tally.sent} (+{tally.duplicates_sent} double clicks), stored {stored}  "
              f"{'OK: none lost, none doubled' if stored == tally.sent else 'MISMATCH'}")
        print(f"requests {requests}, errors {len(tally.errors)}, throughput {result['throughput']} req/s, "
              f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
        for kind, p95 in result["p95_ms_by_kind"].items():
            print(f"  p95 {kind:<14} {p95} ms")
        for error in result["first_errors"]:
            print(f"  error: {error}")
    sys.exit(0 if stored == tally.sent and not tally.errors else 1)


if __name__ == "__main__":
    main()
