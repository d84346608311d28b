"""Every button of every tab, pressed in a real browser (Debian's chromium, Playwright) against `tutor serve`,
as an instructor (upload, concept map, question bank, class; and the learner tabs, since instructors learn
too) and as a learner (chat, practice, progress, community). Each press waits for what it should show;
the test fails on any error toast and on any traceback in the server log. A screenshot of each step goes
to the folder the test prints. Fake LLM: the test is about the app; retrieval, the learner model and the
exercise pool are real.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from browser_support import CHROMIUM, ARGS, WAIT_MS, Steps, pick, screenshot_folder, served_app, sign_in, wait_until

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium: make setup installs it"),
]

CHAPTERS = ("06-lists.md", "07-loops.md", "09-functions.md")
# Every button the app has, by elem_id; the test checks it pressed each (a new button must join the test).
LEARNER_BUTTONS = {"sign-out", "ask", "quiz-me", "simpler", "chat-hint", "what-next", "like", "submit", "hint", "solution",
                   "next-exercise", "practise-concept", "refresh-progress", "rec-up", "rec-down", "path",
                   "community-opt-in", "refresh-community"}
INSTRUCTOR_BUTTONS = {"upload-btn", "rm-file", "rm-course", "add-edge", "del-edge", "pool-refresh", "bank-generate",
                      "bank-approve", "bank-reject", "bank-save", "bank-export", "bank-import-file", "refresh-class"}


def _text(page, selector: str) -> str:
    return page.locator(selector).inner_text()


def _count(text: str, word: str) -> int:
    return len(re.findall(re.escape(word), text))


def _learner_round(page, steps: Steps, who: str) -> None:
    expect = playwright_api.expect
    chatbot = page.locator("#chatbot")
    page.get_by_role("tab", name="Chat").click()

    # Ask, then rate the answer, then ask for it more simply.
    page.locator("#question textarea").fill("How do I stop a loop early?")
    page.locator("#ask").click()
    expect(chatbot).to_contain_text("Sources", timeout=WAIT_MS)
    steps.done(page, f"{who} chat ask", "ask")
    chatbot.get_by_role("button", name="Like").last.click()
    expect(page.get_by_text("your rating was stored").first).to_be_visible(timeout=WAIT_MS)
    steps.done(page, f"{who} chat like", "like")
    page.locator("#simpler").click()
    wait_until(lambda: _count(_text(page, "#chatbot"), "Sources") >= 2, "the simpler answer with its sources")
    steps.done(page, f"{who} chat explain more simply", "simpler")
    page.locator("#what-next").click()
    wait_until(lambda: "mastery" in _text(page, "#chatbot") and "—" in _text(page, "#chatbot"), "the recommendations")
    steps.done(page, f"{who} chat what next", "what-next")
    page.locator("#chat-hint").click()
    expect(chatbot).to_contain_text("Press Quiz me first", timeout=WAIT_MS)
    steps.done(page, f"{who} chat hint before a quiz", "chat-hint")

    # Quiz me opens Practice on an exercise; the chat's hint then points into the course.
    page.locator("#quiz-me").click()
    exercise = page.locator("#exercise")
    expect(exercise).to_contain_text("item ", timeout=WAIT_MS)
    first_item = re.search(r"item ([0-9a-f]{24})", exercise.inner_text()).group(1)
    steps.done(page, f"{who} quiz me", "quiz-me")
    page.get_by_role("tab", name="Chat").click()
    page.locator("#chat-hint").click()
    expect(chatbot).to_contain_text("Look again at", timeout=WAIT_MS)
    steps.done(page, f"{who} chat hint for the exercise")

    # Practice: hint, a wrong answer, the solution, the next exercise, one concept in a row.
    page.get_by_role("tab", name="Practice").click()
    feedback = page.locator("#feedback")
    page.locator("#hint").click()
    expect(feedback).to_contain_text("Hint:", timeout=WAIT_MS)
    steps.done(page, f"{who} practice hint", "hint")
    if page.locator("#choice input").count():
        page.locator("#choice input").first.check()
    else:
        page.locator("#answer textarea").fill("zzz unrelated words qqq")
    page.locator("#submit").click()
    expect(feedback).to_contain_text(re.compile(r"Correct|Incorrect|Partly"), timeout=WAIT_MS)
    steps.done(page, f"{who} practice submit", "submit")
    page.locator("#solution").click()
    expect(feedback).to_contain_text(re.compile(r"answer", re.IGNORECASE), timeout=WAIT_MS)
    steps.done(page, f"{who} practice solution", "solution")
    page.locator("#next-exercise").click()
    wait_until(lambda: (m := re.search(r"item ([0-9a-f]{24})", exercise.inner_text())) and m.group(1) != first_item,
               "a different exercise")
    steps.done(page, f"{who} practice next exercise", "next-exercise")
    pick(page, "practise-concept", "Functions")
    expect(feedback).to_contain_text("Practising Functions in a row", timeout=WAIT_MS)
    page.locator("#next-exercise").click()
    expect(exercise).to_contain_text("Functions", timeout=WAIT_MS)
    steps.done(page, f"{who} practice one concept", "practise-concept")

    # Progress: refresh, rate a recommendation both ways, the path to a goal.
    page.get_by_role("tab", name="Progress").click()
    summary = page.locator("#progress-summary")
    expect(summary).to_contain_text("attempts", timeout=WAIT_MS)
    expect(page.locator("#learner-map svg.concept-map")).to_be_visible(timeout=WAIT_MS)
    page.locator("#refresh-progress").click()
    expect(summary).to_contain_text(re.compile(r"[1-9]\d* attempts"), timeout=WAIT_MS)
    steps.done(page, f"{who} progress refresh", "refresh-progress")
    recs = page.locator("#recommendations")
    expect(recs).to_contain_text("Recommended next", timeout=WAIT_MS)
    first_rec = recs.locator("strong").nth(1).inner_text()
    pick(page, "rec-pick", first_rec)
    result = page.locator("#rec-result")
    page.locator("#rec-up").click()
    expect(result).to_contain_text("thumbs up", timeout=WAIT_MS)
    steps.done(page, f"{who} progress helpful", "rec-up")
    page.locator("#rec-down").click()
    expect(result).to_contain_text("thumbs down", timeout=WAIT_MS)
    steps.done(page, f"{who} progress not helpful", "rec-down")
    pick(page, "goal", "Functions")
    page.locator("#path").click()
    expect(page.locator("#path-table")).to_contain_text("functions", timeout=WAIT_MS)
    steps.done(page, f"{who} progress path to goal", "path")

    # Community: opt in, refresh.
    page.get_by_role("tab", name="Community").click()
    topics = page.locator("#topics")
    expect(topics).to_contain_text("Suggested discussion topics", timeout=WAIT_MS)
    page.locator("#community-opt-in input").check()
    expect(page.locator("#partners")).to_contain_text("Study partners", timeout=WAIT_MS)
    steps.done(page, f"{who} community opt in", "community-opt-in")
    page.locator("#refresh-community").click()
    expect(topics).to_contain_text("Suggested discussion topics", timeout=WAIT_MS)
    steps.done(page, f"{who} community refresh", "refresh-community")


def _upload(page, course: str, files: list[Path], title: str = "") -> None:
    page.locator("#up-course textarea, #up-course input").first.fill(course)
    page.locator("#up-title textarea, #up-title input").first.fill(title)
    page.locator("#up-files input[type=file]").set_input_files([str(f) for f in files])
    page.locator("#upload-btn").click()
    for f in files:
        playwright_api.expect(page.locator("#upload-result")).to_contain_text(f"loaded: {f.name}", timeout=WAIT_MS)


def _bank_row(page, status: str) -> str:
    """Click the first row of the bank table with this status; returns the item id the form now holds."""
    pick(page, "bank-filter", status)
    box = page.locator("#bank-id textarea, #bank-id input").first
    before = box.input_value()
    cell = page.locator("#bank-table").get_by_text(re.compile(r"^[0-9a-f]{24}$")).filter(visible=True).first
    wait_until(lambda: cell.inner_text() != before, "a row other than the last one picked")
    picked = cell.inner_text()
    cell.click()
    wait_until(lambda: box.input_value() == picked, "the picked item's id in the form")
    return picked


def _instructor_round(page, steps: Steps, tmp_path: Path, demo_course: Path) -> None:
    expect = playwright_api.expect
    files = []
    for name in CHAPTERS:
        shutil.copy(demo_course / name, tmp_path / name)
        files.append(tmp_path / name)

    # Upload: a scratch course of two files, one removed, then the whole course; then the real course.
    page.get_by_role("tab", name="Upload").click()
    _upload(page, "scratch", files[:2], "Scratch")
    steps.done(page, "teacher upload scratch course", "upload-btn")
    expect(page.locator("#rm-source input")).to_have_value(re.compile(r"\.md$"), timeout=WAIT_MS)
    page.locator("#rm-file").click()
    expect(page.locator("#rm-result")).to_contain_text("Removed", timeout=WAIT_MS)
    steps.done(page, "teacher remove one file", "rm-file")
    page.locator("#rm-course").click()
    expect(page.locator("#rm-result")).to_contain_text("Removed course scratch", timeout=WAIT_MS)
    steps.done(page, "teacher remove the scratch course", "rm-course")
    _upload(page, "py", files, "Python")
    expect(page.locator("#course-table")).to_contain_text("py", timeout=WAIT_MS)
    steps.done(page, "teacher upload the course")

    # Concept map: fits the page; add and remove a prerequisite.
    page.get_by_role("tab", name="Concept map").click()
    picture = page.locator("#concept-map svg.concept-map")
    expect(picture).to_be_visible(timeout=WAIT_MS)
    box = wait_until(picture.bounding_box, "the concept map drawn")
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
    pick(page, "map-concept", "functions")
    pick(page, "map-prereq", "lists")
    page.locator("#add-edge").click()
    expect(page.locator("#map-result")).to_contain_text("now requires", timeout=WAIT_MS)
    steps.done(page, "teacher concept map add prerequisite", "add-edge")
    page.locator("#del-edge").click()
    expect(page.locator("#map-result")).to_contain_text("no longer requires", timeout=WAIT_MS)
    steps.done(page, "teacher concept map remove prerequisite", "del-edge")

    # Question bank: the pool's progress, generate, approve / reject / edit, export, import.
    page.get_by_role("tab", name="Question bank").click()
    pool = page.locator("#pool-status")
    expect(pool).to_contain_text("Exercise pool", timeout=WAIT_MS)

    def pool_idle():
        page.locator("#pool-refresh").click()
        return "idle" in pool.inner_text()

    wait_until(pool_idle, "the exercise pool to finish", poll_s=3)
    steps.done(page, "teacher pool status", "pool-refresh")
    page.locator("#bank-n input").fill("1")
    page.locator("#bank-generate").click()
    expect(page.locator("#bank-result")).to_contain_text("Generated:", timeout=WAIT_MS)
    steps.done(page, "teacher bank generate", "bank-generate")
    item = _bank_row(page, "draft")
    page.locator("#bank-approve").click()
    expect(page.locator("#bank-result")).to_contain_text(f"Item {item} is now approved", timeout=WAIT_MS)
    steps.done(page, "teacher bank approve", "bank-approve")
    item = _bank_row(page, "draft")
    page.locator("#bank-reject").click()
    expect(page.locator("#bank-result")).to_contain_text(f"Item {item} is now rejected", timeout=WAIT_MS)
    steps.done(page, "teacher bank reject", "bank-reject")
    item = _bank_row(page, "draft")
    question = page.locator("#bank-q textarea")
    question.fill(question.input_value() + " (reviewed)")
    page.locator("#bank-save").click()
    expect(page.locator("#bank-result")).to_contain_text(f"Item {item} saved and approved", timeout=WAIT_MS)
    steps.done(page, "teacher bank save edit", "bank-save")
    page.locator("#bank-export").click()
    expect(page.locator("#bank-result")).to_contain_text(re.compile(r"Exported [1-9]\d* approved"), timeout=WAIT_MS)
    expect(page.locator("#bank-export-file")).to_contain_text("py-bank", timeout=WAIT_MS)
    steps.done(page, "teacher bank export", "bank-export")
    gift = tmp_path / "extra.gift"
    gift.write_text("::q1:: Which statement ends a loop at once? {=break}\n", encoding="utf-8")
    page.locator("#bank-import-file input[type=file]").set_input_files(str(gift))
    expect(page.locator("#bank-result")).to_contain_text("Imported 1 item(s) as drafts", timeout=WAIT_MS)
    steps.done(page, "teacher bank import", "bank-import-file")

    # Class: the dashboard.
    page.get_by_role("tab", name="Class").click()
    page.locator("#refresh-class").click()
    expect(page.locator("#class-ratings")).to_contain_text("Feedback ratings", timeout=WAIT_MS)
    steps.done(page, "teacher class refresh", "refresh-class")


def test_every_button_of_every_tab_as_instructor_and_learner(tutor_home, tmp_path, demo_course):
    log = tmp_path / "serve.log"
    steps = Steps(screenshot_folder(tmp_path, "every-button"), log)
    with served_app(tutor_home, log) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        teacher = sign_in(browser, url, "teacher")
        steps.done(teacher, "teacher signed in")
        _instructor_round(teacher, steps, tmp_path, demo_course)
        _learner_round(teacher, steps, "teacher")

        ada = sign_in(browser, url, "ada")
        playwright_api.expect(ada.get_by_role("tab", name="Upload")).to_have_count(0)  # instructor tabs hidden
        steps.done(ada, "learner signed in")
        learner_pressed = set(steps.pressed)
        steps.pressed.clear()
        _learner_round(ada, steps, "ada")
        ada.locator("#sign-out").click()
        ada.get_by_label("username").wait_for(timeout=WAIT_MS)
        steps.done(ada, "ada signed out", "sign-out")
        browser.close()
    missing = (LEARNER_BUTTONS - steps.pressed) | (INSTRUCTOR_BUTTONS - learner_pressed)
    assert not missing, f"buttons never pressed: {sorted(missing)}"
    assert "Traceback" not in log.read_text(errors="replace")
    print(f"{len(steps.names)} steps: {', '.join(steps.names)}")


def test_the_list_of_buttons_is_every_button_the_app_has(ctx):
    """A button added to the app without joining the browser test above fails here."""
    import gradio as gr

    from tutor.app.ui import build

    demo = build(ctx, accounts=False)
    ids = {b.elem_id for b in demo.blocks.values() if isinstance(b, gr.Button)}
    assert ids <= LEARNER_BUTTONS | INSTRUCTOR_BUTTONS, sorted(ids - LEARNER_BUTTONS - INSTRUCTOR_BUTTONS)
