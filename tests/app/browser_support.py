"""What the browser tests share: `tutor serve` with accounts on a free port (its log kept, so a test can
fail on any server traceback), Debian's chromium through Playwright, signing in, and a `Steps` recorder
that takes a screenshot of every step and fails on any error toast the page showed since the last one.

Waits are conditions (a text appears, a count changes), bounded by WAIT_MS: the machine's two cores are
shared, so a step may take long, but no test sleeps for a fixed time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORDS = {"teacher": "teacher-pass-1", "ada": "ada-pass-123", "bob": "bob-pass-123"}
ROLES = {"teacher": "instructor", "ada": "learner", "bob": "learner"}
WAIT_MS = 180_000

# Every error toast the page shows is recorded as it appears (toasts fade out after a few seconds, so
# looking for one after the fact could miss it).
TOAST_WATCH = """
window.__errorToasts = [];
new MutationObserver(() => {
  for (const el of document.querySelectorAll('.toast-body.error')) {
    if (!el.dataset.seen) { el.dataset.seen = '1'; window.__errorToasts.push(el.innerText); }
  }
}).observe(document, {childList: true, subtree: true});
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_app(home: Path, log_path: Path, **env_extra: str):
    """`tutor serve` with the three accounts of PASSWORDS, fake LLM; yields its URL."""
    env = dict(os.environ, TUTOR_HOME=str(home), TUTOR_LLM="fake", **env_extra)
    tutor = [sys.executable, "-m", "tutor.cli"]
    for name, password in PASSWORDS.items():
        subprocess.run([*tutor, "user", "add", name, "--role", ROLES[name], "--password-stdin"], input=password + "\n",
                       env=env, check=True, capture_output=True, text=True)
    port = free_port()
    log = open(log_path, "w")
    proc = subprocess.Popen([*tutor, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("tutor serve did not start:\n" + log_path.read_text())
                time.sleep(0.5)  # polling the port until it answers
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def screenshot_folder(default: Path, name: str) -> Path:
    """TUTOR_E2E_SCREENSHOTS/<name> when set (kept after the run), else a temp folder; printed either way."""
    base = os.environ.get("TUTOR_E2E_SCREENSHOTS")
    folder = Path(base) / name if base else default / "screenshots"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    print(f"\nscreenshots: {folder}")
    return folder


def sign_in(browser, url: str, name: str):
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.set_default_timeout(WAIT_MS)
    page.add_init_script(TOAST_WATCH)
    page.goto(url)
    page.get_by_label("username").fill(name)
    page.get_by_label("password").fill(PASSWORDS[name])
    page.get_by_role("button", name="Login").click()
    page.locator("#who").get_by_text(f"Signed in as {name}").wait_for()
    return page


def wait_until(check, what: str, timeout_ms: int = WAIT_MS, poll_s: float = 0.25):
    """Poll `check()` until it returns something truthy (and return it); fail naming `what`."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(poll_s)


class Steps:
    """Numbered screenshots, and after each step: no error toast on any page, no traceback in the server log."""

    def __init__(self, folder: Path, log_path: Path):
        self.folder, self.log_path, self.n = folder, log_path, 0
        self.names: list[str] = []
        self.pressed: set[str] = set()
        self.log_seen = 0  # log characters already accounted for (a refusal the test provoked)

    def check(self, page, what: str) -> None:
        toasts = page.evaluate("window.__errorToasts || []")
        assert not toasts, f"error toast after '{what}': {toasts}"
        log = self.log_path.read_text(errors="replace")[self.log_seen:]
        assert "Traceback" not in log, f"server traceback after '{what}':\n{log[-4000:]}"

    def refused(self, page, reason: str) -> None:
        """The test provoked a refusal: its toast says `reason`, and the only error the server logged is that
        refusal (Gradio logs the trace of every gr.Error); both are then accounted for."""
        toasts = page.evaluate("window.__errorToasts || []")
        assert toasts and all(reason in t for t in toasts), toasts
        log = self.log_path.read_text(errors="replace")
        new = log[self.log_seen:]
        assert all(reason in line for line in new.splitlines() if re.match(r"^[\w.]*(Error|Exception): ", line)), new[-4000:]
        self.log_seen = len(log)
        page.evaluate("window.__errorToasts = []")

    def shot(self, page, name: str) -> None:
        self.n += 1
        file = f"{self.n:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"
        page.screenshot(path=self.folder / file, full_page=True)
        self.names.append(file)

    def done(self, page, name: str, pressed: str | None = None) -> None:
        self.check(page, name)
        self.shot(page, name)
        if pressed:
            self.pressed.add(pressed)


def pick(page, elem_id: str, option: str) -> None:
    """Choose an option of a Gradio dropdown by its visible text."""
    page.locator(f"#{elem_id} input").click()
    page.locator(f"#{elem_id}").get_by_role("option", name=option, exact=True).click()
    playwright_expect()(page.locator(f"#{elem_id} input")).to_have_value(option)


def playwright_expect():
    from playwright.sync_api import expect

    return expect
