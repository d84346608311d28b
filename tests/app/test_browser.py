"""End to end in a real browser: Debian's chromium driven by Playwright against `tutor serve`.

An instructor signs in and uploads a Markdown file and a PDF; a learner asks a question and sees a
citation from the uploaded file, takes a quiz, answers wrongly then rightly (the retry is graded but only the first answer counts), and sees
mastery change on Progress; a second learner cannot see the first's data, then signs out. Screenshots of each step are saved in a
folder the test prints (TUTOR_E2E_SCREENSHOTS, default a temp folder). Fake LLM: the test is about
the app, and the fake keeps it fast and deterministic; retrieval and the learner model are real.
Every step fails on an error toast or a server traceback, except the one refusal the test provokes (checked).
The served app, sign-in and waits are tests/app/browser_support.py's, bounded by its WAIT_MS.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from browser_support import ARGS, CHROMIUM, WAIT_MS, Steps, screenshot_folder, served_app, sign_in

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium: make setup installs it"),
]


@pytest.fixture
def server(tutor_home, tmp_path):
    with served_app(tutor_home, tmp_path / "serve.log") as url:
        yield url


@pytest.fixture
def shots(tmp_path):
    # A folder of its own under TUTOR_E2E_SCREENSHOTS: the other browser tests keep theirs beside it.
    return screenshot_folder(tmp_path, "upload-and-learn")


def _pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Tuples\n\nA tuple is an immutable sequence of values written with parentheses. "
                         "Once a tuple is created its elements cannot be changed, which makes tuples usable as dictionary keys.")
    pdf.output(str(path))
    return path


def _item(home: Path, item_id: str) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{home / 'tutor.db'}")
    with engine.connect() as conn:
        payload, concept = conn.execute(sa.text("SELECT payload, concept FROM items WHERE id = :i"), {"i": item_id}).one()
        title = conn.execute(sa.text("SELECT title FROM concepts WHERE id = :c"), {"c": concept}).scalar()
    engine.dispose()
    import json

    return json.loads(payload) | {"concept_title": title}


def _answer(page, item: dict, text: str) -> None:
    if item["type"] == "mcq":
        page.locator("#choice").get_by_label(text, exact=True).check()
    else:
        page.locator("#answer textarea").fill(text)
    page.locator("#submit").click()


def test_instructor_uploads_learner_learns_and_data_stays_private(server, shots, tutor_home, demo_course, tmp_path):
    expect = playwright_api.expect
    markdown = tmp_path / "loops.md"
    shutil.copy(demo_course / "07-loops.md", markdown)
    pdf = _pdf(tmp_path / "tuples.pdf")
    steps = Steps(shots, tmp_path / "serve.log")  # after each step: no error toast, no server traceback
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        # -- the instructor uploads a Markdown file and a PDF
        teacher = sign_in(browser, server, "teacher")
        steps.done(teacher, "instructor signed in")
        teacher.get_by_role("tab", name="Upload").click()
        teacher.locator("#up-course input, #up-course textarea").first.fill("py")
        teacher.locator("#up-files input[type=file]").set_input_files([str(markdown), str(pdf)])
        teacher.locator("#upload-btn").click()
        result = teacher.locator("#upload-result")
        expect(result).to_contain_text("loaded: loops.md", timeout=WAIT_MS)
        expect(result).to_contain_text("loaded: tuples.pdf")
        steps.done(teacher, "instructor uploaded")

        # -- a learner asks and sees a citation from the uploaded file
        ada = sign_in(browser, server, "ada")
        expect(ada.get_by_role("tab", name="Upload")).to_have_count(0)  # instructor tabs hidden from learners
        ada.get_by_role("tab", name="Progress").click()
        table = ada.locator("#mastery-table")
        expect(table).to_contain_text("Loops")
        before = table.inner_text()
        ada.get_by_role("tab", name="Chat").click()
        ada.locator("#question textarea").fill("How do I stop a loop early?")
        ada.locator("#ask").click()
        chatbot = ada.locator("#chatbot")
        expect(chatbot).to_contain_text("Sources", timeout=WAIT_MS)
        expect(chatbot).to_contain_text("loops.md")
        steps.done(ada, "learner answer with citation")

        # -- quiz: wrong, then right
        ada.locator("#quiz-me").click()
        exercise = ada.locator("#exercise")
        expect(exercise).to_contain_text("item ", timeout=WAIT_MS)
        item_id = re.search(r"item ([0-9a-f]{24})", exercise.inner_text()).group(1)
        item = _item(tutor_home, item_id)
        right = item["answer"]
        wrong = next((o for o in item.get("options", []) if o != right), "zzz unrelated words qqq")
        steps.done(ada, "learner quiz")
        _answer(ada, item, wrong)
        feedback = ada.locator("#feedback")
        expect(feedback).to_contain_text(re.compile(r"Incorrect|Partly"), timeout=WAIT_MS)
        expect(feedback).to_contain_text("Hint")
        steps.done(ada, "learner wrong answer")
        _answer(ada, item, right)
        expect(feedback).to_contain_text("Correct", timeout=WAIT_MS)
        expect(feedback).to_contain_text("only your first answer")  # a retry is graded, not counted again
        steps.done(ada, "learner right answer")

        # -- progress shows the change
        ada.get_by_role("tab", name="Progress").click()
        title = re.escape(item["concept_title"])
        # one attempt (the first answer to the question shown), not correct (columns: concept, mastery, attempts, correct, next review)
        expect(table).to_contain_text(re.compile(rf"{title}\s+[0-9.]+\s+1\s+0\s"), timeout=WAIT_MS)
        mastery = lambda text: float(re.search(rf"{title}\s+([0-9.]+)", text).group(1))  # noqa: E731
        assert mastery(table.inner_text()) != mastery(before)
        steps.done(ada, "learner progress")

        # -- a second learner sees none of it, and cannot ask for it
        bob = sign_in(browser, server, "bob")
        bob.get_by_role("tab", name="Progress").click()
        bob_table = bob.locator("#mastery-table")
        expect(bob_table).to_contain_text(item["concept_title"])
        expect(bob.locator("#progress-summary")).to_contain_text("0 attempts")
        bob.locator("#learner input, #learner textarea").first.fill("ada")
        bob.locator("#refresh-progress").click()
        expect(bob.get_by_text("a learner sees only their own data").first).to_be_visible(timeout=WAIT_MS)
        expect(bob.locator("#progress-summary")).not_to_contain_text("ada")
        steps.refused(bob, "a learner sees only their own data")  # the one error this journey provokes
        steps.done(bob, "second learner refused")

        # -- sign out: back to the sign-in page, and the page is not served without signing in again
        bob.locator("#sign-out").click()
        bob.get_by_label("username").wait_for(timeout=WAIT_MS)
        bob.goto(server)
        expect(bob.get_by_role("button", name="Login")).to_be_visible(timeout=WAIT_MS)
        steps.done(bob, "signed out")
        browser.close()
