"""Light load test of `tutor serve` on loopback: N concurrent learners chat and answer for a bounded time.

    python benchmarks/load.py [--json] [--learners 20] [--duration 60] [--chapters 3] [--url URL --home DIR]
    python benchmarks/load.py --matrix [--json] [--learners 50] [--duration 60]

`--endpoint` serves the chat through an OpenAI-compatible endpoint (a slow scripted one from
tutor.devservices, `--endpoint-seconds` per answer) and reports how many chat requests the endpoint had in
flight at once, beside the one at a time the app allowed when it locked every backend.

`--matrix` runs the issue 7 configurations one after the other, each on a fresh stack: one process on the
default stack (SQLite + on-disk Chroma), one process and two processes over a throw-away PostgreSQL (Debian's
package, started here on 127.0.0.1) and a `chroma run` server; learners are spread over the processes
round-robin, and the JSON holds one entry per configuration. `--processes N --stack postgres` runs one of them.

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
import contextlib
import json
import os
import shutil
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
from tutor import devservices  # noqa: E402 - needs ROOT on the path first
DEMO = ROOT / "knowledge" / "intro-python"
QUESTIONS = ["How do I stop a loop early?", "What is a variable?", "How do I write a function?", "What does print do?"]
PASSWORD = "load-test-password"


def prepare(home: Path, learners: int, chapters: int, env: dict | None = None) -> None:
    """Course and accounts in a fresh home, written in this process before the server starts."""
    os.environ["TUTOR_HOME"] = str(home)
    os.environ.update(env or {})
    from tutor.config import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    from tutor.services.accounts import add_user
    from tutor.retrieval.embeddings import get_embedder
    from tutor.retrieval.ingest import ingest
    from tutor.retrieval.store import open_store

    files = sorted(DEMO.glob("*.md"))[:chapters]
    report = ingest(files, "intro-python", open_store(settings), get_embedder(settings.embedding_model), settings, title="Intro to Python")
    if report.skipped:
        raise SystemExit(f"demo course did not load: {report.skipped}")
    for i in range(learners):
        add_user(f"learner{i:02d}", PASSWORD, ["learner"], settings=settings)


def start_stack(services: contextlib.ExitStack, root: Path) -> dict:
    """A throw-away PostgreSQL and `chroma run` server on loopback, stopped by pid when `services` closes; their env."""
    try:
        # Headroom over PostgreSQL's default of 100 connections: each app process keeps its own pool.
        database_url = services.enter_context(devservices.postgres(start_timeout=120, settings={"max_connections": "200"}))
        chroma_url = services.enter_context(devservices.chroma_server(root / "chroma", start_timeout=60))
    except devservices.ServiceError as exc:
        raise SystemExit(str(exc)) from exc
    return {"TUTOR_DATABASE_URL": database_url, "TUTOR_CHROMA_URL": chroma_url}


def start_server(home: Path, port: int, log: Path, env: dict | None = None) -> subprocess.Popen:
    env = dict(os.environ, TUTOR_HOME=str(home), **(env or {}))
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


def signed_in_client(url: str, name: str):
    """A gradio_client on the tutor's own sign-in: POST /login answers 303 with the session cookie (Gradio's
    client treats any answer but 2xx as a failed login, so it cannot sign in by `auth=` itself)."""
    import httpx
    from gradio_client import Client

    response = httpx.post(url.rstrip("/") + "/login", data={"username": name, "password": PASSWORD}, timeout=120)
    token = response.cookies.get("tutor_session")
    if response.status_code != 303 or not token:
        raise RuntimeError(f"sign-in of {name} answered HTTP {response.status_code}")
    return Client(url, headers={"Cookie": f"tutor_session={token}"}, verbose=False)


def learner(url: str, name: str, deadline: float, tally: Tally, course: str) -> None:
    client = None
    for attempt in range(3):  # 20 argon2 checks at once on 2 cores can outlast the client's timeout
        client = tally.timed("sign_in", signed_in_client, url, name)
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


def stored_attempts(home: Path, database_url: str | None = None) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url or f"sqlite:///{home / 'tutor.db'}")
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM attempts WHERE learner_id LIKE 'learner%'")).scalar()
    engine.dispose()
    return int(count)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_load(urls: list[str], count_stored, learners: int, duration: float) -> tuple[dict, list[str]]:
    """`learners` threads spread round-robin over `urls` for `duration` seconds; the figures and the errors."""
    before = count_stored()
    tally = Tally()
    start = time.monotonic()
    deadline = start + duration
    threads = [threading.Thread(target=learner, args=(urls[i % len(urls)], f"learner{i:02d}", deadline, tally, "intro-python"))
               for i in range(learners)]
    for t in threads:
        t.start()
        time.sleep(0.1)  # learners arrive over a few seconds, not in the same millisecond
    for t in threads:
        t.join(timeout=duration + 600)
    elapsed = time.monotonic() - start
    stored = count_stored() - before
    requests = len(tally.latencies)
    result = {
        "learners": learners,
        "processes": len(urls),
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
    return result, tally.errors


def run_configuration(processes: int, stack: str, learners: int, duration: float, chapters: int) -> dict:
    """A fresh home (and, for `postgres`, a fresh PostgreSQL + Chroma server), N servers, the load; all stopped after."""
    tmp = Path(tempfile.mkdtemp(prefix="tutor-load-"))
    services = contextlib.ExitStack()
    procs: list[subprocess.Popen] = []
    saved = {k: os.environ.get(k) for k in ("TUTOR_HOME", "TUTOR_DATABASE_URL", "TUTOR_CHROMA_URL")}
    try:
        env = {}
        if stack == "postgres":
            env = start_stack(services, tmp)
        prepare(tmp / "home", learners, chapters, env)
        urls = []
        for i in range(processes):
            port = devservices.free_port()
            # Each process gets its own home (caches only) when the data is shared; with SQLite they share the home.
            home = tmp / f"home-{i}" if stack == "postgres" else tmp / "home"
            procs.append(start_server(home, port, tmp / f"serve-{i}.log", env))
            urls.append(f"http://127.0.0.1:{port}/")
        database_url = env.get("TUTOR_DATABASE_URL")
        result, _ = run_load(urls, lambda: stored_attempts(tmp / "home", database_url), learners, duration)
        result["stack"] = "PostgreSQL + Chroma server" if stack == "postgres" else "SQLite + on-disk Chroma"
        return result
    finally:
        for proc in procs:
            devservices.stop_process(proc)
        services.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(tmp, ignore_errors=True)


def max_in_flight(spans: list[tuple[float, float]]) -> int:
    """The most (start, end) spans open at one moment."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


def endpoint_figures(spans: list[tuple[float, float]]) -> dict:
    """How the chat requests met at the endpoint; the baseline is the old process-wide lock: 1 in flight."""
    overlapping = sum(any(a[0] < b[1] and b[0] < a[1] for b in spans if b is not a) for a in spans)
    return {"requests": len(spans), "max_in_flight": max_in_flight(spans), "baseline_max_in_flight": 1,
            "overlapping_share": round(overlapping / len(spans), 3) if spans else 0.0}


def print_result(result: dict) -> None:
    print(f"{result['learners']} learners, {result.get('processes', 1)} process(es), {result.get('stack', '')}, "
          f"{result['duration_s']} s on TUTOR_LLM={result['llm']}")
    print(f"attempts: sent {result['sent']} (+{result['duplicates_sent']} double clicks), stored {result['stored']}  "
          f"{'OK: none lost, none doubled' if result['stored'] == result['sent'] else 'MISMATCH'}")
    print(f"requests {result['requests']}, errors {result['errors']}, throughput {result['throughput']} req/s, "
          f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
    for kind, p95 in result["p95_ms_by_kind"].items():
        print(f"  p95 {kind:<14} {p95} ms")
    for error in result["first_errors"]:
        print(f"  error: {error}")
    if "endpoint" in result:
        e = result["endpoint"]
        print(f"endpoint: {e['requests']} model requests, at most {e['max_in_flight']} in flight at once "
              f"(baseline, every backend locked: {e['baseline_max_in_flight']}); {e['overlapping_share']:.0%} overlapped another")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=None, help="default 20; 50 with --matrix")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per configuration; requests in flight then finish")
    parser.add_argument("--chapters", type=int, default=3)
    parser.add_argument("--processes", type=int, default=1, help="app processes (learners spread round-robin)")
    parser.add_argument("--stack", choices=["sqlite", "postgres"], default="sqlite",
                        help="sqlite: SQLite + on-disk Chroma in one home; postgres: a throw-away PostgreSQL + chroma run")
    parser.add_argument("--matrix", action="store_true", help="1 process on sqlite, then 1 and 2 processes on postgres")
    parser.add_argument("--url", help="an already running server (its accounts must be learner00.. with the script's password)")
    parser.add_argument("--home", type=Path, help="that server's TUTOR_HOME, to count stored attempts")
    parser.add_argument("--endpoint", action="store_true", help="chat through a slow OpenAI-compatible endpoint; report overlap")
    parser.add_argument("--endpoint-seconds", type=float, default=2.0, help="how long the endpoint takes per answer")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tutor import offline

    offline.enforce()
    learners = args.learners or (50 if args.matrix else 20)
    if args.url:
        if not args.home:
            raise SystemExit("--url needs --home (to count the stored attempts)")
        results = [run_load([args.url], lambda: stored_attempts(args.home), learners, args.duration)[0]]
    elif args.endpoint:
        reply = "A break statement ends the loop at once [1]."
        with devservices.slow_chat_server(reply, seconds=args.endpoint_seconds) as server:
            os.environ.update(TUTOR_LLM="openai", TUTOR_LLM_BASE_URL=server.url, TUTOR_LLM_MODEL="slow")
            results = [run_configuration(args.processes, args.stack, learners, args.duration, args.chapters)]
            results[0]["endpoint"] = endpoint_figures(server.requests)
    elif args.matrix:
        results = [run_configuration(p, stack, learners, args.duration, args.chapters)
                   for p, stack in ((1, "sqlite"), (1, "postgres"), (2, "postgres"))]
    else:
        if args.processes > 1 and args.stack == "sqlite":
            print("note: several processes over one SQLite file; use --stack postgres for a deployment", file=sys.stderr)
        results = [run_configuration(args.processes, args.stack, learners, args.duration, args.chapters)]
    if args.json:
        print(json.dumps(results if args.matrix else results[0], indent=2))
    else:
        for result in results:
            print_result(result)
            print()
        if len(results) > 1:
            print(f"{'configuration':<46} {'sent':>5} {'stored':>6} {'errors':>6} {'p50_ms':>8} {'p95_ms':>8} {'req/s':>6}")
            for r in results:
                name = f"{r['processes']} process(es), {r['stack']}"
                print(f"{name:<46} {r['sent']:>5} {r['stored']:>6} {r['errors']:>6} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['throughput']:>6}")
    ok = all(r["stored"] == r["sent"] and not r["errors"] for r in results)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
