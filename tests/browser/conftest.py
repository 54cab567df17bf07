"""Real headless Chromium (Debian's, never a downloaded one) against the live app.

`browser` launches it with the flags every browser test uses; `page` is a tab on the live
server; `shots` saves numbered full-page screenshots under tests/artifacts/screenshots/<test>/
(git-ignored; a run starts by clearing the test's folder, and nothing deletes them after, so
a failure keeps them, plus a last "failure" shot). The end-to-end fixtures add the local QBO
sandbox wired to the live server (consent redirects, webhooks) and a real Celery worker.
"""

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.support import launch_chromium, new_page

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


@pytest.fixture
def browser():
    with launch_chromium() as chromium:
        yield chromium


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
