"""In the browser: a municipal nurse reports a deviation from a case, the region's deviation
handler answers it, and the nurse reads the answer (issue 15, point 7). axe-core checks the
report form, the handler's inbox and the deviation page on the way."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from samplan.core.tests.test_accessibility_browser import log_in, violations
from samplan.deviations.models import Deviation, DeviationState

pytestmark = pytest.mark.browser


def log_out(page) -> None:
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state()


def test_nurse_reports_region_answers_nurse_reads(page, cast, handlers, build):
    case, _notice = build.admitted()
    patient_name = case.patient.last_name

    # The home-care nurse opens the case and reports a deviation from it.
    log_in(page, cast.home_care_nurse)
    page.goto(reverse("discharge:case_detail", args=[case.pk]))
    page.get_by_role("link", name="Rapportera avvikelse").click()
    assert violations(page) == []
    expect(page.get_by_label("Region Testland")).to_be_checked()
    page.get_by_label("Kategori").select_option(label="Meddelande saknas eller sent")
    page.get_by_label("Vad hände").fill("Inskrivningsmeddelandet kom ett dygn för sent.")
    page.get_by_role("button", name="Skicka avvikelsen").click()
    expect(page.get_by_text("Avvikelsen är rapporterad.")).to_be_visible()
    expect(page.get_by_test_id("deviation-patient")).to_contain_text(patient_name)
    deviation = Deviation.objects.get()
    log_out(page)

    # The region's handler finds it in the inbox, without the patient, and answers.
    log_in(page, handlers.region)
    page.get_by_role("link", name="Avvikelser").first.click()
    expect(
        page.get_by_role("heading", name="Avvikelser mottagna av Region Testland")
    ).to_be_visible()
    assert violations(page) == []
    expect(page.locator("main")).not_to_contain_text(patient_name)
    page.get_by_role("link", name=deviation.number).click()
    assert violations(page) == []
    expect(page.get_by_test_id("deviation-patient")).to_contain_text("Visas inte")
    page.get_by_role("button", name="Påbörja utredning").click()
    expect(page.get_by_test_id("recipient-state")).to_contain_text("Under utredning")
    page.get_by_label("Svar till den rapporterande enheten").fill(
        "Avdelningen har fått en påminnelse om 24-timmarsregeln."
    )
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.get_by_test_id("recipient-state")).to_contain_text("Besvarad")
    log_out(page)

    # The nurse reads the answer and closes the deviation.
    log_in(page, cast.home_care_nurse)
    page.get_by_role("link", name="Avvikelser").first.click()
    page.get_by_role("link", name=deviation.number).click()
    expect(page.get_by_test_id("recipient-answer")).to_contain_text("24-timmarsregeln")
    page.get_by_role("button", name="Avsluta avvikelsen").click()
    expect(page.get_by_test_id("recipient-state")).to_contain_text("Avslutad")
    assert deviation.recipients.get().state == DeviationState.CLOSED


def test_report_viewer_reads_the_deviation_figures(page, cast, handlers):
    from samplan.accounts.models import Role
    from samplan.testing import user_with_role

    viewer = user_with_role("rapportlasare", cast.care_centre, Role.REPORT_VIEWER)
    log_in(page, viewer)
    page.get_by_role("link", name="Rapporter").first.click()
    page.get_by_role("link", name="Avvikelser").last.click()
    expect(page.get_by_role("heading", name="Per organisationspar")).to_be_visible()
    assert violations(page) == []
