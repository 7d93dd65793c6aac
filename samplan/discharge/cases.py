"""Writes to discharge cases: open, send a message on a case, cancel, withdraw, transfer, close.

Every function runs in one transaction, checks the unit's right and the process rules
(process.py), and records what happened as messages (evidence to other units) or case events.
Need-to-know is checked before these are called, by the access functions in access.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.models import User
from samplan.core.message_types import MessageType
from samplan.discharge import process
from samplan.discharge.models import (
    CaseEvent,
    CaseEventKind,
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
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind
from samplan.patients.models import Patient

# Messages whose only effect is information: they never move the state (process.py).
_STANDING_EXCLUDED = (MessageType.CANCELLATION,)


class CaseError(MessagingError):
    """A refused case action, with a plain Swedish message."""


def _event(case: DischargeCase, kind: str, user: User, unit: Unit, **detail: object) -> None:
    CaseEvent.objects.create(case=case, kind=kind, user=user, unit=unit, detail=detail)


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
            case=case, unit=unit, role=role or _participant_role(case, unit)
        )
        return True
    if existing.left_at is not None:
        CaseParticipant.objects.filter(pk=existing.pk).update(left_at=None)
        return True
    if role and existing.role != role:
        CaseParticipant.objects.filter(pk=existing.pk).update(role=role)
    return False


def municipality_for(patient: Patient) -> Organization | None:
    """The municipality of the person's registered address (folkbokföringskommun)."""
    if not patient.registered_municipality:
        return None
    return Organization.objects.filter(
        kind=OrganizationKind.MUNICIPALITY, area_code=patient.registered_municipality
    ).first()


def case_open(
    *,
    user: User,
    unit: Unit,
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
            _event(case, CaseEventKind.OPENED, user, unit)
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
    case: DischargeCase,
    user: User,
    unit: Unit,
    message_type: str,
    recipients: Sequence[RecipientChoice],
    idempotency_key: str,
    content: dict | None = None,
    text: str = "",
    occurred_at: datetime.datetime | None = None,
) -> Message:
    """Sends one of domain.md §5's messages on the case and moves the case's state."""
    if not process.may_send(unit.kind, process.principal_kind(unit.organization), message_type):
        raise CaseError(_("Your unit cannot send this kind of message."))
    with transaction.atomic():
        case = DischargeCase.objects.select_for_update().get(pk=case.pk)
        already = Message.objects.filter(sender_user=user, idempotency_key=idempotency_key).first()
        if already is not None:
            return already
        new_state = _state_after(case, message_type)
        message = message_send(
            sender_user=user,
            sender_unit=unit,
            patient=case.patient,
            message_type=message_type,
            recipients=recipients,
            idempotency_key=idempotency_key,
            content=content,
            text=text,
            occurred_at=occurred_at,
            extra={"case": case},
        )
        for choice in recipients:
            if participant_add(case=case, unit=choice.unit):
                _event(
                    case, CaseEventKind.PARTICIPANT_ADDED, user, unit, unit_name=choice.unit.name
                )
        if message_type == MessageType.CARE_CONTACT_APPOINTED:
            participant_add(case=case, unit=unit, role=ParticipantRole.CARE_CONTACT)
        updates: dict[str, object] = {}
        estimated = (content or {}).get("estimated_discharge_date")
        if estimated and message_type in (MessageType.PLANNING_INFO, MessageType.ADMISSION_NOTICE):
            updates["estimated_discharge_date"] = datetime.date.fromisoformat(estimated)
        if new_state != case.state:
            updates["state"] = new_state
            _event(case, CaseEventKind.STATE_CHANGED, user, unit, old=case.state, new=new_state)
        if message_type == MessageType.CASE_WITHDRAWN:
            updates["withdrawn_reason"] = (content or {}).get("reason", "")[:40]
        if updates:
            DischargeCase.objects.filter(pk=case.pk).update(**updates)
    return message


def case_cancel_message(
    *, message: Message, reason: str, user: User, unit: Unit, idempotency_key: str
) -> Message:
    """Makulera a message on a case and recompute the case's state from what still stands."""
    case = message.case
    with transaction.atomic():
        cancellation = message_cancel(
            message=message, reason=reason, user=user, unit=unit, idempotency_key=idempotency_key
        )
        if case is not None:
            case = DischargeCase.objects.select_for_update().get(pk=case.pk)
            if case.state not in process.FINAL_STATES:
                standing = [
                    t for t in standing_message_types(case) if t != MessageType.ADMISSION_NOTICE
                ]
                new_state = process.replay([MessageType.ADMISSION_NOTICE, *standing])
                if new_state != case.state:
                    DischargeCase.objects.filter(pk=case.pk).update(state=new_state)
                    _event(
                        case, CaseEventKind.STATE_CHANGED, user, unit, old=case.state, new=new_state
                    )
    return cancellation


def case_transfer(*, case: DischargeCase, to_ward: Unit, user: User, unit: Unit) -> None:
    """The person moves to another ward: the case moves with them (domain.md §5)."""
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
            case,
            CaseEventKind.TRANSFERRED,
            user,
            unit,
            from_ward=old_ward.name,
            to_ward=to_ward.name,
        )


def case_close(*, case: DischargeCase, user: User, unit: Unit) -> None:
    """Avsluta: a discharged case is closed when nothing more is to be done."""
    with transaction.atomic():
        case = DischargeCase.objects.select_for_update().get(pk=case.pk)
        try:
            new_state = process.close_state(case.state)
        except process.TransitionNotAllowed as refused:
            raise CaseError(refused.user_message) from None
        DischargeCase.objects.filter(pk=case.pk).update(state=new_state, closed_at=timezone.now())
        _event(case, CaseEventKind.CLOSED, user, unit, old=case.state, new=new_state)
