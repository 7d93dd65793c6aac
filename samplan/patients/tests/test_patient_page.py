"""The patient page (and its edit form): need-to-know, protection, one log row per view."""

import pytest
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.patients.models import Patient, Protection
from samplan.patients.testing import PatientFactory


@pytest.fixture
def patient(cast, relate):
    patient = PatientFactory(
        first_name="Tolvan",
        last_name="Tolvansson",
        street_address="Storgatan 1",
        phone="0155-12345",
        listed_care_centre=cast.care_centre,
    )
    relate(cast.ward, patient)
    return patient


def detail(patient_or_pk):
    pk = getattr(patient_or_pk, "pk", patient_or_pk)
    return reverse("patients:detail", args=[pk])


def test_page_shows_the_patient_and_logs_the_view(client, cast, login_as, patient):
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(detail(patient)).content.decode()
    assert "Tolvan Tolvansson" in html and "Storgatan 1" in html and "0155-12345" in html
    assert "Vårdcentralen Norr" in html
    assert 'data-testid="patient-header"' in html
    client.get(detail(patient))
    rows = AccessLogEntry.objects.filter(action="view", patient=patient)
    assert rows.count() == 2
    assert {(r.user_id, r.unit_id) for r in rows} == {(cast.ward_nurse.pk, cast.ward.pk)}


def test_protected_patient_page(client, cast, login_as, patient):
    patient.protection = Protection.FICTITIOUS
    patient.save()
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(detail(patient)).content.decode()
    assert "Skyddad identitet: Fingerade personuppgifter" in html
    assert "Tolvan Tolvansson" in html  # the unit takes part
    for secret in ("Storgatan 1", "0155-12345", "Vårdcentralen Norr"):
        assert secret not in html
    edit = client.get(reverse("patients:edit", args=[patient.pk])).content.decode()
    assert "Storgatan 1" not in edit and 'name="street_address"' not in edit


@pytest.mark.parametrize(
    ("username", "unit"),
    [("vcssk", "care_centre"), ("hemssk", "home_care"), ("annan", "outsider_unit")],
)
def test_units_without_relation_get_404_and_no_log(client, cast, login_as, patient, username, unit):
    user = next(
        u
        for u in (cast.care_centre_nurse, cast.home_care_nurse, cast.outsider)
        if u.username == username
    )
    login_as(user, getattr(cast, unit))
    assert client.get(detail(patient)).status_code == 404
    assert client.get(reverse("patients:edit", args=[patient.pk])).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_forged_and_missing_ids_look_the_same(client, cast, login_as, patient):
    hidden = PatientFactory()
    login_as(cast.ward_nurse, cast.ward)
    missing = Patient.objects.order_by("-pk").first().pk + 100
    assert client.get(detail(hidden)).status_code == 404
    assert client.get(detail(missing)).status_code == 404


def test_anonymous_goes_to_login(client, patient):
    response = client.get(detail(patient))
    assert response.status_code == 302 and "/konto/" in response.url


def test_administrator_role_alone_gives_403(client, cast, login_as, patient):
    login_as(cast.region_local_admin, cast.care_centre)
    assert client.get(detail(patient)).status_code == 403


def test_edit_saves_and_logs(client, cast, login_as, patient):
    login_as(cast.ward_nurse, cast.ward)
    url = reverse("patients:edit", args=[patient.pk])
    response = client.post(
        url,
        {
            "identity": patient.identity_display,
            "first_name": "Tolvan",
            "last_name": "Tolvansson",
            "protection": "confidentiality_marked",
            "street_address": "Nygatan 2",
            "postal_code": "611 31",
            "city": "Nyköping",
            "registered_municipality": "0480",
            "phone": "",
            "listed_care_centre": "",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.street_address == "Nygatan 2" and patient.postal_code == "61131"
    assert patient.protection == "confidentiality_marked"
    assert patient.listed_care_centre is None
    row = AccessLogEntry.objects.get(action="update")
    assert "street_address" in row.detail and "Nygatan" not in row.detail


def test_edit_of_protected_patient_keeps_the_hidden_contact_data(client, cast, login_as, patient):
    patient.protection = Protection.PROTECTED_REGISTRATION
    patient.save()
    login_as(cast.ward_nurse, cast.ward)
    url = reverse("patients:edit", args=[patient.pk])
    response = client.post(
        url,
        {
            "identity": patient.identity_display,
            "first_name": "Ny",
            "last_name": "Tolvansson",
            "protection": "protected_registration",
            "street_address": "Forged 1",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.first_name == "Ny"
    assert patient.street_address == "Storgatan 1"
    assert patient.listed_care_centre == cast.care_centre


def test_edit_refuses_to_lift_the_protection_in_swedish(client, cast, login_as, patient):
    patient.protection = Protection.PROTECTED_REGISTRATION
    patient.save()
    login_as(cast.ward_nurse, cast.ward)
    response = client.post(
        reverse("patients:edit", args=[patient.pk]),
        {
            "identity": patient.identity_display,
            "first_name": "Tolvan",
            "last_name": "Tolvansson",
            "protection": "none",
        },
    )
    assert response.status_code == 200
    assert "Skyddad identitet kan inte tas bort här." in response.content.decode()
