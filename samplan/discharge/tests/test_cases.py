"""Case services: open once, send on the case, state moves, cancel recomputes, transfer, close."""

import datetime

import pytest
from django.utils import timezone

from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge.models import CaseEvent, CaseParticipant, DischargeCase
from samplan.discharge.process import CaseState
from samplan.discharge.services import (
    CaseError,
    case_cancel_message,
    case_close,
    case_default_recipients,
    case_open,
    case_send,
    case_transfer,
    participants_add,
)
from samplan.messaging.services import RecipientChoice
from samplan.organizations.models import UnitKind
from samplan.patients.models import Patient
from samplan.testing import UnitFactory

M = MessageType


@pytest.fixture
def patient(cast):
    return Patient.objects.create(
        identity_number="191212121212",
        identity_kind="personal",
        first_name="Tolvan",
        last_name="Tolvansson",
        registered_municipality="0483",
    )


@pytest.fixture
def case(cast, patient):
    case, created = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=patient,
        admitted_at=timezone.now() - datetime.timedelta(hours=2),
        opening_key="open-1",
    )
    assert created
    return case


def to(*units):
    return [RecipientChoice(unit=u, reason_code="chosen", reason_text="Vald") for u in units]


def ward_sends(cast, case, message_type, key, *units, content=None):
    return case_send(
        case=case,
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        message_type=message_type,
        recipients=to(*units) if units else case_default_recipients(case, cast.ward),
        idempotency_key=key,
        content=content,
    )


def test_open_sets_principals_and_ward_participation(cast, case):
    assert case.state == CaseState.ADMITTED
    assert case.region == cast.region and case.municipality == cast.municipality
    assert CaseParticipant.objects.filter(case=case, unit=cast.ward).exists()
    assert CaseEvent.objects.filter(case=case, kind="opened").count() == 1


def test_second_open_returns_the_existing_case(cast, case, patient):
    again, created = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=patient,
        admitted_at=timezone.now(),
        opening_key="open-2",
    )
    assert not created and again.pk == case.pk
    assert DischargeCase.objects.count() == 1


def test_only_a_ward_opens_a_case(cast, patient):
    with pytest.raises(CaseError):
        case_open(
            actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
            patient=patient,
            admitted_at=timezone.now(),
            opening_key="x",
        )


def test_admission_notice_adds_recipients_as_participants(cast, case):
    ward_sends(cast, case, M.ADMISSION_NOTICE, "a1", cast.home_care, cast.care_centre)
    roles = dict(CaseParticipant.objects.filter(case=case).values_list("unit__name", "role"))
    assert roles == {
        "Avd 1 Medicin": "ward",
        "Hemtjänst Öst": "municipality",
        "Vårdcentralen Norr": "care_centre",
    }


def test_admission_notice_only_once(cast, case):
    ward_sends(cast, case, M.ADMISSION_NOTICE, "a1", cast.home_care)
    with pytest.raises(CaseError):
        ward_sends(cast, case, M.ADMISSION_NOTICE, "a2", cast.home_care)


def test_ready_then_discharged_then_closed(cast, case):
    ward_sends(cast, case, M.ADMISSION_NOTICE, "a1", cast.home_care)
    ward_sends(cast, case, M.READY_FOR_DISCHARGE, "r1")
    case.refresh_from_db()
    assert case.state == CaseState.READY
    ward_sends(cast, case, M.DISCHARGE_NOTICE, "d1")
    case.refresh_from_db()
    assert case.state == CaseState.DISCHARGED
    case_close(case=case, actor=Actor(user=cast.ward_nurse, unit=cast.ward))
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_at


def test_wrong_sender_kind_is_refused(cast, case):
    with pytest.raises(CaseError):
        case_send(
            case=case,
            actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
            message_type=M.READY_FOR_DISCHARGE,
            recipients=to(cast.ward),
            idempotency_key="x",
        )


def test_disallowed_transition_gives_a_plain_error(cast, case):
    ward_sends(cast, case, M.ADMISSION_NOTICE, "a1", cast.home_care)
    with pytest.raises(CaseError) as error:
        ward_sends(cast, case, M.READINESS_WITHDRAWN, "w1")
    assert str(error.value)


def test_resent_form_sends_once_and_moves_state_once(cast, case):
    ward_sends(cast, case, M.ADMISSION_NOTICE, "a1", cast.home_care)
    first = ward_sends(cast, case, M.READY_FOR_DISCHARGE, "r1")
    second = ward_sends(cast, case, M.READY_FOR_DISCHARGE, "r1")
    assert first.pk == second.pk
    assert CaseEvent.objects.filter(case=case, kind="state_changed").count() == 1


def test_cancelling_the_ready_notice_returns_to_admitted(cast, case):
    ward_sends(cast, case, M.ADMISSION_NOTICE, "a1", cast.home_care)
    ready = ward_sends(cast, case, M.READY_FOR_DISCHARGE, "r1")
    case_cancel_message(
        message=ready,
        reason="Fel patient",
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        idempotency_key="c1",
    )
    case.refresh_from_db()
    assert case.state == CaseState.ADMITTED


def test_withdrawn_readiness_goes_back_to_admitted(cast, case):
    ward_sends(cast, case, M.ADMISSION_NOTICE, "a1", cast.home_care)
    ward_sends(cast, case, M.READY_FOR_DISCHARGE, "r1")
    ward_sends(cast, case, M.READINESS_WITHDRAWN, "w1")
    case.refresh_from_db()
    assert case.state == CaseState.ADMITTED


def test_transfer_moves_the_case_and_ends_old_ward_participation(cast, case):
    new_ward = UnitFactory(
        organization=cast.region, kind=UnitKind.HOSPITAL_WARD_SOMATIC, name="Avd 2"
    )
    case_transfer(case=case, to_ward=new_ward, actor=Actor(user=cast.ward_nurse, unit=cast.ward))
    case.refresh_from_db()
    assert case.ward == new_ward
    assert CaseParticipant.objects.get(case=case, unit=cast.ward).left_at is not None
    assert CaseParticipant.objects.get(case=case, unit=new_ward).left_at is None


def test_participants_add_takes_back_a_unit_that_left_and_adds_the_new_ones(
    cast, case, django_assert_num_queries
):
    CaseParticipant.objects.filter(case=case, unit=cast.ward).update(left_at=timezone.now())
    other = UnitFactory(
        organization=cast.municipality, kind=UnitKind.HOME_CARE, name="Hemtjänst Väst"
    )
    units = [cast.ward, cast.home_care, other]
    already = set(CaseParticipant.objects.filter(case=case).values_list("unit_id", flat=True))
    added = participants_add(case=case, units=units)
    assert [u.pk for u in added] == [u.pk for u in units if u == cast.ward or u.pk not in already]
    assert not CaseParticipant.objects.filter(case=case, unit__in=units, left_at__isnull=False)
    with django_assert_num_queries(1):  # all present now: one read, nothing written
        assert participants_add(case=case, units=units) == []


def test_withdraw_case(cast, case):
    ward_sends(cast, case, M.ADMISSION_NOTICE, "a1", cast.home_care)
    ward_sends(cast, case, M.CASE_WITHDRAWN, "x1", content={"reason": "deceased"})
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN and case.withdrawn_reason == "deceased"
    # a withdrawn case frees the patient for a new stay
    _, created = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=case.patient,
        admitted_at=timezone.now(),
        opening_key="o2",
    )
    assert created
