"""In the browser: a super user forwards a SIP summons that social services left unacknowledged
to another social services unit, which finds it in Mottagna, follows the message page's link to
the plan and answers the summons (issue 14 point 7, the SIP half). axe-core checks the message
page on the way."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from samplan.core.tests.test_accessibility_browser import log_in, violations
from samplan.sip.models import Answer, SipParticipant
from samplan.sip.tests.test_threads import REASON, Stuck

pytestmark = pytest.mark.browser


def test_a_forwarded_stuck_summons_is_answered_by_the_new_unit(page, sip):
    stuck = Stuck(sip)

    log_in(page, stuck.super_user)
    page.get_by_role("link", name="Fastnade meddelanden").click()
    expect(page.get_by_test_id("stuck-row")).to_contain_text("Barn och familj")
    page.get_by_role("link", name="Vidarebefordra Kallelse till SIP i Barn och familj").click()
    page.get_by_label("Vidarebefordra till").select_option(label="Barn och unga Väst")
    page.get_by_label("Varför vidarebefordras det?").fill(REASON)
    page.get_by_role("button", name="Vidarebefordra").click()
    expect(
        page.get_by_text("Meddelandet vidarebefordrades till Barn och unga Väst.")
    ).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state()

    log_in(page, stuck.west_worker)
    page.goto(reverse("messaging:received"))
    row = page.get_by_test_id("delivery-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(sip.child.last_name)
    row.get_by_role("link", name="Kallelse till SIP").click()
    assert violations(page) == []
    page.get_by_role("link", name="Öppna planen").click()
    expect(page.get_by_role("heading", name="Samordnad individuell plan", level=1)).to_be_visible()
    page.get_by_role("link", name="Svara på kallelsen").click()
    page.get_by_label("Acceptera").check()
    page.get_by_label("Vem som deltar").fill("Vera Väst")
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.get_by_role("status")).to_contain_text("Er enhet accepterade kallelsen")
    assert SipParticipant.objects.get(plan=stuck.plan, unit=stuck.west).answer == Answer.ACCEPTED
