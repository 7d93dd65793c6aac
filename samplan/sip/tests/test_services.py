"""The SIP services: starting, consent, summons and answers, writing with optimistic locking,
signing, finalising, locked versions, closing."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge.services import case_open, case_send
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.messaging.services import RecipientChoice
from samplan.patients.identity import parse_identity
from samplan.patients.models import Consent, ConsentScope, Patient
from samplan.patients.services import consent_withdraw
from samplan.sip import selectors, services, versions
from samplan.sip.content import InterventionData, plan_text_of
from samplan.sip.models import (
    Answer,
    EventKind,
    PlanState,
    SignatureMethod,
    SipIntervention,
    SipParticipant,
    SipSignature,
    SipVersion,
)
from samplan.sip.tests.conftest import (
    accept,
    accept_all,
    finalise,
    finalised_plan,
    full_text,
    key,
    req,
    sign_all,
    start,
    summon,
    write,
)
from samplan.testing import UnitFactory, user_with_role

STOCKHOLM = ZoneInfo("Europe/Stockholm")


# --- starting a plan --------------------------------------------------------------------------


def test_start_makes_a_draft_with_initiator_and_chosen_units_and_sends_nothing(sip):
    plan = start(sip)
    assert plan.state == PlanState.INITIATIVE
    rows = {p.unit: (p.role, p.answer) for p in plan.participants.all()}
    assert rows == {
        sip.school: ("initiator", Answer.ACCEPTED),
        sip.bup: ("summoned", Answer.NOT_SENT),
        sip.social: ("summoned", Answer.NOT_SENT),
    }
    assert plan.current_version.number == 1
    assert plan.current_version.goals == "Gå i skolan varje dag"
    assert not Message.objects.exists()
    consent = Consent.objects.get(patient=sip.child)
    assert (consent.scope, consent.given_by_name) == (ConsentScope.SIP, "Eva Ek")
    assert AccessLogEntry.objects.filter(patient=sip.child, action="create").exists()


def test_start_twice_with_the_same_form_makes_one_plan(sip):
    request = req(sip.counsellor, sip.school)
    kwargs = {
        "actor": request,
        "initiative": services.Initiative(purpose="Syfte"),
        "units": [sip.bup],
        "creation_key": "same",
        "identity": parse_identity(sip.child.identity_number),
    }
    first = services.sip_create(**kwargs)
    second = services.sip_create(**kwargs)
    assert first.pk == second.pk


def test_start_registers_a_new_person(sip):
    from samplan.patients.services import PatientDetails
    from samplan.patients.testing import make_personnummer

    number = make_personnummer(datetime.date(2015, 1, 2))
    plan = services.sip_create(
        actor=req(sip.counsellor, sip.school),
        initiative=services.Initiative(purpose="Syfte"),
        units=[sip.bup],
        creation_key=key(),
        identity=parse_identity(number),
        patient_details=PatientDetails(first_name="Nils", last_name="Ny"),
    )
    assert Patient.objects.get(identity_number=number) == plan.patient


def test_cannot_summon_own_unit_or_a_unit_without_inbox(sip):
    no_inbox = UnitFactory(organization=sip.cast.region, has_inbox=False)
    for units in ([sip.school], [no_inbox], [sip.bup, sip.bup]):
        with pytest.raises(services.SipError):
            start(sip, units=units)


def test_a_unit_without_inbox_cannot_start(sip):
    admin_unit = UnitFactory(organization=sip.cast.municipality, has_inbox=False)
    manager = user_with_role("chef", admin_unit, "manager")
    with pytest.raises(services.SipError):
        services.sip_create(
            actor=req(manager, admin_unit),
            initiative=services.Initiative(purpose="Syfte"),
            units=[sip.bup],
            creation_key=key(),
            identity=parse_identity(sip.child.identity_number),
        )


# --- consent --------------------------------------------------------------------------------------


def test_nothing_is_sent_without_consent(sip):
    plan = start(sip, consent=False)
    with pytest.raises(services.SipError, match="samtycke"):
        summon(sip, plan)
    assert not Message.objects.exists()
    plan.refresh_from_db()
    assert plan.state == PlanState.INITIATIVE
    services.sip_consent_record(
        actor=req(sip.counsellor, sip.school),
        plan=plan,
        consent=services.ConsentGiven(
            given_by="guardian", given_at=timezone.now(), given_by_name="Eva Ek"
        ),
        form_token=None,
    )
    message = summon(sip, plan)
    assert message.message_type == MessageType.SIP_SUMMONS


def test_withdrawn_consent_stops_sending_and_shows_on_the_plan(sip):
    plan = start(sip, units=[sip.bup])
    summon(sip, plan)
    consent = Consent.objects.get(patient=sip.child)
    consent_withdraw(actor=req(sip.counsellor, sip.school), consent=consent, reason="Ångrat")
    plan.refresh_from_db()
    services.sip_units_choose(actor=req(sip.counsellor, sip.school), plan=plan, units=[sip.social])
    with pytest.raises(services.SipError, match="återkall"):
        summon(sip, plan)
    assert Message.objects.count() == 1
    plan.refresh_from_db()
    assert plan.consent == consent  # the plan still names the consent, now withdrawn
    assert plan.consent.withdrawn_at is not None


# --- summons and answers ---------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2030, 3, 11, 8, 0, tzinfo=STOCKHOLM), tick=False)
def test_summons_is_one_message_with_a_delivery_per_unit_due_at_the_cutoff(sip):
    plan = start(sip)
    arrived = datetime.datetime(2030, 3, 11, 9, 15, tzinfo=STOCKHOLM)
    with time_machine.travel(arrived, tick=False):
        message = summon(sip, plan)
    assert message.message_type == MessageType.SIP_SUMMONS
    assert message.sip_link.plan == plan
    deliveries = {d.unit: d for d in message.deliveries.all()}
    assert set(deliveries) == {sip.bup, sip.social}
    cutoff = datetime.datetime(2030, 3, 11, 12, 0, tzinfo=STOCKHOLM)
    for participant in plan.participants.filter(role="summoned"):
        assert participant.answer == Answer.PENDING
        assert participant.delivery == deliveries[participant.unit]
        assert participant.due_at == cutoff
        assert deliveries[participant.unit].due_at == cutoff
    plan.refresh_from_db()
    assert plan.state == PlanState.PLANNING
    assert "Samordna stödet" in message.text


@time_machine.travel(datetime.datetime(2030, 3, 11, 8, 0, tzinfo=STOCKHOLM), tick=False)
def test_summons_after_the_cutoff_is_due_next_day(sip):
    plan = start(sip, units=[sip.bup])
    with time_machine.travel(datetime.datetime(2030, 3, 11, 12, 0, tzinfo=STOCKHOLM), tick=False):
        summon(sip, plan)
    participant = plan.participants.get(unit=sip.bup)
    assert participant.due_at == datetime.datetime(2030, 3, 12, 12, 0, tzinfo=STOCKHOLM)


def test_summons_posted_twice_sends_once(sip):
    plan = start(sip)
    request = req(sip.counsellor, sip.school)
    first = services.sip_summons_send(actor=request, plan=plan, idempotency_key="once")
    second = services.sip_summons_send(actor=request, plan=plan, idempotency_key="once")
    assert first == second
    assert Message.objects.count() == 1


def test_accept_names_who_attends_and_acknowledges_the_delivery(sip):
    plan = start(sip)
    summon(sip, plan)
    participant = accept(sip, plan, sip.psychologist, sip.bup)
    assert participant.answer == Answer.ACCEPTED
    assert participant.attendees == "Pia Psykolog"
    delivery = Delivery.objects.get(unit=sip.bup)
    assert delivery.state == DeliveryState.ACKNOWLEDGED
    assert delivery.acknowledged_by == sip.psychologist


def test_answers_need_attendees_or_a_reason_and_are_given_once(sip):
    plan = start(sip)
    summon(sip, plan)
    request = req(sip.social_worker, sip.social)
    with pytest.raises(ValidationError):
        services.sip_answer(actor=request, plan=plan, accept=True, attendees=" ")
    with pytest.raises(ValidationError):
        services.sip_answer(actor=request, plan=plan, accept=False, reason="")
    services.sip_answer(actor=request, plan=plan, accept=False, reason="Inte vår målgrupp")
    with pytest.raises(services.SipError):
        services.sip_answer(actor=request, plan=plan, accept=True, attendees="Sam")
    participant = plan.participants.get(unit=sip.social)
    assert (participant.answer, participant.decline_reason) == (
        Answer.DECLINED,
        "Inte vår målgrupp",
    )


@time_machine.travel(datetime.datetime(2030, 3, 11, 8, 0, tzinfo=STOCKHOLM), tick=False)
def test_late_answer_is_recorded_as_late(sip):
    plan = start(sip, units=[sip.bup])
    with time_machine.travel(datetime.datetime(2030, 3, 11, 9, 0, tzinfo=STOCKHOLM), tick=False):
        summon(sip, plan)
    with time_machine.travel(datetime.datetime(2030, 3, 11, 13, 0, tzinfo=STOCKHOLM), tick=False):
        participant = accept(sip, plan, sip.psychologist, sip.bup)
    assert participant.answered_late
    assert plan.events.get(kind=EventKind.ACCEPTED).detail["late"] is True


def test_a_unit_not_summoned_cannot_answer(sip):
    plan = start(sip, units=[sip.bup])
    summon(sip, plan)
    with pytest.raises(services.SipError):
        services.sip_answer(
            actor=req(sip.cast.home_care_nurse, sip.cast.home_care),
            plan=plan,
            accept=True,
            attendees="x",
        )


def test_summons_from_a_discharge_case_is_the_cases_sip_summons(sip):
    cast = sip.cast
    patient = sip.child
    case, _ = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=patient,
        admitted_at=timezone.now() - datetime.timedelta(days=1),
        opening_key="adm",
    )
    case_send(
        case=case,
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        message_type=MessageType.ADMISSION_NOTICE,
        recipients=[RecipientChoice(unit=cast.care_centre, reason_code="x", reason_text="x")],
        idempotency_key="adm-notice",
    )
    request = req(cast.care_centre_nurse, cast.care_centre)
    plan = services.sip_create(
        actor=request,
        initiative=services.Initiative(purpose="Inför hemgång"),
        units=[cast.home_care],
        creation_key=key(),
        case=case,
        consent=services.ConsentGiven(given_by="person", given_at=timezone.now()),
    )
    assert plan.patient == patient and plan.case == case
    message = services.sip_summons_send(actor=request, plan=plan, idempotency_key="sum")
    assert message.case_link.case == case
    assert message.message_type == MessageType.SIP_SUMMONS
    assert case.messages.filter(message_type=MessageType.SIP_SUMMONS).count() == 1
    # The summoned unit takes part in the case as case_send makes every recipient.
    assert case.participants.filter(unit=cast.home_care, left_at__isnull=True).exists()


def test_only_the_care_contacts_unit_starts_a_sip_from_a_case(sip):
    cast = sip.cast
    case, _ = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=sip.child,
        admitted_at=timezone.now(),
        opening_key="adm",
    )
    with pytest.raises(services.SipError, match="vårdkontakt"):
        services.sip_create(
            actor=req(cast.ward_nurse, cast.ward),
            initiative=services.Initiative(purpose="Syfte"),
            units=[cast.home_care],
            creation_key=key(),
            case=case,
        )


# --- writing: optimistic locking -----------------------------------------------------------------


def test_save_writes_the_text_and_records_the_changes(sip):
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    version = write(sip, plan)
    assert version.revision == 2
    text = plan_text_of(version)
    assert [i.what for i in text.interventions] == [
        "Samtal varje vecka",
        "Familjebehandling",
        "Anpassad studiegång",
    ]
    assert SipIntervention.objects.get(what="Samtal varje vecka").principal == sip.cast.region
    event = plan.events.get(kind=EventKind.SAVED)
    fields = {c["field"] for c in event.detail["changes"]}
    assert {"goals", "intervention", "coordinator", "follow_up_date"} <= fields


def test_a_stale_save_is_refused_and_shows_the_other_persons_change(sip):
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    opened = plan.current_version  # both open the form at revision 1
    versions.sip_plan_save(
        actor=req(sip.psychologist, sip.bup),
        plan=plan,
        version_number=1,
        revision=opened.revision,
        text=full_text(sip, goals="BUP:s formulering"),
    )
    with pytest.raises(versions.StaleEdit) as stale:
        versions.sip_plan_save(
            actor=req(sip.counsellor, sip.school),
            plan=plan,
            version_number=1,
            revision=opened.revision,
            text=full_text(sip, goals="Skolans formulering"),
        )
    assert "medan du skrev" in str(stale.value)
    [missed] = stale.value.missed
    assert missed.user == sip.psychologist
    assert any(c["new"] == "BUP:s formulering" for c in missed.detail["changes"])
    assert stale.value.version.revision == 2
    assert SipVersion.objects.get(pk=opened.pk).goals == "BUP:s formulering"


def test_a_save_that_changes_nothing_writes_nothing(sip):
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    version = write(sip, plan)
    again = write(sip, plan)
    assert again.revision == version.revision
    assert plan.events.filter(kind=EventKind.SAVED).count() == 1


def test_forged_units_and_coordinator_are_refused(sip):
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    outsider = sip.cast.outsider_unit
    for text in (
        full_text(sip, interventions=(InterventionData(what="x", unit=outsider),)),
        full_text(sip, coordinator=sip.cast.outsider, coordinator_unit=sip.school),
        full_text(sip, coordinator=sip.cast.outsider, coordinator_unit=outsider),
        full_text(sip, responsible_principal=sip.cast.other_municipality),
    ):
        with pytest.raises(ValidationError):
            write(sip, plan, text)


def test_pending_and_declined_units_cannot_write(sip):
    plan = start(sip)
    summon(sip, plan)
    services.sip_answer(
        actor=req(sip.social_worker, sip.social), plan=plan, accept=False, reason="Nej"
    )
    for user, unit in ((sip.psychologist, sip.bup), (sip.social_worker, sip.social)):
        with pytest.raises(services.SipError):
            write(sip, plan, user=user, unit=unit)


# --- signing and finalising ----------------------------------------------------------------------


@pytest.fixture
def written(sip):
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    write(sip, plan)
    plan.refresh_from_db()
    return plan


def test_signing_with_password_login_asks_for_the_password(sip, written):
    with pytest.raises(ValidationError, match="lösenord"):
        versions.sip_sign(actor=req(sip.psychologist, sip.bup), plan=written, password="fel")
    with pytest.raises(ValidationError):
        versions.sip_sign(actor=req(sip.psychologist, sip.bup), plan=written, password=None)
    assert not SipSignature.objects.exists()
    signature = versions.sip_sign(
        actor=req(sip.psychologist, sip.bup), plan=written, password=sip.password
    )
    assert (signature.unit, signature.user, signature.method) == (
        sip.bup,
        sip.psychologist,
        SignatureMethod.PASSWORD,
    )


def test_signing_with_smart_card_needs_no_password(sip, written):
    signature = versions.sip_sign(
        actor=req(sip.psychologist, sip.bup, card=True), plan=written, password=None
    )
    assert signature.method == SignatureMethod.SMART_CARD


def test_signing_twice_keeps_one_signature(sip, written):
    request = req(sip.psychologist, sip.bup, card=True)
    first = versions.sip_sign(actor=request, plan=written, password=None)
    assert versions.sip_sign(actor=request, plan=written, password=None) == first


def test_a_user_without_a_sip_role_cannot_sign(sip, written):
    admin = user_with_role("bupadmin", sip.bup, "local_admin")
    reviewer = user_with_role("bupgransk", sip.bup, "log_reviewer")
    for user in (admin, reviewer):
        with pytest.raises(services.SipError):
            versions.sip_sign(actor=req(user, sip.bup, card=True), plan=written, password=None)
    assert not SipSignature.objects.exists()


def test_a_manager_of_the_unit_may_sign(sip, written):
    manager = user_with_role("bupchef", sip.bup, "manager")
    signature = versions.sip_sign(
        actor=req(manager, sip.bup, card=True), plan=written, password=None
    )
    assert signature.user == manager


def test_finalise_needs_every_signature(sip, written):
    versions.sip_sign(actor=req(sip.counsellor, sip.school, card=True), plan=written, password=None)
    versions.sip_sign(actor=req(sip.psychologist, sip.bup, card=True), plan=written, password=None)
    with pytest.raises(services.SipError):
        finalise(sip, written)
    ready = selectors.readiness(written, written.current_version)
    assert ready.unsigned == ("Barn och familj",)
    versions.sip_sign(
        actor=req(sip.social_worker, sip.social, card=True), plan=written, password=None
    )
    version = finalise(sip, written)
    assert version.is_locked
    written.refresh_from_db()
    assert written.state == PlanState.FINALISED
    assert written.next_follow_up == version.follow_up_date


def test_finalise_needs_every_answer(sip):
    plan = start(sip)
    summon(sip, plan)
    accept(sip, plan, sip.psychologist, sip.bup)
    write(sip, plan)
    plan.refresh_from_db()
    versions.sip_sign(actor=req(sip.counsellor, sip.school, card=True), plan=plan, password=None)
    versions.sip_sign(actor=req(sip.psychologist, sip.bup, card=True), plan=plan, password=None)
    assert selectors.readiness(plan, plan.current_version).unanswered == ("Barn och familj",)
    with pytest.raises(services.SipError):
        finalise(sip, plan)


def test_a_save_after_signing_asks_for_new_signatures(sip, written):
    sign_all(sip, written)
    write(sip, written, full_text(sip, goals="Ändrat efter signering"))
    written.refresh_from_db()
    assert selectors.readiness(written, written.current_version).unsigned == (
        "BUP-mottagningen",
        "Barn och familj",
        "Elevhälsan Skolan",
    )
    assert SipSignature.objects.count() == 3  # kept in the history


def test_only_the_coordinator_finalises_and_only_when_confirmed(sip, written):
    sign_all(sip, written)
    with pytest.raises(services.SipError):
        versions.sip_finalise(actor=req(sip.psychologist, sip.bup), plan=written, confirmed=True)
    with pytest.raises(services.SipError):
        versions.sip_finalise(actor=req(sip.counsellor, sip.school), plan=written, confirmed=False)
    written.refresh_from_db()
    assert written.state == PlanState.PLANNING


# --- locked versions, new versions, closing -------------------------------------------------------


def test_a_locked_version_never_changes_a_change_makes_a_new_version(sip):
    plan = finalised_plan(sip)
    locked = plan.current_version
    before = plan_text_of(locked)
    version = write(sip, plan, full_text(sip, goals="Nya mål"))
    assert version.number == 2 and version.based_on == locked
    assert not version.is_locked
    locked.refresh_from_db()
    assert locked.is_locked and locked.goals == before.goals
    assert plan_text_of(locked) == before
    plan.refresh_from_db()
    assert plan.state == PlanState.PLANNING and plan.current_version == version
    assert plan_text_of(version).goals == "Nya mål"


def test_follow_up_makes_version_two_from_the_locked_one(sip):
    plan = finalised_plan(sip)
    version = versions.sip_version_new(actor=req(sip.psychologist, sip.bup), plan=plan)
    assert version.number == 2
    assert plan_text_of(version).interventions == plan_text_of(version.based_on).interventions
    assert not SipSignature.objects.filter(version=version).exists()
    plan.refresh_from_db()
    assert plan.state == PlanState.PLANNING and plan.next_follow_up is None
    # The button pressed twice makes no third version.
    again = versions.sip_version_new(actor=req(sip.psychologist, sip.bup), plan=plan)
    assert again == version


def test_close_with_a_reason_by_the_initiator(sip):
    plan = start(sip)
    with pytest.raises(ValidationError):
        services.sip_close(actor=req(sip.counsellor, sip.school), plan=plan, reason="other")
    closed = services.sip_close(
        actor=req(sip.counsellor, sip.school), plan=plan, reason="goals_reached"
    )
    assert closed.state == PlanState.CLOSED and closed.close_reason == "goals_reached"
    with pytest.raises(services.SipError):
        summon(sip, closed)


def test_a_summoned_unit_that_is_not_coordinator_cannot_close(sip):
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    with pytest.raises(services.SipError):
        services.sip_close(actor=req(sip.psychologist, sip.bup), plan=plan, reason="goals_reached")


def test_more_units_can_be_summoned_while_planning(sip):
    plan = start(sip, units=[sip.bup])
    summon(sip, plan)
    request = req(sip.counsellor, sip.school)
    added = services.sip_units_choose(actor=request, plan=plan, units=[sip.social])
    assert added == [sip.social]
    summon(sip, plan)
    assert SipParticipant.objects.get(plan=plan, unit=sip.social).answer == Answer.PENDING
    assert plan.messages.filter(kind="summons").count() == 2
