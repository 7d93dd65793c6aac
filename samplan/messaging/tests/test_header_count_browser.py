"""In a real browser: the header's new-message count refreshes by itself through htmx, as
background requests, without reloading the page."""

import pytest
from django.db import connections
from django.urls import reverse

from samplan.core.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread; the test's own database calls
    # are plain synchronous ones all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS
        )
        try:
            yield browser.new_page(locale="sv-SE")
        finally:
            browser.close()
            # Database connections opened while Playwright's loop runs belong to that context;
            # close them here, or PostgreSQL refuses to drop the test database afterwards.
            connections.close_all()


def test_the_header_count_refreshes_itself(live_server, transactional_db, browser_page, build):
    cast = build.cast
    build.admitted()
    page = browser_page
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Användarnamn").fill(cast.home_care_nurse.username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**" + reverse("messaging:overview"))
    badge = page.get_by_test_id("header-new-count")
    assert badge.inner_text() == "● 1 ny"

    polls = []
    page.on(
        "request",
        lambda request: (
            polls.append(request.headers.get("x-samplan-background"))
            if reverse("messaging:new_count") in request.url
            else None
        ),
    )
    build.admitted()
    build.admitted()
    # Coming back to the tab asks at once (instead of waiting for the next interval).
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_function(
        "document.querySelector('#inbox-count').textContent.includes('3 nya')", timeout=10_000
    )
    assert polls and all(header == "1" for header in polls)
    assert page.url.endswith(reverse("messaging:overview"))  # no reload, no navigation
