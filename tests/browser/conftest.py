"""Browser tests: Playwright drives Debian's Chromium against a live server on 127.0.0.1.

Playwright cannot download its own browser here; .ci/run installs Debian's chromium. Without
it the tests are skipped locally and fail in CI. Screenshots go to artifacts/screenshots/.
"""
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in
# such a thread unless told that it is safe (it is: the live server runs in its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def csp_watch(context, violations: list) -> None:
    """Chromium reports every Content-Security-Policy refusal in the console."""
    def record(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url')}: {message.text}")

    context.on("console", record)


@pytest.fixture
def csp_violations():
    """Every CSP refusal in the test's browser contexts; none may happen (checked after)."""
    violations = []
    yield violations
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def login(browser, live_server, csp_violations):
    """A logged-in page for a user (password 'pw', as tests/cast.py creates them, unless told).
    A Content-Security-Policy violation on any of its pages fails the test."""
    contexts = []

    def open_as(username: str, password: str = "pw", **context_options):
        """context_options: Playwright's new_context arguments (a phone's viewport…)."""
        options = {"viewport": {"width": 1280, "height": 900}, **context_options}
        context = browser.new_context(locale="zh-CN", **options)
        csp_watch(context, csp_violations)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def shoot():
    """Saves the whole page as artifacts/screenshots/NAME.png. With DOCS_SCREENSHOTS=1 (`make
    screenshots`) it also saves what the window shows as docs/screenshots/NAME.jpg, small
    enough to commit with the user guide."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for_docs = os.environ.get("DOCS_SCREENSHOTS") == "1"
    if for_docs:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, centre: str | None = None):
        """centre: a selector brought to the middle of the window for the guide's picture."""
        if centre:
            page.locator(centre).first.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        if for_docs:
            page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.jpg"), type="jpeg",
                            quality=75)

    return save
