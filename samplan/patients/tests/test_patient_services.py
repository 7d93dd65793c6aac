"""patient_create and patient_update: one patient per person, input normalised."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from samplan.auditlog.models import AccessLogEntry
from samplan.organizations.models import OrganizationKind
from samplan.patients.identity import IdentityKind
from samplan.patients.models import Patient, Protection, ReserveNumberFormat
from samplan.patients.services import PatientDetails, patient_create, patient_update
from samplan.patients.testing import PatientFactory, make_reserve_number

DETAILS = PatientDetails(first_name="Tolvan", last_name="Tolvansson")


def test_create_normalises_the_typed_number(cast, acting):
    request = acting(cast.ward_nurse, cast.ward)
    result = patient_create(actor=request, identity="121212-1212", details=DETAILS)
    assert result.created
    assert result.patient.identity_number == "201212121212"
    assert result.patient.identity_kind == IdentityKind.PERSONAL
    assert result.patient.birth_date.isoformat() == "2012-12-12"


def test_creating_twice_gives_one_patient(cast, acting):
    first = patient_create(
        actor=acting(cast.ward_nurse, cast.ward), identity="19121212-1212", details=DETAILS
    )
    second = patient_create(
        actor=acting(cast.home_care_nurse, cast.home_care),
        identity="191212121212",
        details=PatientDetails(first_name="Annat", last_name="Namn"),
    )
    assert not second.created
    assert second.patient.pk == first.patient.pk
    assert Patient.objects.count() == 1
    second.patient.refresh_from_db()
    assert second.patient.first_name == "Tolvan"  # what was typed the second time is not used


def test_create_writes_an_access_log_row_each_time(cast, acting):
    request = acting(cast.ward_nurse, cast.ward)
    patient_create(actor=request, identity="19121212-1212", details=DETAILS)
    patient_create(actor=request, identity="19121212-1212", details=DETAILS)
    rows = list(AccessLogEntry.objects.order_by("pk"))
    assert [(r.action, r.user_id, r.unit_id) for r in rows] == [
        ("create", cast.ward_nurse.pk, cast.ward.pk)
    ] * 2
    assert rows[0].patient_id == rows[1].patient_id
    assert rows[1].detail == "already_registered"


def test_create_by_number_of_a_linked_reserve_gives_the_real_patient(cast, acting):
    real = PatientFactory()
    reserve = PatientFactory(
        identity_number=make_reserve_number(), identity_kind="reserve", merged_into=real
    )
    result = patient_create(
        actor=acting(cast.ward_nurse, cast.ward),
        identity=reserve.identity_number,
        details=DETAILS,
    )
    assert result.patient == real and not result.created


def test_reserve_number_records_the_issuing_region(cast, acting):
    number = make_reserve_number()
    result = patient_create(
        actor=acting(cast.ward_nurse, cast.ward), identity=number, details=DETAILS
    )
    assert result.patient.identity_kind == IdentityKind.RESERVE
    assert result.patient.reserve_issuer == cast.region


def test_create_uses_the_region_formats(cast, acting):
    ReserveNumberFormat.objects.create(region=cast.region, name="R", regex=r"R\d{6}")
    result = patient_create(
        actor=acting(cast.ward_nurse, cast.ward), identity="r 123456", details=DETAILS
    )
    assert result.patient.identity_number == "R123456"
    # The region's own format replaces the defaults.
    with pytest.raises(ValidationError):
        patient_create(
            actor=acting(cast.ward_nurse, cast.ward),
            identity=make_reserve_number(),
            details=DETAILS,
        )


def test_municipality_staff_use_their_county_region_formats(cast, acting):
    cast.region.area_code = "04"
    cast.region.save()
    assert cast.municipality.area_code == "0483"
    ReserveNumberFormat.objects.create(region=cast.region, name="R", regex=r"R\d{6}")
    result = patient_create(
        actor=acting(cast.home_care_nurse, cast.home_care), identity="R123456", details=DETAILS
    )
    assert result.patient.reserve_issuer == cast.region
    assert cast.region.kind == OrganizationKind.REGION


def test_invalid_number_creates_nothing(cast, acting):
    with pytest.raises(ValidationError):
        patient_create(
            actor=acting(cast.ward_nurse, cast.ward), identity="19121212-1213", details=DETAILS
        )
    assert not Patient.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_names_are_required_for_a_new_patient(cast, acting):
    with pytest.raises(ValidationError) as error:
        patient_create(
            actor=acting(cast.ward_nurse, cast.ward),
            identity="19121212-1212",
            details=PatientDetails(first_name=" ", last_name=""),
        )
    assert set(error.value.error_dict) == {"first_name", "last_name"}


def test_administrators_do_not_create_patients(cast, acting):
    with pytest.raises(PermissionDenied):
        patient_create(
            actor=acting(cast.region_local_admin, cast.care_centre),
            identity="19121212-1212",
            details=DETAILS,
        )


def test_update_needs_a_relation(cast, acting, relate):
    patient = PatientFactory()
    request = acting(cast.ward_nurse, cast.ward)
    with pytest.raises(PermissionDenied):
        patient_update(actor=request, patient=patient, details=PatientDetails(phone="1"))
    relate(cast.ward, patient)
    patient_update(actor=request, patient=patient, details=PatientDetails(phone=" 08-1 "))
    patient.refresh_from_db()
    assert patient.phone == "08-1"
    row = AccessLogEntry.objects.get(action="update")
    assert row.patient == patient and row.detail == "phone"


def test_update_corrects_a_mistyped_number(cast, acting, relate):
    patient = PatientFactory(identity_number="191212121212")
    relate(cast.ward, patient)
    patient_update(
        actor=acting(cast.ward_nurse, cast.ward),
        patient=patient,
        identity="701063-2391",
        details=PatientDetails(),
    )
    patient.refresh_from_db()
    assert patient.identity_number == "197010632391"
    assert patient.identity_kind == IdentityKind.COORDINATION


def test_update_refuses_a_number_another_patient_has(cast, acting, relate):
    PatientFactory(identity_number="197010632391")
    patient = PatientFactory(identity_number="191212121212")
    relate(cast.ward, patient)
    with pytest.raises(ValidationError) as error:
        patient_update(
            actor=acting(cast.ward_nurse, cast.ward),
            patient=patient,
            identity="19701063-2391",
            details=PatientDetails(),
        )
    assert error.value.code == "taken"


def test_update_does_not_turn_a_reserve_number_into_a_personnummer(cast, acting, relate):
    patient = PatientFactory(identity_number=make_reserve_number(), identity_kind="reserve")
    relate(cast.ward, patient)
    with pytest.raises(ValidationError) as error:
        patient_update(
            actor=acting(cast.ward_nurse, cast.ward),
            patient=patient,
            identity="19121212-1212",
            details=PatientDetails(),
        )
    assert error.value.code == "kind_change"


def test_update_does_not_lift_a_protection(cast, acting, relate):
    patient = PatientFactory(protection=Protection.PROTECTED_REGISTRATION)
    relate(cast.ward, patient)
    with pytest.raises(ValidationError) as error:
        patient_update(
            actor=acting(cast.ward_nurse, cast.ward),
            patient=patient,
            details=PatientDetails(protection=Protection.NONE),
        )
    assert "protection" in error.value.error_dict
    patient.refresh_from_db()
    assert patient.protection == Protection.PROTECTED_REGISTRATION


def test_update_may_add_a_protection(cast, acting, relate):
    patient = PatientFactory()
    relate(cast.ward, patient)
    patient_update(
        actor=acting(cast.ward_nurse, cast.ward),
        patient=patient,
        details=PatientDetails(protection=Protection.CONFIDENTIALITY_MARKED),
    )
    patient.refresh_from_db()
    assert patient.protection == Protection.CONFIDENTIALITY_MARKED


def test_listing_must_be_a_primary_care_centre(cast, acting):
    with pytest.raises(ValidationError) as error:
        patient_create(
            actor=acting(cast.ward_nurse, cast.ward),
            identity="19121212-1212",
            details=PatientDetails(
                first_name="T", last_name="T", listed_care_centre=cast.home_care
            ),
        )
    assert "listed_care_centre" in error.value.error_dict
    assert not Patient.objects.exists()
