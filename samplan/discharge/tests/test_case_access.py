"""Need-to-know for cases: participants only, logged; the relation opens the patient."""

import pytest
from django.http import Http404
from django.utils import timezone

from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.discharge.access import case_for_unit
from samplan.discharge.services import case_open, case_transfer
from samplan.organizations.models import UnitKind
from samplan.patients.access import unit_may_see_patient
from samplan.patients.models import Patient
from samplan.testing import UnitFactory


@pytest.fixture
def case(cast):
    patient = Patient.objects.create(
        identity_number="191212121212", identity_kind="personal", first_name="T", last_name="T"
    )
    case, _ = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=patient,
        admitted_at=timezone.now(),
        opening_key="k",
    )
    return case


def request_for(user, unit):
    return Actor(user=user, unit=unit)


def test_participant_sees_case_and_it_is_logged(cast, case):
    assert case_for_unit(request_for(cast.ward_nurse, cast.ward), case.pk) == case
    entry = AccessLogEntry.objects.get()
    assert (entry.patient, entry.unit, entry.action) == (case.patient, cast.ward, "view")


@pytest.mark.parametrize("who", ["home_care", "outsider"])
def test_non_participant_gets_404(cast, case, who):
    user, unit = {
        "home_care": (cast.home_care_nurse, cast.home_care),
        "outsider": (cast.outsider, cast.outsider_unit),
    }[who]
    with pytest.raises(Http404):
        case_for_unit(request_for(user, unit), case.pk)
    assert not AccessLogEntry.objects.exists()


def test_participation_that_ended_gives_404(cast, case):
    other = UnitFactory(organization=cast.region, kind=UnitKind.HOSPITAL_WARD_SOMATIC)
    case_transfer(case=case, to_ward=other, actor=Actor(user=cast.ward_nurse, unit=cast.ward))
    with pytest.raises(Http404):
        case_for_unit(request_for(cast.ward_nurse, cast.ward), case.pk)
    assert not unit_may_see_patient(cast.ward, case.patient)
    assert unit_may_see_patient(other, case.patient)


def test_forged_id_gives_404(cast, case):
    with pytest.raises(Http404):
        case_for_unit(request_for(cast.ward_nurse, cast.ward), case.pk + 999)


@pytest.mark.parametrize("protection", ["none", "protected_registration"])
def test_shown_case_logs_and_displays_as_the_whole_row(cast, case, protection):
    """case_for_unit(shown=True) reads fewer columns of the patient, ward and municipality:
    the access-log row and what the page shows of the patient are those of the whole row."""
    from samplan.patients.display import patient_display

    Patient.objects.filter(pk=case.patient_id).update(
        protection=protection, listed_care_centre=cast.care_centre, phone="070-1"
    )
    actor = request_for(cast.ward_nurse, cast.ward)
    columns = [
        f.attname
        for f in AccessLogEntry._meta.concrete_fields
        if f.attname not in ("id", "seq", "at", "hash", "prev_hash")
    ]
    whole = case_for_unit(actor, case.pk)
    shown = case_for_unit(actor, case.pk, shown=True)
    first, second = AccessLogEntry.objects.order_by("seq").values(*columns)
    assert first == second and first["protected_identity"] == (protection != "none")
    for participant in (True, False):
        assert patient_display(shown.patient, participant=participant) == patient_display(
            whole.patient, participant=participant
        )
    assert (shown.ward.name, shown.ward.phone, shown.ward.organization.name) == (
        whole.ward.name,
        whole.ward.phone,
        whole.ward.organization.name,
    )
