"""Loggutdrag: a person's log extract as a PDF in plain Swedish."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.auditlog.testing import log_access
from samplan.core.actor import Actor
from samplan.core.localtime import STOCKHOLM
from samplan.logreview.extract import extract_html
from samplan.logreview.selectors import extract_rows
from samplan.patients.testing import PatientFactory

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=STOCKHOLM)
EXTRACT = reverse("logreview:extract")


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=True):
        yield


def html_for(cast, log, patient, with_users=False, date_from=None, date_to=None):
    return extract_html(
        actor=Actor(user=log.reviewer),
        organization=cast.region,
        patient=patient,
        rows=list(extract_rows(cast.region, patient, date_from, date_to)),
        date_from=date_from,
        date_to=date_to,
        with_users=with_users,
    )


def test_the_extract_is_a_pdf_and_its_printing_is_logged(cast, as_reviewer, log):
    response = as_reviewer.post(EXTRACT, {"identity": log.patient.identity_number})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "loggutdrag-2026-03-10.pdf" in response["Content-Disposition"]
    printed = AccessLogEntry.objects.get(user=log.reviewer, action="print")
    assert (printed.patient, printed.object_type) == (log.patient, "logextract")
    assert printed.detail == "extract_rows|rows=2"


def test_the_extract_lists_the_organisations_units_and_when(cast, log):
    html = html_for(cast, log, log.patient)
    # The ward and the care centre of the region; never the municipality's home care.
    assert "Avd 1 Medicin" in html and "Vårdcentralen Norr" in html
    assert "Hemtjänst Öst" not in html
    assert "2026-03-03 10:00" in html and "2026-03-07 23:00" in html
    assert "Öppnade din utskrivningsplanering" in html and "Öppnade dina uppgifter" in html
    assert "Tyra Testsson" in html and log.patient.identity_display in html
    assert "Region Testland" in html
    # Users are named only when asked for.
    assert cast.ward_nurse.get_full_name() not in html


def test_user_names_when_asked_for_and_allowed(cast, log, settings):
    assert cast.ward_nurse.get_full_name() in html_for(cast, log, log.patient, with_users=True)
    settings.ACCESS_LOG_EXTRACT_USER_NAMES = False
    assert cast.ward_nurse.get_full_name() not in html_for(cast, log, log.patient, with_users=True)


def test_the_period_limits_the_extract(cast, log):
    html = html_for(
        cast,
        log,
        log.patient,
        date_from=datetime.date(2026, 3, 5),
        date_to=datetime.date(2026, 3, 9),
    )
    assert "2026-03-07 23:00" in html and "2026-03-03 10:00" not in html


def test_searches_that_showed_nobody_are_not_in_the_extract(cast, log):
    html = html_for(cast, log, log.protected)
    # Only the ward's opening of the record; the care centre's probe showed nothing.
    assert "Avd 1 Medicin" in html and "Vårdcentralen Norr" not in html


def test_a_protected_persons_extract_has_no_address(cast, log):
    log.protected.street_address = "Hemliga gatan 1"
    log.protected.save()
    html = html_for(cast, log, log.protected)
    assert "Hemliga gatan" not in html and "Sara Skyddad" in html


def test_the_reviewers_form_in_english_still_gives_swedish(cast, log, as_reviewer):
    as_reviewer.cookies["django_language"] = "en"
    html = html_for(cast, log, log.patient)
    assert "Loggutdrag: vem som har tagit del av dina uppgifter" in html


def test_unknown_number_says_so_and_is_logged(as_reviewer, log):
    number = PatientFactory.build().identity_number
    response = as_reviewer.post(EXTRACT, {"identity": number})
    assert "Ingen patient med det numret finns registrerad i samplan." in response.content.decode()
    assert AccessLogEntry.objects.filter(
        user=log.reviewer, searched_identity=number, object_type="logextract"
    ).exists()


def test_invalid_number_is_a_form_error(as_reviewer, log):
    response = as_reviewer.post(EXTRACT, {"identity": "12345"})
    assert response.status_code == 200 and response.context["patient_form"].errors["identity"]


def test_a_reserve_number_that_was_linked_gives_the_real_person(cast, as_reviewer, log):
    from samplan.patients.testing import ReservePatientFactory

    reserve = ReservePatientFactory(merged_into=log.patient)
    response = as_reviewer.post(EXTRACT, {"identity": reserve.identity_number})
    assert response["Content-Type"] == "application/pdf"
    assert AccessLogEntry.objects.get(user=log.reviewer, action="print").patient == log.patient
    # The print row is the one row of the look-up: no search row besides it.
    assert not AccessLogEntry.objects.filter(user=log.reviewer, action="search").exists()


@pytest.mark.parametrize("who", ["ward_nurse", "outsider"])
def test_extract_is_refused_to_others(cast, log, login_as, who):
    user = getattr(cast, who)
    client = login_as(user, user.memberships.first().unit)
    assert client.post(EXTRACT, {"identity": log.patient.identity_number}).status_code == 403
    assert not AccessLogEntry.objects.filter(user=user, action="print").exists()


def test_another_organisations_reviewer_gets_their_own_units_only(cast, log, login_as):
    client = login_as(log.municipal_reviewer, cast.home_care)
    response = client.post(EXTRACT, {"identity": log.patient.identity_number})
    assert response["Content-Type"] == "application/pdf"
    printed = AccessLogEntry.objects.get(user=log.municipal_reviewer, action="print")
    assert printed.detail == "extract_rows|rows=1"


def test_the_form_page(as_reviewer, log):
    response = as_reviewer.get(EXTRACT)
    assert response.status_code == 200
    assert "Skapa loggutdrag (PDF)" in response.content.decode()
    assert not AccessLogEntry.objects.filter(user=log.reviewer).exists()


def test_rows_before_the_print(cast, log):
    with time_machine.travel(NOW - datetime.timedelta(days=400), tick=False):
        log_access(cast.ward_nurse, cast.ward, log.patient)
    assert "2025-" in html_for(cast, log, log.patient)


def test_the_extract_covers_a_reserve_number_linked_later(cast, log):
    from samplan.patients.testing import ReservePatientFactory

    reserve = ReservePatientFactory()
    with time_machine.travel(NOW - datetime.timedelta(days=3), tick=False):
        log_access(cast.care_centre_nurse, cast.care_centre, reserve, object_type="patient")
    reserve.merged_into = log.patient
    reserve.save()
    assert "2026-03-07 12:00" in html_for(cast, log, log.patient)
