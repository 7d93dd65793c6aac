"""In the browser: a manager orders access for a new user, the local administrator approves
it (giving the first password), and the new user logs in to the unit (issue 14, point 8).
axe-core checks the order form and the order page on the way."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from samplan.accessrequests.models import AccessRequest, RequestState
from samplan.accounts.models import Membership, Role
from samplan.core.tests.test_accessibility_browser import log_in, violations
from samplan.patients.testing import make_personnummer
from samplan.testing import user_with_role

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Välkommen-2026"


def log_out(page) -> None:
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state()


def test_manager_orders_local_admin_approves_new_user_logs_in(page, cast):
    manager = user_with_role(
        "chef", cast.municipal_admin_unit, Role.MANAGER, first_name="Maja", last_name="Chef"
    )

    # The manager orders a new user for Hemtjänst Öst.
    log_in(page, manager)
    page.get_by_role("link", name="Behörigheter").first.click()
    page.get_by_role("link", name="Beställ behörighet").click()
    page.get_by_role("link", name="Ny användare").click()
    assert violations(page) == []
    page.get_by_label("Förnamn").fill("Nina")
    page.get_by_label("Efternamn").fill("Nyström")
    page.get_by_label("Personnummer").fill("19900304-1235")  # a wrong check digit first
    page.get_by_label("E-post").fill("nina@testkommun.se")
    page.get_by_label("Inloggningssätt").select_option(label="Användarnamn och lösenord")
    page.get_by_label("Enhet *").select_option(label="Hemtjänst Öst")
    page.get_by_label("Roll *").select_option(label="Användare")
    page.get_by_role("button", name="Skicka beställningen").click()
    expect(page.get_by_text("Kontrollsiffran")).to_be_visible()
    page.get_by_label("Personnummer").fill(make_personnummer())
    page.get_by_role("button", name="Skicka beställningen").click()
    expect(page.get_by_text("Väntar på godkännande").first).to_be_visible()
    order = AccessRequest.objects.get()
    assert order.state == RequestState.PENDING
    log_out(page)

    # The local administrator approves it and gives the first password.
    log_in(page, cast.municipal_local_admin)
    page.goto(reverse("accessrequests:list"))
    page.get_by_role("link", name="Ny användare: Nina Nyström").click()
    assert violations(page) == []
    page.get_by_label("Första lösenord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Godkänn och genomför").click()
    expect(page.get_by_text("Beställningen godkändes.")).to_be_visible()
    expect(page.get_by_text("nina.nystrom", exact=True)).to_be_visible()
    log_out(page)

    order.refresh_from_db()
    assert order.state == RequestState.DONE
    assert Membership.objects.get(user__username="nina.nystrom").unit == cast.home_care

    # The new user logs in and works in Hemtjänst Öst.
    page.goto(reverse("accounts:login"))
    page.get_by_label("Användarnamn").fill("nina.nystrom")
    page.get_by_label("Lösenord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    expect(page.locator("header")).to_contain_text("Hemtjänst Öst")
