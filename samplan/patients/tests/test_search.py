"""Sök patient: only patients the unit may see, the same answer otherwise, every search logged."""

import re

import pytest
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.patients.models import Protection
from samplan.patients.testing import PatientFactory

SEARCH = reverse("patients:search")
NOT_FOUND = "Ingen patient som din enhet får se hittades."


@pytest.fixture
def patient(db):
    return PatientFactory(
        identity_number="191212121212", first_name="Tolvan", last_name="Tolvansson"
    )


def _neutral(html, typed):
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(f'value="{typed}"', "")


def search(client, number):
    return client.post(SEARCH, {"identity": number}).content.decode()


def test_search_finds_a_patient_the_unit_has_a_relation_to(client, cast, login_as, relate, patient):
    relate(cast.ward, patient)
    login_as(cast.ward_nurse, cast.ward)
    html = search(client, "121212+1212")
    assert "Tolvan Tolvansson" in html
    assert reverse("patients:detail", args=[patient.pk]) in html
    assert NOT_FOUND not in html
    row = AccessLogEntry.objects.get()
    assert (row.action, row.patient, row.searched_identity) == ("search", patient, "191212121212")
    assert (row.user, row.unit, row.organization) == (cast.ward_nurse, cast.ward, cast.region)
    assert row.client_address == "127.0.0.1"


def test_without_relation_the_answer_is_the_same_as_for_nobody(
    client, cast, login_as, relate, patient
):
    relate(cast.care_centre, patient)  # another unit of the same organisation
    login_as(cast.ward_nurse, cast.ward)
    unrelated = search(client, "19121212-1212")
    nobody = search(client, "19701063-2391")
    assert NOT_FOUND in unrelated and NOT_FOUND in nobody
    assert "Tolvan" not in unrelated
    # The same page apart from the csrf tokens and the typed number.
    assert _neutral(unrelated, "19121212-1212") == _neutral(nobody, "19701063-2391")
    rows = list(AccessLogEntry.objects.order_by("pk"))
    assert [(r.action, r.patient_id, r.searched_identity) for r in rows] == [
        ("search", None, "191212121212"),
        ("search", None, "197010632391"),
    ]


def test_another_organisation_does_not_find_the_patient(client, cast, login_as, relate, patient):
    relate(cast.ward, patient)
    login_as(cast.outsider, cast.outsider_unit)
    assert NOT_FOUND in search(client, "19121212-1212")
    assert AccessLogEntry.objects.get().unit == cast.outsider_unit


def test_invalid_number_shows_the_fault_and_is_logged(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    html = search(client, "19121212-1213")
    assert "Kontrollsiffran (den sista siffran) stämmer inte." in html
    assert NOT_FOUND not in html
    row = AccessLogEntry.objects.get()
    assert row.searched_identity == "19121212-1213" and row.patient is None


def test_opening_the_page_or_an_empty_search_logs_nothing(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    assert client.get(SEARCH).status_code == 200
    client.post(SEARCH, {"identity": "  "})
    assert not AccessLogEntry.objects.exists()


def test_protected_patient_shows_the_badge_and_no_address(client, cast, login_as, relate):
    patient = PatientFactory(
        identity_number="191212121212",
        protection=Protection.PROTECTED_REGISTRATION,
        street_address="Hemliga gatan 1",
    )
    relate(cast.ward, patient)
    login_as(cast.ward_nurse, cast.ward)
    html = search(client, "19121212-1212")
    assert "Skyddad identitet: Skyddad folkbokföring" in html
    assert "Hemliga gatan" not in html


def test_anonymous_goes_to_login(client, db):
    response = client.post(SEARCH, {"identity": "19121212-1212"})
    assert response.status_code == 302 and "/konto/" in response.url
    assert not AccessLogEntry.objects.exists()


def test_administrators_may_not_search(client, cast, login_as):
    login_as(cast.region_local_admin, cast.care_centre)
    assert client.post(SEARCH, {"identity": "19121212-1212"}).status_code == 403
    assert not AccessLogEntry.objects.exists()


def test_the_main_menu_has_search_patient_for_patient_workers(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(reverse("core:home"), follow=True).content.decode()
    assert f'<a href="{SEARCH}">Sök patient</a>' in html
    client.logout()
    login_as(cast.region_local_admin, cast.care_centre)
    assert SEARCH not in client.get(reverse("core:home")).content.decode()
