"""In the browser: a super user opens Fastnade meddelanden, forwards a late delivery with a
reason, and the target unit finds it in Mottagna and opens the case (issue 14, points 7-8).
axe-core checks the list and the forward page on the way."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from samplan.core.tests.test_accessibility_browser import log_in, violations
from samplan.messaging.models import Delivery, DeliveryState
from samplan.messaging.tests.test_stuck import Stuck

pytestmark = pytest.mark.browser


def test_super_user_forwards_a_late_delivery_and_the_unit_sees_it(page, cast, build):
    stuck = Stuck(cast, build)
    patient = stuck.case.patient

    log_in(page, stuck.super_user)
    page.get_by_role("link", name="Fastnade meddelanden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fastnade meddelanden")
    expect(page.get_by_test_id("stuck-row")).to_have_count(1)
    expect(page.get_by_test_id("stuck-row")).to_contain_text("Hemtjänst Öst")
    expect(page.get_by_test_id("stuck-row")).to_contain_text("Försenad")
    assert violations(page) == []

    page.get_by_role("link", name="Vidarebefordra Inskrivningsmeddelande i Hemtjänst Öst").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vidarebefordra ett fastnat meddelande"
    )
    assert violations(page) == []
    # The reason first left out: a plain error, nothing forwarded.
    page.get_by_label("Vidarebefordra till").select_option(label="Hemtjänst Väst")
    page.get_by_role("button", name="Vidarebefordra").click()
    expect(page.get_by_text("Ange varför meddelandet vidarebefordras.").first).to_be_visible()
    page.get_by_label("Varför vidarebefordras det?").fill("Patienten bor i Västs område")
    page.get_by_role("button", name="Vidarebefordra").click()
    expect(page.get_by_text("Meddelandet vidarebefordrades till Hemtjänst Väst.")).to_be_visible()
    expect(page.get_by_text("Inga fastnade meddelanden.")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state()

    assert Delivery.objects.get(pk=stuck.late.pk).state == DeliveryState.FORWARDED

    # Hemtjänst Väst has it in Mottagna and can open the case.
    log_in(page, stuck.west_nurse)
    page.goto(reverse("messaging:received"))
    row = page.get_by_test_id("delivery-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(patient.last_name)
    row.get_by_role("link", name="Inskrivningsmeddelande").click()
    page.get_by_role("link", name="Öppna ärendet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utskrivningsärende")
    expect(page.locator("main")).to_contain_text(patient.last_name)
    expect(page.locator("main")).to_contain_text("Patienten bor i Västs område")
