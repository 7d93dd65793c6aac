"""Browser-test fixtures: Debian's headless chromium, driven by Playwright, against live_server.

Registered as a plugin by the root conftest.py, so any test can ask for `page`:

    @pytest.mark.browser
    def test_something(page):
        page.goto("/konto/logga-in/")          # relative to live_server.url
        page.get_by_label("Användarnamn").fill("anna.lindqvist")

`page` is a fresh browser context (own cookies, Swedish locale, Stockholm time) per test; the
browser itself starts once per test session. Tests that use it are transactional (live_server),
so pytest-django runs them after the ordinary database tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# Debian's package (make browser installs it); Playwright's own browser download does not work
# on these machines and must never be attempted.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; `make browser` installs Debian's chromium.")
    # Playwright's sync API keeps an asyncio loop running in this thread while it is started,
    # and Django refuses ORM calls from such a thread. Tests build data and check results
    # through the ORM, so allow it while the browser lives (only transactional tests, which
    # run last, come after the first browser test).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, live_server, django_db_serialized_rollback) -> Iterator[Page]:
    """A new page in its own context; page.goto() takes paths relative to the live server.

    Serialized rollback puts back what migrations loaded (the profession catalogue), which the
    flush after each transactional test would otherwise leave empty for the next.
    """
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        context.close()
