"""Linking a reservnummer to the real personnummer: everything moves, history is kept."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from samplan.auditlog.models import AccessLogEntry
from samplan.patients.merging import register_reassign, registered_reassigns, unregister_reassign
from samplan.patients.models import (
    Consent,
    ConsentScope,
    Patient,
    PatientLink,
    Protection,
)
from samplan.patients.services import patient_link_reserve
from samplan.patients.testing import PatientFactory, ReservePatientFactory


@pytest.fixture
def things(relate):
    """A stand-in for a later app's rows (cases, plans, messages): {name: patient_pk}.

    Its reassign moves them, and the units holding them have a relation through them, the way
    a case gives its participants one.
    """
    store: dict[str, int] = {}
    holders: dict[str, int] = {}

    def reassign(from_patient, to_patient):
        moved = [name for name, pk in store.items() if pk == from_patient.pk]
        for name in moved:
            store[name] = to_patient.pk
        for name in moved:
            relate.pairs.add((holders[name], to_patient.pk))
        return len(moved)

    def add(name, unit, patient):
        store[name] = patient.pk
        holders[name] = unit.pk
        relate(unit, patient)

    register_reassign("tests.things", reassign)
    yield type("Things", (), {"store": store, "add": staticmethod(add)})
    unregister_reassign("tests.things")


def _consent(patient, unit, user):
    return Consent.objects.create(
        patient=patient,
        given_at=timezone.now() - datetime.timedelta(hours=1),
        scope=ConsentScope.SIP,
        recorded_by=user,
        recorded_by_unit=unit,
    )


def test_link_to_a_new_personnummer_creates_the_real_patient(cast, acting, things):
    reserve = ReservePatientFactory(first_name="Okänd", last_name="Man", phone="070-1")
    things.add("case-1", cast.ward, reserve)
    consent = _consent(reserve, cast.ward, cast.ward_nurse)

    link = patient_link_reserve(
        actor=acting(cast.ward_nurse, cast.ward),
        reserve_patient=reserve,
        identity="19121212-1212",
    )

    real = Patient.objects.get(identity_number="191212121212")
    assert real.identity_kind == "personal"
    assert (real.first_name, real.last_name, real.phone) == ("Okänd", "Man", "070-1")
    reserve.refresh_from_db()
    assert reserve.merged_into == real
    assert things.store == {"case-1": real.pk}
    consent.refresh_from_db()
    assert consent.patient == real
    assert link.created_patient
    assert (link.from_patient, link.to_patient) == (reserve, real)
    assert link.from_identity == reserve.identity_number
    assert link.to_identity == "191212121212"
    assert (link.linked_by, link.linked_by_unit) == (cast.ward_nurse, cast.ward)
    assert link.moved["patients.consents"] == 1 and link.moved["tests.things"] == 1


def test_link_to_an_existing_patient_merges_into_it(cast, acting, things):
    real = PatientFactory(identity_number="191212121212", first_name="Tolvan")
    reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    things.add("plan-7", cast.home_care, reserve)
    things.add("other", cast.care_centre, real)

    link = patient_link_reserve(
        actor=acting(cast.ward_nurse, cast.ward), reserve_patient=reserve, identity="191212121212"
    )

    assert not link.created_patient
    assert link.to_patient == real
    assert Patient.objects.filter(identity_number="191212121212").count() == 1
    assert things.store == {"case-1": real.pk, "plan-7": real.pk, "other": real.pk}
    real.refresh_from_db()
    assert real.first_name == "Tolvan"  # the register's data wins over the reserve's


def test_a_link_never_lifts_a_protection(cast, acting, things):
    real = PatientFactory(identity_number="191212121212")
    reserve = ReservePatientFactory(protection=Protection.CONFIDENTIALITY_MARKED)
    things.add("case-1", cast.ward, reserve)
    patient_link_reserve(
        actor=acting(cast.ward_nurse, cast.ward), reserve_patient=reserve, identity="191212121212"
    )
    real.refresh_from_db()
    assert real.protection == Protection.CONFIDENTIALITY_MARKED


def test_linking_twice_links_once(cast, acting, things):
    reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    request = acting(cast.ward_nurse, cast.ward)
    first = patient_link_reserve(actor=request, reserve_patient=reserve, identity="191212121212")
    second = patient_link_reserve(actor=request, reserve_patient=reserve, identity="191212121212")
    assert first == second
    assert PatientLink.objects.count() == 1


def test_a_failing_reassign_moves_nothing(cast, acting, things):
    reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    consent = _consent(reserve, cast.ward, cast.ward_nurse)

    def broken(from_patient, to_patient):
        raise RuntimeError("conflict")

    register_reassign("tests.broken", broken)
    try:
        with pytest.raises(RuntimeError):
            patient_link_reserve(
                actor=acting(cast.ward_nurse, cast.ward),
                reserve_patient=reserve,
                identity="191212121212",
            )
    finally:
        unregister_reassign("tests.broken")
    reserve.refresh_from_db()
    consent.refresh_from_db()
    assert reserve.merged_into is None
    assert consent.patient == reserve
    assert not Patient.objects.filter(identity_number="191212121212").exists()
    assert not PatientLink.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_registry_lists_names_in_registration_order(things):
    names = registered_reassigns()
    assert names.index("patients.consents") < names.index("tests.things")


def test_only_the_real_number_can_be_the_target(cast, acting, things):
    reserve = ReservePatientFactory()
    other_reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    with pytest.raises(ValidationError) as error:
        patient_link_reserve(
            actor=acting(cast.ward_nurse, cast.ward),
            reserve_patient=reserve,
            identity=other_reserve.identity_number,
        )
    assert error.value.code == "reserve_not_allowed"


def test_linking_needs_a_relation(cast, acting, things):
    reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    with pytest.raises(PermissionDenied):
        patient_link_reserve(
            actor=acting(cast.outsider, cast.outsider_unit),
            reserve_patient=reserve,
            identity="191212121212",
        )


def test_link_is_access_logged_for_both_identities(cast, acting, things):
    reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    link = patient_link_reserve(
        actor=acting(cast.ward_nurse, cast.ward), reserve_patient=reserve, identity="191212121212"
    )
    rows = AccessLogEntry.objects.filter(object_type="patientlink", object_id=str(link.pk))
    assert {row.patient_id for row in rows} == {reserve.pk, link.to_patient_id}
    assert {row.action for row in rows} == {"update"}


# --- the views ---


def test_link_view_moves_and_shows_the_history(client, cast, login_as, things):
    reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    login_as(cast.ward_nurse, cast.ward)
    url = reverse("patients:link", args=[reserve.pk])
    assert "Koppla till personnummer" in client.get(url).content.decode()

    response = client.post(url, {"identity": "19121212-1212", "confirm": "on"})
    real = Patient.objects.get(identity_number="191212121212")
    assert response.status_code == 302
    assert response.url == reverse("patients:detail", args=[real.pk])
    page = client.get(response.url).content.decode()
    assert "Kopplade reservnummer" in page
    assert reserve.identity_number in page

    # Posted again: nothing new, back to the real patient.
    again = client.post(url, {"identity": "19121212-1212", "confirm": "on"})
    assert again.status_code == 302 and again.url == reverse("patients:detail", args=[real.pk])
    assert PatientLink.objects.count() == 1


def test_link_view_needs_the_confirmation(client, cast, login_as, things):
    reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    login_as(cast.ward_nurse, cast.ward)
    response = client.post(
        reverse("patients:link", args=[reserve.pk]), {"identity": "19121212-1212"}
    )
    assert response.status_code == 200
    assert "Bekräfta att det är samma person." in response.content.decode()
    assert not PatientLink.objects.exists()


def test_link_view_of_an_unrelated_reserve_is_404(client, cast, login_as, things):
    reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    login_as(cast.outsider, cast.outsider_unit)
    response = client.post(
        reverse("patients:link", args=[reserve.pk]), {"identity": "19121212-1212", "confirm": "on"}
    )
    assert response.status_code == 404
    assert not PatientLink.objects.exists()


def test_old_reserve_page_and_search_lead_to_the_real_patient(client, cast, login_as, things):
    reserve = ReservePatientFactory()
    things.add("case-1", cast.ward, reserve)
    login_as(cast.ward_nurse, cast.ward)
    client.post(
        reverse("patients:link", args=[reserve.pk]),
        {"identity": "19121212-1212", "confirm": "on"},
    )
    real = Patient.objects.get(identity_number="191212121212")
    response = client.get(reverse("patients:detail", args=[reserve.pk]))
    assert response.status_code == 302
    assert response.url == reverse("patients:detail", args=[real.pk])
    found = client.post(reverse("patients:search"), {"identity": reserve.identity_number})
    assert "19121212-1212" in found.content.decode()
