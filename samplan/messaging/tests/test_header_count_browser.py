"""In a real browser: the header's new-message count refreshes by itself through htmx, as
background requests, without reloading the page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from samplan.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_the_header_count_refreshes_itself(page, build):
    cast = build.cast
    build.admitted()
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(f"{message.text} {message.location.get('url', '')}")
            if message.type == "error"
            else None
        ),
    )
    page.goto(reverse("accounts:login"))
    page.get_by_label("Användarnamn").fill(cast.home_care_nurse.username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**" + reverse("discharge:overview"))
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
    # (A locator, not wait_for_function: the page's CSP forbids the eval that one needs.)
    expect(page.locator("#inbox-count")).to_contain_text("3 nya", timeout=10_000)
    assert polls and all(header == "1" for header in polls)
    assert page.url.endswith(reverse("discharge:overview"))  # no reload, no navigation
    # Under the strict Content-Security-Policy nothing was refused, and htmx (eval off) had
    # nothing to evaluate.
    assert console == []
