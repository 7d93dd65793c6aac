"""Ny patient: one patient per person, a create row in the access log, nothing revealed."""

import pytest
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.patients.models import Patient
from samplan.patients.testing import PatientFactory

NEW = reverse("patients:new")


def data(**overrides):
    values = {
        "identity": "19121212-1212",
        "first_name": "Tolvan",
        "last_name": "Tolvansson",
        "protection": "none",
        "street_address": "Storgatan 1",
        "postal_code": "61131",
        "city": "Nyköping",
        "registered_municipality": "0483",
        "phone": "",
        "listed_care_centre": "",
    }
    values.update(overrides)
    return values


def test_form_is_shown(client, cast, login_as):
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(NEW).content.decode()
    assert "Ny patient" in html and 'name="identity"' in html


def test_double_post_creates_one_patient_and_logs_each(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    first = client.post(NEW, data())
    second = client.post(NEW, data())
    assert first.status_code == second.status_code == 302
    patient = Patient.objects.get()
    assert patient.identity_number == "191212121212"
    rows = AccessLogEntry.objects.filter(action="create")
    assert rows.count() == 2 and {r.patient_id for r in rows} == {patient.pk}


def test_without_relation_new_and_existing_look_the_same(client, cast, login_as):
    PatientFactory(identity_number="191212121212", first_name="Hemlig")
    login_as(cast.ward_nurse, cast.ward)
    existing = client.post(NEW, data(), follow=True).content.decode()
    new = client.post(NEW, data(identity="19701063-2391"), follow=True).content.decode()
    message = "Patienten är registrerad."
    assert message in existing and message in new
    assert "Hemlig" not in existing
    assert Patient.objects.count() == 2


def test_with_relation_creating_an_existing_number_leads_to_it(client, cast, login_as, relate):
    patient = PatientFactory(identity_number="191212121212")
    relate(cast.ward, patient)
    login_as(cast.ward_nurse, cast.ward)
    response = client.post(NEW, data())
    assert response.url == reverse("patients:detail", args=[patient.pk])
    assert Patient.objects.count() == 1


def test_bad_input_gets_swedish_errors_and_keeps_the_rest(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    response = client.post(NEW, data(identity="19121312-1212", postal_code="123"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Datumet i personnumret (121312) finns inte." in html
    assert "Ett postnummer har fem siffror" in html
    assert 'value="Storgatan 1"' in html
    assert not Patient.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_forged_listing_unit_is_refused(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    response = client.post(NEW, data(listed_care_centre=cast.home_care.pk))
    assert response.status_code == 200
    assert not Patient.objects.exists()


@pytest.mark.parametrize("who", ["region_local_admin", "municipal_system_admin"])
def test_administrators_are_refused(client, cast, login_as, who):
    user = getattr(cast, who)
    unit = cast.care_centre if who == "region_local_admin" else cast.municipal_admin_unit
    login_as(user, unit)
    assert client.post(NEW, data()).status_code == 403
    assert not Patient.objects.exists()


def test_outsider_organisation_can_create_but_not_see(client, cast, login_as, relate):
    patient = PatientFactory(identity_number="191212121212")
    relate(cast.ward, patient)
    login_as(cast.outsider, cast.outsider_unit)
    response = client.post(NEW, data())
    assert response.url == reverse("patients:search")
    assert Patient.objects.count() == 1


def test_anonymous_goes_to_login(client, db):
    response = client.post(NEW, data())
    assert response.status_code == 302 and "/konto/" in response.url
    assert not Patient.objects.exists()
