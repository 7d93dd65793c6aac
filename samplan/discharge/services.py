"""Writes to discharge cases: open, send a message on a case, cancel, withdraw, transfer, close.

Every function runs in one transaction, checks the unit's right and the process rules
(process.py), and records what happened as messages (evidence to other units) or case events.
Need-to-know is checked before these are called, by the access functions in access.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.access import require
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.auditlog.details import detail_code
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge import process
from samplan.discharge.access import acts_for_case_ward, can_open_discharge_case
from samplan.discharge.models import (
    CaseEvent,
    CaseEventKind,
    CaseMessage,
    CaseParticipant,
    DischargeCase,
    ParticipantRole,
)
from samplan.messaging.models import Message
from samplan.messaging.services import (
    MessagingError,
    RecipientChoice,
    message_cancel,
    message_send,
)
from samplan.organizations.agreements import answer_due_times
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind
from samplan.patients.identity import Identity
from samplan.patients.models import Patient
from samplan.patients.services import PatientDetails, patient_create

# Messages whose only effect is information: they never move the state (process.py).
_STANDING_EXCLUDED = (MessageType.CANCELLATION,)


class CaseError(MessagingError):
    """A refused case action, with a plain Swedish message."""


class PatientNotRegistered(CaseError):
    """Nytt ärende for a number samplan does not know yet: the names are needed first."""


def _event(case: DischargeCase, kind: str, actor: Actor, **detail: object) -> None:
    CaseEvent.objects.create(case=case, kind=kind, user=actor.user, unit=actor.unit, detail=detail)


def _participant_role(case: DischargeCase, unit: Unit) -> str:
    if unit.kind in process.WARD_KINDS:
        return ParticipantRole.WARD
    if unit.organization_id == case.municipality_id or unit.kind in process.MUNICIPAL_KINDS:
        return ParticipantRole.MUNICIPALITY
    if unit.kind == UnitKind.PRIMARY_CARE_CENTRE:
        return ParticipantRole.CARE_CENTRE
    return ParticipantRole.ADDED


def participant_add(*, case: DischargeCase, unit: Unit, role: str | None = None) -> bool:
    """Makes `unit` a participant (again); returns True if it was not one before."""
    existing = CaseParticipant.objects.filter(case=case, unit=unit).first()
    if existing is None:
        CaseParticipant.objects.create(
            case=case, unit=unit, role=role or _participant_role(case, unit), case_open=case.is_open
        )
        return True
    if existing.left_at is not None:
        CaseParticipant.objects.filter(pk=existing.pk).update(left_at=None)
        return True
    if role and existing.role != role:
        CaseParticipant.objects.filter(pk=existing.pk).update(role=role)
    return False


def participants_add(*, case: DischargeCase, units: Sequence[Unit]) -> list[Unit]:
    """Makes each of `units` a participant (again), with one read for all of them; returns
    those that were not participants before (as participant_add, for a send's recipients)."""
    existing = {
        p.unit_id: p for p in CaseParticipant.objects.filter(case=case, unit__in=list(units))
    }
    added = []
    for unit in units:
        participant = existing.get(unit.pk)
        if participant is None:
            existing[unit.pk] = CaseParticipant.objects.create(
                case=case, unit=unit, role=_participant_role(case, unit), case_open=case.is_open
            )
            added.append(unit)
        elif participant.left_at is not None:
            CaseParticipant.objects.filter(pk=participant.pk).update(left_at=None)
            participant.left_at = None
            added.append(unit)
    return added


def case_participant_join(*, actor: Actor, case: DischargeCase, unit: Unit) -> bool:
    """The unit takes part in the case (again), with the event in the case's timeline; for a
    message forwarded to it from outside the case's own flow (messaging's stuck messages).
    Returns True if it was not a participant before. Runs in the caller's transaction."""
    added = participant_add(case=case, unit=unit)
    if added:
        _event(case, CaseEventKind.PARTICIPANT_ADDED, actor, unit_name=unit.name)
    return added


def municipality_for(patient: Patient) -> Organization | None:
    """The municipality of the person's registered address (folkbokföringskommun)."""
    if not patient.registered_municipality:
        return None
    return Organization.objects.filter(
        kind=OrganizationKind.MUNICIPALITY, area_code=patient.registered_municipality
    ).first()


def case_open(
    *,
    actor: Actor,
    patient: Patient,
    admitted_at: datetime.datetime,
    opening_key: str,
    care_type: str | None = None,
    estimated_discharge_date: datetime.date | None = None,
) -> tuple[DischargeCase, bool]:
    """Opens the case for the patient's stay; returns (case, created).

    If the patient already has an open case, that case is returned instead (domain.md §5:
    "a second attempt shows the existing case").
    """
    user, unit = actor.user, actor.unit
    if unit.kind not in process.WARD_KINDS:
        raise CaseError(_("Only a hospital ward can open a discharge case."))
    if admitted_at > timezone.now():
        raise CaseError(_("The admission time cannot be in the future."))
    existing = DischargeCase.objects.filter(patient=patient, state__in=process.OPEN_STATES).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            case = DischargeCase.objects.create(
                patient=patient,
                ward=unit,
                care_type=care_type or process.care_type_for_ward(unit.kind),
                admitted_at=admitted_at,
                estimated_discharge_date=estimated_discharge_date,
                region=_principal(unit.organization),
                municipality=municipality_for(patient),
                opened_by=user,
                opening_key=opening_key,
            )
            participant_add(case=case, unit=unit, role=ParticipantRole.WARD)
            _event(case, CaseEventKind.OPENED, actor)
    except IntegrityError:
        existing = DischargeCase.objects.filter(
            patient=patient, state__in=process.OPEN_STATES
        ).first()
        if existing is None:
            raise
        return existing, False
    return case, True


def _principal(organization: Organization) -> Organization:
    if organization.kind == OrganizationKind.PRIVATE_PROVIDER and organization.contracted_by:
        return organization.contracted_by
    return organization


def standing_message_types(case: DischargeCase) -> list[str]:
    """The case's messages that still stand (not cancelled, not cancellations), in order."""
    return list(
        case.messages.filter(cancelled_at__isnull=True)
        .exclude(message_type__in=_STANDING_EXCLUDED)
        .order_by("sent_at", "pk")
        .values_list("message_type", flat=True)
    )


def _state_after(case: DischargeCase, message_type: str) -> str:
    if message_type == MessageType.ADMISSION_NOTICE:
        if MessageType.ADMISSION_NOTICE in standing_message_types(case):
            raise CaseError(
                _(
                    "The admission notice has already been sent. Tell changes in planning "
                    "information, or cancel the notice and send a new one."
                )
            )
        return case.state
    try:
        return process.next_state(case.state, message_type)
    except process.TransitionNotAllowed as refused:
        raise CaseError(refused.user_message) from None


def case_default_recipients(case: DischargeCase, sender_unit: Unit) -> list[RecipientChoice]:
    """The case's participants other than the sender: who gets a message on the case."""
    participants = (
        CaseParticipant.objects.filter(case=case, left_at__isnull=True)
        .exclude(unit=sender_unit)
        .select_related("unit")
        .order_by("role", "unit__name")
    )
    return [
        RecipientChoice(
            unit=p.unit,
            reason_code="participant",
            reason_text=_("Takes part in the case (%(role)s)") % {"role": p.get_role_display()},
        )
        for p in participants
        if p.unit.has_inbox
    ]


def case_send(
    *,
    actor: Actor,
    case: DischargeCase,
    message_type: str,
    recipients: Sequence[RecipientChoice],
    idempotency_key: str,
    content: dict | None = None,
    text: str = "",
    occurred_at: datetime.datetime | None = None,
) -> Message:
    """Sends one of domain.md §5's messages on the case and moves the case's state.

    Each receiver answers by the first cut-off after the send, under the agreement between
    the two organisations (organizations.agreements); the case links the message to itself.
    """
    user, unit = actor.user, actor.unit
    if not process.may_send(unit.kind, process.principal_kind(unit.organization), message_type):
        raise CaseError(_("Your unit cannot send this kind of message."))
    with transaction.atomic():
        case = DischargeCase.objects.select_for_update().get(pk=case.pk)
        already = Message.objects.filter(sender_user=user, idempotency_key=idempotency_key).first()
        if already is not None:
            return already
        new_state = _state_after(case, message_type)
        now = timezone.now()
        due_at = answer_due_times(
            arrived_at=now, sender_unit=unit, units=[c.unit for c in recipients]
        )
        message = message_send(
            actor=actor,
            patient=case.patient,
            message_type=message_type,
            recipients=[replace(choice, due_at=due_at[choice.unit.pk]) for choice in recipients],
            idempotency_key=idempotency_key,
            content=content,
            text=text,
            occurred_at=occurred_at,
            sent_at=now,
        )
        CaseMessage.objects.get_or_create(message=message, defaults={"case": case})
        for added in participants_add(case=case, units=[c.unit for c in recipients]):
            _event(case, CaseEventKind.PARTICIPANT_ADDED, actor, unit_name=added.name)
        if message_type == MessageType.CARE_CONTACT_APPOINTED:
            participant_add(case=case, unit=unit, role=ParticipantRole.CARE_CONTACT)
        updates: dict[str, object] = {}
        estimated = (content or {}).get("estimated_discharge_date")
        if estimated and message_type in (MessageType.PLANNING_INFO, MessageType.ADMISSION_NOTICE):
            new_date = datetime.date.fromisoformat(estimated)
            if new_date != case.estimated_discharge_date:
                updates["estimated_discharge_date"] = new_date
                # In the timeline as a change of the case too: the told-at-once date (§5).
                _event(
                    case,
                    CaseEventKind.UPDATED,
                    actor,
                    changes={
                        "estimated_discharge_date": [
                            _iso(case.estimated_discharge_date),
                            new_date.isoformat(),
                        ]
                    },
                )
        if new_state != case.state:
            updates["state"] = new_state
            _event(case, CaseEventKind.STATE_CHANGED, actor, old=case.state, new=new_state)
        if message_type == MessageType.CASE_WITHDRAWN:
            updates["withdrawn_reason"] = (content or {}).get("reason", "")[:40]
        if updates:
            # A final state takes the case off its units' open lists: the database sets
            # CaseParticipant.case_open (migration discharge 0009), in this transaction.
            DischargeCase.objects.filter(pk=case.pk).update(**updates)
    return message


def case_cancel_message(
    *, actor: Actor, message: Message, reason: str, idempotency_key: str
) -> Message:
    """Makulera a message on a case and recompute the case's state from what still stands."""
    link = CaseMessage.objects.filter(message=message).select_related("case").first()
    case = link.case if link is not None else None
    with transaction.atomic():
        cancellation = message_cancel(
            actor=actor, message=message, reason=reason, idempotency_key=idempotency_key
        )
        if case is not None:
            # The cancellation belongs to the case's history (timeline, Översikt) like the
            # message it voids; messaging does not know about cases.
            CaseMessage.objects.get_or_create(message=cancellation, defaults={"case": case})
            case = DischargeCase.objects.select_for_update().get(pk=case.pk)
            if case.state not in process.FINAL_STATES:
                standing = [
                    t for t in standing_message_types(case) if t != MessageType.ADMISSION_NOTICE
                ]
                new_state = process.replay([MessageType.ADMISSION_NOTICE, *standing])
                if new_state != case.state:
                    DischargeCase.objects.filter(pk=case.pk).update(state=new_state)
                    _event(case, CaseEventKind.STATE_CHANGED, actor, old=case.state, new=new_state)
    return cancellation


def case_transfer(*, actor: Actor, case: DischargeCase, to_ward: Unit) -> None:
    """The person moves to another ward: the case moves with them (domain.md §5)."""
    require(acts_for_case_ward(actor.user, actor.unit, case))
    if to_ward.kind not in process.WARD_KINDS or not to_ward.has_inbox:
        raise CaseError(_("Choose a hospital ward to transfer to."))
    if to_ward.pk == case.ward_id:
        raise CaseError(_("The person is already on that ward."))
    with transaction.atomic():
        case = DischargeCase.objects.select_for_update().get(pk=case.pk)
        if not case.is_open:
            raise CaseError(_("A closed or withdrawn case cannot be transferred."))
        old_ward = case.ward
        DischargeCase.objects.filter(pk=case.pk).update(ward=to_ward)
        CaseParticipant.objects.filter(case=case, unit=old_ward).update(left_at=timezone.now())
        participant_add(case=case, unit=to_ward, role=ParticipantRole.WARD)
        _event(
            case, CaseEventKind.TRANSFERRED, actor, from_ward=old_ward.name, to_ward=to_ward.name
        )


def case_close(*, actor: Actor, case: DischargeCase) -> None:
    """Avsluta: a discharged case is closed when nothing more is to be done."""
    require(acts_for_case_ward(actor.user, actor.unit, case))
    with transaction.atomic():
        case = DischargeCase.objects.select_for_update().get(pk=case.pk)
        try:
            new_state = process.close_state(case.state)
        except process.TransitionNotAllowed as refused:
            raise CaseError(refused.user_message) from None
        DischargeCase.objects.filter(pk=case.pk).update(state=new_state, closed_at=timezone.now())
        _event(case, CaseEventKind.CLOSED, actor, old=case.state, new=new_state)


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def case_has_admission_notice(case: DischargeCase) -> bool:
    return case.messages.filter(
        message_type=MessageType.ADMISSION_NOTICE, cancelled_at__isnull=True
    ).exists()


def case_sendable_types(
    case: DischargeCase, unit: Unit, *, has_admission_notice: bool | None = None
) -> list[str]:
    """The message types `unit` may send on the case now, in domain.md's order.

    process.sendable_message_types, plus the admission notice while the person is in
    hospital and none stands (the case is opened before its notice is sent, and a cancelled
    notice is sent anew); minus cancellation, which is an action on a sent message.
    `has_admission_notice` is case_has_admission_notice(case) when the caller has already
    read the case's messages (the case page), so it is not asked again.
    """
    try:
        principal = process.principal_kind(unit.organization)
    except ValueError:
        return []
    types = [
        t
        for t in process.sendable_message_types(case.state, unit.kind, principal)
        if t != MessageType.CANCELLATION
    ]
    if (
        case.state in (process.CaseState.ADMITTED, process.CaseState.READY)
        and process.may_send(unit.kind, principal, MessageType.ADMISSION_NOTICE)
        and not (
            case_has_admission_notice(case)
            if has_admission_notice is None
            else has_admission_notice
        )
    ):
        types.insert(0, MessageType.ADMISSION_NOTICE)
    return types


@dataclass(frozen=True)
class CaseOpening:
    case: DischargeCase
    created: bool  # True also for a repeated post of the form that opened it
    patient_created: bool


def case_admit(
    *,
    actor: Actor,
    identity: Identity,
    details: PatientDetails | None,
    admitted_at: datetime.datetime,
    opening_key: str,
    care_type: str | None = None,
    estimated_discharge_date: datetime.date | None = None,
) -> CaseOpening:
    """Nytt ärende: find (or, with `details`, register) the patient and open the case.

    Without `details`, a number samplan does not know raises PatientNotRegistered, so the
    form can ask for the names. A second post of the same form (same `opening_key`) finds the
    case the first one opened. Every attempt writes one access-log row.
    """
    user, unit = actor.user, actor.unit
    require(can_open_discharge_case(user, unit))
    patient = Patient.objects.filter(identity_number=identity.number).first()
    if patient is not None and patient.merged_into_id:
        patient = patient.merged_into
    if patient is None and details is None:
        access_log_record(
            actor=actor,
            patient=None,
            action=AccessAction.SEARCH,
            searched_identity=identity.number,
            detail=detail_code("new_case_not_registered"),
        )
        raise PatientNotRegistered(
            _(
                "The patient is not registered in samplan yet. Enter the name and "
                "registered address below; the patient is registered when the case opens."
            )
        )
    with transaction.atomic():
        patient_created = False
        if patient is None:
            creation = patient_create(actor=actor, identity=identity, details=details)
            patient, patient_created = creation.patient, creation.created
        case, created = case_open(
            actor=actor,
            patient=patient,
            admitted_at=admitted_at,
            opening_key=opening_key,
            care_type=care_type,
            estimated_discharge_date=estimated_discharge_date,
        )
        repeated = not created and case.opened_by_id == user.pk and case.opening_key == opening_key
        access_log_record(
            actor=actor,
            patient=patient,
            action=AccessAction.CREATE if created else AccessAction.SEARCH,
            obj=case,
            detail="" if created else detail_code("new_case_open_exists"),
        )
    return CaseOpening(case=case, created=created or repeated, patient_created=patient_created)


# Case details the ward may change, and their types for the timeline's record of changes.
CASE_DETAIL_FIELDS = (
    "care_type",
    "estimated_discharge_date",
    "services_need_assessed_at",
    "care_contact_needed",
    "sip_needed",
    "services_refused",
)


def case_update(
    *,
    actor: Actor,
    case: DischargeCase,
    care_type: str,
    estimated_discharge_date: datetime.date | None,
    services_need_assessed_at: datetime.datetime | None,
    care_contact_needed: bool,
    sip_needed: bool,
    services_refused: bool,
) -> dict[str, list]:
    """The ward changes the case's details (the inputs of deadlines and payment liability).

    Returns the changes as {field: [old, new]}; each change is one event in the timeline.
    """
    require(acts_for_case_ward(actor.user, actor.unit, case))
    if services_need_assessed_at is not None:
        if services_need_assessed_at > timezone.now():
            raise CaseError(_("The time of the assessment cannot be in the future."))
        if services_need_assessed_at < case.admitted_at:
            raise CaseError(_("The assessment cannot be before the admission."))
    new = {
        "care_type": care_type,
        "estimated_discharge_date": estimated_discharge_date,
        "services_need_assessed_at": services_need_assessed_at,
        "care_contact_needed": care_contact_needed,
        "sip_needed": sip_needed,
        "services_refused": services_refused,
    }
    with transaction.atomic():
        locked = DischargeCase.objects.select_for_update().get(pk=case.pk)
        if not locked.is_open:
            raise CaseError(_("A closed or withdrawn case cannot be changed."))
        changes = {}
        for name in CASE_DETAIL_FIELDS:
            old = getattr(locked, name)
            if old != new[name]:
                changes[name] = [_plain(old), _plain(new[name])]
        if changes:
            DischargeCase.objects.filter(pk=case.pk).update(**{name: new[name] for name in changes})
            _event(case, CaseEventKind.UPDATED, actor, changes=changes)
    return changes


def _plain(value: object) -> object:
    """A value as JSON keeps it: dates and times as ISO text."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value
