"""Driving Debian's chromium from tests: launching it, a tab signed in as a test client,
and a listener that fails a test on any Content-Security-Policy violation."""

import os
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

from tests.support import CHROMIUM

# Violations seen by the browser launch_chromium runs (it fails the test on any).
csp_violations: list[str] = []
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Chromium logs each violation of the Content-Security-Policy to the console; the listener
# also reports the securitypolicyviolation events (init scripts run whatever the policy).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  `CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
  + ` at ${e.sourceFile}:${e.lineNumber}`));
"""


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
