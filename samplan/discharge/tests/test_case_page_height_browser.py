"""In a real browser: after a typical short stay the case page stays within about two screens,
each message's content on demand."""

import pytest
from django.urls import reverse
from django.utils import timezone

from samplan.core.message_types import MessageType as M
from samplan.discharge.testing import Builder
from samplan.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

SCREEN = {"width": 1366, "height": 768}


def test_a_typical_stay_fits_in_about_two_screens(page, cast):
    build = Builder(cast)
    case, _ = build.admitted(first_name="Alma", last_name="Andersson")
    now = timezone.localtime().replace(second=0, microsecond=0)
    build.send(
        case,
        M.PLANNING_INFO,
        content={"needs": "Hemtjänst morgon och kväll", "adl": "Går med rollator"},
    )
    build.send(
        case,
        M.CARE_CONTACT_APPOINTED,
        cast.ward,
        cast.home_care,
        sender=(cast.care_centre_nurse, cast.care_centre),
        content={"name": "Eva Ek", "profession": "Distriktssköterska", "phone": "016-1"},
    )
    build.send(case, M.READY_FOR_DISCHARGE, content={"judged_at": now.isoformat()})
    build.send(case, M.DISCHARGE_NOTICE, content={"discharged_at": now.isoformat()})
    build.send(
        case,
        M.DISCHARGE_INFO,
        content={"text": "Läkemedelslista bifogad."},
        text="Läkemedelslista bifogad.",
    )
    page.set_viewport_size(SCREEN)
    page.goto(reverse("accounts:login"))
    page.get_by_label("Användarnamn").fill(cast.ward_nurse.username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**" + reverse("discharge:overview"))
    page.goto(reverse("discharge:case_detail", args=[case.pk]))
    height = page.evaluate("document.documentElement.scrollHeight")
    # About two screens (it was 4,167 px with every message's content open).
    assert height <= 2.3 * SCREEN["height"], height
    # Each message's content is there on demand.
    content = page.get_by_text("Hemtjänst morgon och kväll")
    assert not content.is_visible()
    page.locator("summary", has_text="Planeringsunderlag").click()
    assert content.is_visible()
