"""In the browser: a home-care nurse opens a message that belongs to another unit of the
municipality, forwards it from its own page, and that unit finds it in Mottagna. axe-core
checks the forward page on the way."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from samplan.core.tests.test_accessibility_browser import log_in, violations
from samplan.messaging.models import Delivery, DeliveryState
from samplan.organizations.models import UnitKind
from samplan.testing import UnitFactory, user_with_role

pytestmark = pytest.mark.browser


def test_a_nurse_forwards_a_message_to_another_unit(page, cast, build):
    home_health = UnitFactory(
        organization=cast.municipality, name="Hemsjukvården", kind=UnitKind.HOME_HEALTH_CARE
    )
    colleague = user_with_role("hemsjukskoterska", home_health)
    case, message = build.admitted()
    patient = case.patient

    log_in(page, cast.home_care_nurse)
    page.goto(reverse("messaging:message_detail", args=[message.pk]))
    page.get_by_role("link", name="Vidarebefordra…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vidarebefordra meddelandet")
    expect(page.locator("main")).not_to_contain_text(patient.last_name)
    assert violations(page) == []
    # No unit chosen: a plain error, nothing forwarded.
    page.get_by_role("button", name="Vidarebefordra").click()
    choice = page.get_by_role("combobox", name="Vidarebefordra till")
    expect(choice).to_have_attribute("aria-invalid", "true")
    assert Delivery.objects.get(message=message, unit=cast.home_care).state != "forwarded"
    # A long list: the nurse types part of the name, and only that unit is left to choose.
    UnitFactory(organization=cast.municipality, name="Korttidsboendet", kind=UnitKind.NURSING_HOME)
    page.get_by_role("searchbox", name="Sök enhet").fill("sjukvård")
    page.get_by_role("searchbox", name="Sök enhet").press("Enter")
    choice = page.get_by_role("combobox", name="Vidarebefordra till")
    expect(choice.locator("option")).to_have_text(["Välj en enhet", "Hemsjukvården"])
    assert violations(page) == []
    choice.select_option(label="Hemsjukvården")
    page.get_by_role("button", name="Vidarebefordra").click()
    expect(page.get_by_text("Meddelandet vidarebefordrades till Hemsjukvården.")).to_be_visible()
    expect(page.get_by_role("link", name="Vidarebefordra…")).to_have_count(0)
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state()

    forwarded = Delivery.objects.get(message=message, unit=home_health)
    assert forwarded.state == DeliveryState.NEW

    log_in(page, colleague)
    page.goto(reverse("messaging:received"))
    row = page.get_by_test_id("delivery-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(patient.last_name)
