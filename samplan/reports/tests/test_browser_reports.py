"""In the browser: a report viewer reads the payment liability per municipality, as a chart
and as a table, and downloads it for Excel."""

import io
import os
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from samplan.accounts.models import Role
from samplan.discharge.models import DailyAmount
from samplan.reports.testing import CaseBuilder, M, local
from samplan.testing import TEST_PASSWORD, build_cast, user_with_role

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("SAMPLAN_SCREENSHOTS")


def test_report_viewer_reads_liability_and_downloads_it(page: Page):
    cast = build_cast()
    DailyAmount.objects.create(year=2026, amount=Decimal(9000))
    viewer = user_with_role("rapportlasare", cast.care_centre, Role.REPORT_VIEWER)
    # Ready Monday 12 January 09:00, discharged Friday 16th: 2 liable days, 18 000 kr.
    (
        CaseBuilder(cast.ward, cast.municipality, local(2026, 1, 5, 8), cast.ward_nurse)
        .send(M.ADMISSION_NOTICE, local(2026, 1, 5, 10), cast.home_care)
        .send(M.CARE_CONTACT_APPOINTED, local(2026, 1, 6, 10), cast.home_care)
        .send(M.READY_FOR_DISCHARGE, local(2026, 1, 12, 9), cast.home_care)
        .send(M.DISCHARGE_NOTICE, local(2026, 1, 16, 14), cast.home_care)
    )

    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(viewer.username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Rapporter").click()
    page.get_by_role("link", name="Betalningsansvar per kommun").click()
    page.get_by_role("combobox", name="År").select_option("2026")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Betalningsansvar per kommun 2026")
    chart = page.get_by_role("img", name="Dagar med betalningsansvar")
    expect(chart).to_be_visible()
    months = page.get_by_role("table", name="Betalningsansvar per kommun 2026, per månad")
    january = months.get_by_role("row", name="Januari")
    expect(january).to_contain_text("18 000")
    units = page.get_by_role("table", name="Betalningsansvar per kommun 2026, per kommun")
    expect(units.get_by_role("row", name="Testkommun")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(
            path=os.path.join(SCREENSHOTS, "samplan-rapport-betalningsansvar.png"),
            full_page=True,
        )
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exportera till Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename == "betalningsansvar-2026.xlsx"
    with open(download.path(), "rb") as data:
        sheet = load_workbook(io.BytesIO(data.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Månad", "Kommun", "Patienter")
    assert rows[1][:6] == ("2026-01", "Testkommun", 1, 1, 2, 18000)
