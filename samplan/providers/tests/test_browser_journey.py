"""In the browser: the municipality's system administrator registers a provider that starts
later (a wrong organisation number first), sees its checklist, and the responsible manager
cannot log in before the start date (issue 14, point 4). axe-core checks the pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from samplan.accounts.models import User
from samplan.core.tests.test_accessibility_browser import log_in, violations
from samplan.organizations.models import Organization

pytestmark = pytest.mark.browser

PASSWORD = "Välkommen-2026"


def test_system_admin_registers_a_provider_and_sees_its_checklist(page, cast):
    start = timezone.localdate() + datetime.timedelta(days=21)
    log_in(page, cast.municipal_system_admin)
    page.goto(reverse("administration:index"))
    page.get_by_role("link", name="Utförare: start, övertagande och avveckling").click()
    page.get_by_role("link", name="Registrera utförare").click()
    assert violations(page) == []
    page.locator("#id_name").fill("Nya Omsorg AB")
    page.get_by_label("Organisationsnummer").fill("556677-8890")  # a wrong check digit first
    page.get_by_label("Uppdragsgivare (kommun eller region)").select_option(label="Testkommun")
    page.get_by_label("Startdatum").fill(start.isoformat())
    page.get_by_label("Förnamn").fill("Anna")
    page.get_by_label("Efternamn").fill("Ansvarig")
    page.get_by_label("E-post").fill("anna@nyaomsorg.se")
    page.get_by_label("Mobil").fill("070-1112233")
    page.get_by_label("Användarnamn").fill("anna.ansvarig")
    page.locator("#id_units-0-name").fill("Nya Omsorg Hemtjänst")
    page.locator("#id_units-0-kind").select_option(label="Hemtjänst")
    page.locator("#id_units-0-has_inbox").check()
    page.get_by_role("button", name="Registrera utföraren").click()
    expect(page.get_by_text("Organisationsnumrets kontrollsiffra är fel.")).to_be_visible()
    page.get_by_label("Organisationsnummer").fill("556677-8899")
    page.get_by_role("button", name="Registrera utföraren").click()
    expect(page.get_by_role("heading", name="Checklista inför start")).to_be_visible()
    expect(page.get_by_text("Inte startad")).to_be_visible()
    expect(page.locator('[data-item="local_admin"]')).to_contain_text("Saknas")
    expect(page.locator('[data-item="inbox"]')).to_contain_text("Klart")
    assert violations(page) == []
    provider = Organization.objects.get(org_number="5566778899")
    assert provider.starts_on == start

    # The responsible manager, given a password, is still turned away until the start date.
    manager = User.objects.get(username="anna.ansvarig")
    manager.set_password(PASSWORD)
    manager.save()
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state()
    page.goto(reverse("accounts:login"))
    page.get_by_label("Användarnamn").fill("anna.ansvarig")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(
        page.get_by_text(f"Din organisation börjar i samplan {start.isoformat()}")
    ).to_be_visible()
