"""In the browser: a care centre without any part in a protected person's case looks for the
person; the region's log reviewer finds that access by its marks, records a review with a
comment, and prints the person's log extract."""

import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from samplan.accounts.models import Role
from samplan.auditlog.models import AccessLogEntry, LogReview
from samplan.core.actor import Actor
from samplan.discharge.services import case_open
from samplan.patients.identity import format_identity
from samplan.patients.models import Protection
from samplan.patients.testing import PatientFactory
from samplan.testing import TEST_PASSWORD, build_cast, user_with_role

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("SAMPLAN_SCREENSHOTS")


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"samplan-{name}.png"), full_page=True)


def log_in(page: Page, username: str) -> None:
    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="Logga in i samplan")).to_be_visible()


def test_reviewer_finds_a_protected_persons_access_records_a_review_and_prints_an_extract(
    page: Page,
):
    cast = build_cast()
    reviewer = user_with_role(
        "granskare", cast.hospital, Role.LOG_REVIEWER, first_name="Greta", last_name="Granskare"
    )
    person = PatientFactory(
        first_name="Siri",
        last_name="Skyddsdottir",
        protection=Protection.PROTECTED_REGISTRATION,
    )
    number = format_identity(person.identity_number)
    case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=person,
        admitted_at=timezone.now(),
        opening_key="browser-review",
    )

    # The ward takes part in the case and opens the person's page: an ordinary access.
    log_in(page, cast.ward_nurse.username)
    page.goto(f"/patienter/{person.pk}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    log_out(page)

    # The care centre has no part in the case, and searches for the person's number.
    log_in(page, cast.care_centre_nurse.username)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Sök patient").click()
    page.get_by_label("Personnummer, samordningsnummer eller reservnummer").fill(number)
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.get_by_test_id("not-found")).to_be_visible()
    log_out(page)

    # The region's log reviewer narrows the log to protected identities and units without part.
    log_in(page, reviewer.username)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Logggranskning"
    ).click()
    expect(page.get_by_role("heading", name="Logggranskning", level=1)).to_be_visible()
    page.get_by_label("Skyddad identitet").check()
    page.get_by_label("Ej deltagande enhet").check()
    page.get_by_role("button", name="Visa åtkomster").click()
    table = page.get_by_role("table")
    probe = table.get_by_role("row", name=re.compile("Vårdcentralen Norr"))
    expect(probe).to_have_count(1)
    expect(probe).to_contain_text(number)
    expect(probe).to_contain_text("Skyddad identitet")
    expect(probe).to_contain_text("Ej deltagande enhet")
    # The ward's own opening of the page is not among them: it takes part in the case.
    expect(table.get_by_role("row", name=re.compile("Avd 1 Medicin"))).to_have_count(0)
    screenshot(page, "logggranskning")

    probe.get_by_role("checkbox").check()
    page.get_by_role("button", name="Granska markerade åtkomster").click()
    expect(page.get_by_role("heading", name=re.compile("Logggranskning \\d{4}-"))).to_be_visible()
    page.get_by_role("table").get_by_role("checkbox").check()
    page.get_by_label("Behöver följas upp med enhetens chef").check()
    page.get_by_label("Kommentar").fill(
        "Vårdcentralen saknar del i ärendet. Enhetschefen kontaktad för förklaring."
    )
    page.get_by_role("button", name="Registrera granskningen").click()
    expect(page.get_by_role("status")).to_contain_text("Granskningen registrerades.")
    expect(page.get_by_role("main")).to_contain_text("Enhetschefen kontaktad för förklaring.")
    screenshot(page, "logggranskning-granskning")

    review = LogReview.objects.get()
    assert review.reviewer == reviewer and review.result == "follow_up"
    assert review.items.get().checked
    assert review.items.get().entry.unit == cast.care_centre

    # The person asks which units have looked at their details: the log extract.
    page.get_by_role("link", name="Loggutdrag").click()
    page.get_by_label("Personnummer, samordningsnummer eller reservnummer").fill(number)
    page.get_by_label("Visa även användarnas namn").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Skapa loggutdrag (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("loggutdrag-")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    printed = AccessLogEntry.objects.get(user=reviewer, action="print")
    # Two rows name the person: the ward's Översikt after login (it lists the ward's cases,
    # logged per patient) and the ward opening the person's page. The care centre's search
    # found nobody it may see, so its row names no patient.
    assert printed.patient == person and printed.detail == "extract_rows_with_users|rows=2"
