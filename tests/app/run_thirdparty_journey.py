"""A learner's whole session on real third-party documentation, in Debian's chromium: not a test (it needs a
Debian documentation package and takes minutes), a script whose screenshots a person looks at.

    apt-get download git-doc && dpkg-deb -x git-doc_*.deb .tutor/debs/extracted
    PYTHONPATH=$PWD python tests/app/run_thirdparty_journey.py --docs .tutor/debs/extracted/usr/share/doc/git-doc \
        --home .tutor/journey-home --shots .tutor/journey-shots --port 7871 [--llm fake|local]
    # any other material: --docs FOLDER --files A.html B.pdf --course ID --title TEXT --questions FILE

An instructor uploads the files (by default git-doc's gittutorial.html and gittutorial-2.html) and looks at
the concept map and the question bank; a learner asks several questions, presses Explain more simply, Quiz
me, then answers ten exercises (a hint on each, right and wrong answers in turn), looks at Progress; the
instructor looks at the question bank again. Each step saves a numbered screenshot and prints what the page
showed; any error toast or server traceback is printed as a problem (and the run goes on, so every screen
can be looked at).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import ARGS, CHROMIUM, PASSWORDS, ROLES, pick, wait_until  # noqa: E402
from browser_support import sign_in as shared_sign_in  # noqa: E402

QUESTIONS = [
    "How do I undo changes to a file?",
    "What does git merge do?",
    "How do I create a new branch?",
    "What is the index?",
    "How do I rebase my branch onto master?",
]
SCRIPT = [True, False, True, True, False, True, True, True, False, True]
WAIT_MS = 900_000


class Run:
    def __init__(self, shots: Path, log: Path):
        self.shots, self.log, self.n, self.problems = shots, log, 0, []
        shots.mkdir(parents=True, exist_ok=True)
        for old in shots.glob("*.png"):
            old.unlink()

    def shot(self, page, name: str, note: str = "") -> None:
        self.n += 1
        file = f"{self.n:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"
        page.screenshot(path=self.shots / file, full_page=True)
        toasts = page.evaluate("window.__errorToasts || []")
        page.evaluate("window.__errorToasts = []")
        traceback = "Traceback" in self.log.read_text(errors="replace")
        if toasts or traceback:
            self.problems.append((file, toasts, traceback))
        print(f"{file}: {note[:600]}" + (f"\n    TOASTS: {toasts}" if toasts else "") + ("\n    TRACEBACK in log" if traceback else ""),
              flush=True)


def item(home: Path, item_id: str) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{home / 'tutor.db'}")
    with engine.connect() as conn:
        payload, concept = conn.execute(sa.text("SELECT payload, concept FROM items WHERE id = :i"), {"i": item_id}).one()
    engine.dispose()
    return json.loads(payload) | {"concept": concept}


def sign_in(browser, url: str, name: str):
    """browser_support's sign-in, with this run's longer waits (the real model may be writing meanwhile)."""
    page = shared_sign_in(browser, url, name)
    page.set_default_timeout(WAIT_MS)
    return page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=Path, required=True, help="a folder of course files")
    parser.add_argument("--files", nargs="*", default=["gittutorial.html", "gittutorial-2.html"],
                        help="the files under --docs the instructor uploads (default: git-doc's two tutorial pages)")
    parser.add_argument("--course", default="git-tutorial")
    parser.add_argument("--title", default="Git tutorial (git-doc)")
    parser.add_argument("--questions", type=Path, help="the learner's questions, one a line (default: five on git)")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--shots", type=Path, required=True)
    parser.add_argument("--port", type=int, default=7871)
    parser.add_argument("--llm", default="fake")
    parser.add_argument("--chat-only", action="store_true", help="the course is uploaded already: the learner's chat and one quiz")
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    home = args.home.resolve()
    env = dict(os.environ, TUTOR_HOME=str(home), TUTOR_LLM=args.llm)
    tutor = [sys.executable, "-m", "tutor.cli"]
    for name in ("teacher", "ada"):
        subprocess.run([*tutor, "user", "add", name, "--role", ROLES[name], "--password-stdin", "--force"],
                       input=PASSWORDS[name] + "\n", env=env, check=True, capture_output=True, text=True)
    log = home / "serve.log"
    server = subprocess.Popen([*tutor, "serve", "--port", str(args.port)], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{args.port}/"
    run = Run(args.shots, log)
    served: list[str] = []
    try:
        wait_until(lambda: _answers(url), "the server", timeout_ms=300_000, poll_s=1)
        files = [args.docs / name for name in args.files]
        questions = args.questions.read_text().split("\n") if args.questions else QUESTIONS
        questions = [q.strip() for q in questions if q.strip()]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            if args.chat_only:
                _chat(run, sign_in(browser, url, "ada"), expect, questions)
                return
            teacher = sign_in(browser, url, "teacher")
            teacher.get_by_role("tab", name="Upload").click()
            teacher.locator("#up-course textarea, #up-course input").first.fill(args.course)
            teacher.locator("#up-title textarea, #up-title input").first.fill(args.title)
            teacher.locator("#up-files input[type=file]").set_input_files([str(f) for f in files])
            t0 = time.monotonic()
            teacher.locator("#upload-btn").click()
            for f in files:
                expect(teacher.locator("#upload-result")).to_contain_text(f"loaded: {f.name}")
            run.shot(teacher, "teacher upload", f"{time.monotonic() - t0:.1f} s; " + teacher.locator("#upload-result").inner_text())

            teacher.get_by_role("tab", name="Concept map").click()
            expect(teacher.locator("#concept-map svg.concept-map")).to_be_visible()
            titles = [t.text_content() for t in teacher.locator("#concept-map svg.concept-map g.concept title").all()]
            run.shot(teacher, "teacher concept map", f"{len(titles)} concepts: {titles}")

            teacher.get_by_role("tab", name="Question bank").click()
            pool = teacher.locator("#pool-status")
            expect(pool).to_contain_text("Exercise pool")

            def pool_idle():
                teacher.locator("#pool-refresh").click()
                return "idle" in pool.inner_text()

            t0 = time.monotonic()
            wait_until(pool_idle, "the exercise pool", timeout_ms=WAIT_MS, poll_s=5)
            run.shot(teacher, "teacher bank pool ready", f"{time.monotonic() - t0:.0f} s; " + pool.inner_text())

            ada = sign_in(browser, url, "ada")
            _chat(run, ada, expect, questions)
            exercise = ada.locator("#exercise")
            feedback = ada.locator("#feedback")
            for n, right in enumerate(SCRIPT, 1):
                shown = re.search(r"item ([0-9a-f]{24})", exercise.inner_text()).group(1)
                if n > 1:
                    t0 = time.monotonic()
                    ada.locator("#next-exercise").click()
                    wait_until(lambda: (m := re.search(r"item ([0-9a-f]{24})", exercise.inner_text())) and m.group(1) != shown,
                               "the next exercise", timeout_ms=WAIT_MS)
                    shown = re.search(r"item ([0-9a-f]{24})", exercise.inner_text()).group(1)
                    waited = time.monotonic() - t0
                else:
                    waited = 0.0
                repeat = shown in served
                served.append(shown)
                data = item(home, shown)
                ada.locator("#hint").click()
                expect(feedback).to_contain_text("Hint")
                hint = " ".join(feedback.inner_text().split())
                if data["type"] == "mcq":
                    choice = data["answer"] if right else next(o for o in data["options"] if o != data["answer"])
                    ada.locator("#choice").get_by_label(choice, exact=True).check()
                else:
                    ada.locator("#answer textarea").fill(data["answer"] if right else "something else entirely")
                ada.locator("#submit").click()
                expect(feedback).to_contain_text(re.compile("Correct|Incorrect|Partly"))
                run.shot(ada, f"practice {n:02d} {'right' if right else 'wrong'}",
                         f"next in {waited:.2f} s; {'REPEAT ' if repeat else ''}{data['concept']} {data['type']} "
                         f"({data.get('origin')}): {' '.join(data['question'].split())} | key {data['answer']!r} "
                         f"options {data.get('options')} | {hint} | {' '.join(feedback.inner_text().split())[:200]}")

            ada.get_by_role("tab", name="Progress").click()
            expect(ada.locator("#learner-map svg.concept-map")).to_be_visible()
            ada.locator("#refresh-progress").click()
            expect(ada.locator("#progress-summary")).to_contain_text("10 attempts")
            run.shot(ada, "progress", " ".join(ada.locator("#progress-summary").inner_text().split()) + " | "
                     + " ".join(ada.locator("#mastery-table").inner_text().split())[:400])

            teacher.get_by_role("tab", name="Question bank").click()
            teacher.locator("#pool-refresh").click()
            pick(teacher, "bank-filter", "draft")
            time.sleep(2)
            run.shot(teacher, "teacher bank after", " ".join(pool.inner_text().split()))
            teacher.get_by_role("tab", name="Class").click()
            teacher.locator("#refresh-class").click()
            expect(teacher.locator("#class-ratings")).to_contain_text("Feedback ratings")
            run.shot(teacher, "teacher class", "")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"distinct items served: {len(set(served))} of {len(served)}; problems: {run.problems or 'none'}")


def _chat(run: Run, ada, expect, questions: list[str]) -> None:
    """The learner asks `questions`, presses Explain more simply, then Quiz me."""
    chatbot = ada.locator("#chatbot")
    for question in questions:
        before = chatbot.inner_text().count("Sources") + chatbot.inner_text().count("could not find")
        ada.locator("#question textarea").fill(question)
        t0 = time.monotonic()
        ada.locator("#ask").click()
        wait_until(lambda: chatbot.inner_text().count("Sources") + chatbot.inner_text().count("could not find") > before,
                   "the answer", timeout_ms=WAIT_MS)
        time.sleep(1)  # the last streamed piece
        answer = chatbot.locator(".message-row, .message").last.inner_text() if chatbot.locator(".message").count() else ""
        run.shot(ada, f"chat {question}", f"{time.monotonic() - t0:.1f} s; " + " ".join(answer.split()))
    before = chatbot.inner_text().count("Sources")
    ada.locator("#simpler").click()
    wait_until(lambda: chatbot.inner_text().count("Sources") > before, "the simpler answer", timeout_ms=WAIT_MS)
    run.shot(ada, "chat explain more simply", " ".join(chatbot.inner_text().split())[-500:])

    ada.locator("#quiz-me").click()
    exercise = ada.locator("#exercise")
    expect(exercise).to_contain_text("item ")
    run.shot(ada, "quiz me", " ".join(exercise.inner_text().split()))


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
