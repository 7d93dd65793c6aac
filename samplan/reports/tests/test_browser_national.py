"""In the browser: a report viewer of the region opens the national statistics of a past
month from Rapporter, reads the frozen figures, and downloads the CSV the regions report."""

import datetime
import os

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from samplan.accounts.models import Role
from samplan.reports.testing import CaseBuilder, M, local
from samplan.testing import TEST_PASSWORD, build_cast, user_with_role

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("SAMPLAN_SCREENSHOTS")


def test_report_viewer_downloads_a_past_months_national_statistics(page: Page):
    cast = build_cast()
    viewer = user_with_role("statistik", cast.care_centre, Role.REPORT_VIEWER)
    # Last month (the month before today, in Swedish time).
    first = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)

    def on(day: int, hour: int) -> datetime.datetime:
        return local(first.year, first.month, day, hour)

    # Ready the 11th 09:00, discharged the 15th: 4 days. Ready the 2nd, out the 3rd: 1 day.
    for ready, discharged in ((on(11, 9), on(15, 14)), (on(2, 10), on(3, 12))):
        (
            CaseBuilder(cast.ward, cast.municipality, on(1, 8), cast.ward_nurse)
            .send(M.ADMISSION_NOTICE, on(1, 10), cast.home_care)
            .send(M.READY_FOR_DISCHARGE, ready, cast.home_care)
            .send(M.DISCHARGE_NOTICE, discharged, cast.home_care)
        )

    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(viewer.username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    menu = page.get_by_role("navigation", name="Huvudmeny")
    menu.get_by_role("link", name="Rapporter").click()
    page.get_by_role("link", name="Nationell statistik: utskrivningsklara").click()
    page.get_by_role("combobox", name="Månad").select_option(f"{first:%Y-%m}")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Nationell statistik: utskrivningsklara {MONTHS[first.month - 1]} {first.year}"
    )
    expect(page.get_by_text("Fastställda siffror")).to_be_visible()
    table = page.get_by_role("table", name="Utskrivningsklara per kommun och vårdform")
    row = table.get_by_role("row").filter(has_text="Somatisk vård").filter(has_text="Testkommun")
    expect(row.get_by_role("cell").last).to_have_text("5")  # 4 + 1 days
    if SCREENSHOTS:
        page.screenshot(
            path=os.path.join(SCREENSHOTS, "samplan-nationell-statistik.png"), full_page=True
        )
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner CSV för den nationella statistiken").click()
    download = download_info.value
    assert download.suggested_filename == f"utskrivningsklara-{first:%Y-%m}-{cast.region.pk}.csv"
    with open(download.path(), encoding="utf-8-sig") as data:
        lines = data.read().splitlines()
    assert lines[0].startswith("Period;Regionkod;Region;Kommunkod;Kommun;Vårdform")
    assert f"{first:%Y-%m};;Region Testland;0483;Testkommun;Somatisk vård;2;5" in lines


MONTHS = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]
