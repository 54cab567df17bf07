"""Real headless Chromium (Debian's, never a downloaded one) against the live app.

`browser` launches it with the flags every browser test uses; `page` is a tab on the live
server; `shots` saves numbered full-page screenshots under tests/artifacts/screenshots/<test>/
(git-ignored; a run starts by clearing the test's folder, and nothing deletes them after, so
a failure keeps them, plus a last "failure" shot). The end-to-end fixtures add the local QBO
sandbox wired to the live server (consent redirects, webhooks) and a real Celery worker.
"""

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from tests.support import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


# Chromium logs each violation of the Content-Security-Policy to the console; the listener
# also reports the securitypolicyviolation events (init scripts run whatever the policy).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  `CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
  + ` at ${e.sourceFile}:${e.lineNumber}`));
"""
csp_violations: list[str] = []


def watch_csp(context) -> None:
    """Record every CSP violation in this browser context's pages (launch_chromium fails)."""
    context.add_init_script(CSP_LISTENER)

    def on_console(message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            csp_violations.append(f"{message.page.url if message.page else ''}: {text}")

    context.on("console", on_console)


@contextmanager
def launch_chromium():
    """Playwright driving Debian's chromium; closed (with its ORM connections) afterwards."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, so Django would take the ORM
    # calls the test makes meanwhile for async ones; they are plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    csp_violations.clear()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
                assert csp_violations == [], "the pages broke their Content-Security-Policy"
            finally:
                browser.close()
                # ORM calls made while Playwright's loop runs get their own connection (Django
                # keys connections by async context): close it while that context is still
                # current, or the test database can't be dropped.
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser():
    with launch_chromium() as chromium:
        yield chromium


def new_page(browser, base_url: str, viewport=DESKTOP, session_of=None):
    """A tab in a fresh context; signed in as `session_of` (a logged-in test client) if given."""
    context = browser.new_context(base_url=base_url, viewport=viewport)
    watch_csp(context)
    if session_of is not None:
        session = session_of.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}]
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture(autouse=True)
def _links_point_at_the_live_server(settings, live_server):
    """Emailed links are built from SITE_URL; in browser tests that is the live server."""
    settings.SITE_URL = live_server.url


@pytest.fixture
def page(browser, live_server):
    return new_page(browser, live_server.url)


class Screenshots:
    """Numbered full-page screenshots of the steps of one test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.last_page = None

    def __call__(self, page, step: str, *, full_page: bool = True) -> Path:
        self.count += 1
        self.last_page = page
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def shots(request) -> Iterator[Screenshots]:
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    recorder = Screenshots(folder)
    yield recorder
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and recorder.last_page is not None:
        # The browser may be gone by now; the earlier shots are kept either way.
        with contextlib.suppress(Exception):
            recorder(recorder.last_page, "failure")
