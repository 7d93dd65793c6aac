"""Who may report, handle and read deviations; the only way views reach one.

Two sides (samplan.deviations.process.Side):
- the **reporting unit**: its patient-working staff (user, super user) report deviations and
  read those the unit reported, with every organisation's state, answer and comments;
- the **receiving organisation**: users holding the `deviation_handler` role in the
  organisation's receiving unit (DeviationSettings), acting for that unit, see the deviations
  that concern the organisation, and only the organisation's own copy (state, answer, comments).

The patient (need-to-know, domain.md §3): a deviation keeps its link to a case, plan or message,
and shows the person's name and identity number only to a unit that takes part in that case or
plan now (or, for a message outside both, sent it or holds its delivery). Anyone else reads the
deviation without the person's identity. Every read that shows the person writes one
access-log row; the lists write one row per person shown.

A deviation the acting unit may not see raises Http404, so a forged id and a missing one look
the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from samplan.accounts.access import roles_in_unit
from samplan.accounts.models import Role, User
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.core.actor import Actor
from samplan.deviations.models import Deviation, DeviationRecipient, DeviationSettings
from samplan.deviations.process import Side
from samplan.discharge.models import CaseMessage, CaseParticipant
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.organizations.models import Unit
from samplan.patients.access import can_work_with_patients
from samplan.sip.models import VISIBLE_ANSWERS, SipMessage, SipParticipant

_HELD_STATES = (DeliveryState.NEW, DeliveryState.READ, DeliveryState.ACKNOWLEDGED)

# --- Roles --------------------------------------------------------------------------------------


def can_report(user: User, unit: Unit | None) -> bool:
    """Rapportera avvikelse: patient work in the unit acted for."""
    return can_work_with_patients(user, unit)


def is_receiving_unit(unit: Unit | None) -> bool:
    """Whether `unit` is its organisation's receiving unit for deviations (cached on it)."""
    if unit is None:
        return False
    cached = getattr(unit, "_is_deviation_receiver", None)
    if cached is None:
        cached = DeviationSettings.objects.filter(
            organization_id=unit.organization_id, receiving_unit=unit
        ).exists()
        unit._is_deviation_receiver = cached
    return cached


def can_handle(user: User, unit: Unit | None) -> bool:
    """The deviation inbox: a deviation handler acting for the organisation's receiving unit."""
    return (
        unit is not None
        and Role.DEVIATION_HANDLER in roles_in_unit(user, unit)
        and is_receiving_unit(unit)
    )


def can_use_deviations(user: User, unit: Unit | None) -> bool:
    """The header's Avvikelser link: reporters, handlers, and administrators (who set the
    receiving unit)."""
    from samplan.accounts.access import is_administrator

    return can_report(user, unit) or can_handle(user, unit) or is_administrator(user)


def can_edit_settings(user: User, organization_id: int) -> bool:
    """The receiving unit: the organisation's local and system administrators."""
    from samplan.accounts.access import administered_organization_ids

    return organization_id in administered_organization_ids(user)


# --- Lists --------------------------------------------------------------------------------------


def reported_by_unit(unit: Unit) -> QuerySet[Deviation]:
    """The deviations a unit reported (deviation_unit_idx)."""
    return Deviation.objects.filter(reporting_unit=unit)


def received_by_organization(unit: Unit) -> QuerySet[DeviationRecipient]:
    """The deviations that concern the unit's organisation (devrecipient_inbox_idx)."""
    return DeviationRecipient.objects.filter(organization_id=unit.organization_id)


# --- Need-to-know on the person ----------------------------------------------------------------


def _takes_part_in_case(unit_id: int, case_id: int) -> bool:
    return CaseParticipant.objects.filter(
        case_id=case_id, unit_id=unit_id, left_at__isnull=True
    ).exists()


def _takes_part_in_plan(unit_id: int, plan_id: int) -> bool:
    return SipParticipant.objects.filter(
        plan_id=plan_id, unit_id=unit_id, answer__in=VISIBLE_ANSWERS
    ).exists()


def _knows_message(unit_id: int, message_id: int) -> bool:
    case_id = (
        CaseMessage.objects.filter(message_id=message_id).values_list("case_id", flat=True).first()
    )
    if case_id is not None:
        return _takes_part_in_case(unit_id, case_id)
    plan_id = (
        SipMessage.objects.filter(message_id=message_id).values_list("plan_id", flat=True).first()
    )
    if plan_id is not None:
        return _takes_part_in_plan(unit_id, plan_id)
    return (
        Message.objects.filter(pk=message_id, sender_unit_id=unit_id).exists()
        or Delivery.objects.filter(
            message_id=message_id, unit_id=unit_id, state__in=_HELD_STATES
        ).exists()
    )


def link_known_to(unit_id: int, *, case_id=None, plan_id=None, message_id=None) -> bool:
    """Whether the unit takes part in the linked case or plan now (or knows the message)."""
    if case_id is not None:
        return _takes_part_in_case(unit_id, case_id)
    if plan_id is not None:
        return _takes_part_in_plan(unit_id, plan_id)
    if message_id is not None:
        return _knows_message(unit_id, message_id)
    return False


def shows_patient(unit: Unit, deviation: Deviation) -> bool:
    """Whether the acting unit may see the person the deviation is about."""
    if deviation.patient_id is None:
        return False
    return link_known_to(
        unit.pk,
        case_id=deviation.case_id,
        plan_id=deviation.plan_id,
        message_id=deviation.message_id,
    )


def shown_patient_ids(unit: Unit, deviations: list[Deviation]) -> set[int]:
    """The deviations (ids) of a list page whose person the unit may see, in three queries."""
    with_patient = [d for d in deviations if d.patient_id is not None]
    if not with_patient:
        return set()
    case_ids = {d.case_id for d in with_patient if d.case_id}
    plan_ids = {d.plan_id for d in with_patient if d.plan_id}
    message_ids = {d.message_id for d in with_patient if d.message_id}
    cases = set(
        CaseParticipant.objects.filter(
            unit=unit, case_id__in=case_ids, left_at__isnull=True
        ).values_list("case_id", flat=True)
    )
    plans = set(
        SipParticipant.objects.filter(
            unit=unit, plan_id__in=plan_ids, answer__in=VISIBLE_ANSWERS
        ).values_list("plan_id", flat=True)
    )
    messages: set[int] = set()
    if message_ids:
        # A message on a case or plan counts through it; any other: sent or held.
        messages = set(
            Message.objects.filter(pk__in=message_ids)
            .filter(
                Q(
                    case_link__case__participants__unit=unit,
                    case_link__case__participants__left_at__isnull=True,
                )
                | Q(
                    sip_link__plan__participants__unit=unit,
                    sip_link__plan__participants__answer__in=VISIBLE_ANSWERS,
                )
                | Q(case_link__isnull=True, sip_link__isnull=True, sender_unit=unit)
                | Q(
                    case_link__isnull=True,
                    sip_link__isnull=True,
                    deliveries__unit=unit,
                    deliveries__state__in=_HELD_STATES,
                )
            )
            .values_list("pk", flat=True)
        )
    return {
        d.pk
        for d in with_patient
        if (d.case_id and d.case_id in cases)
        or (d.plan_id and d.plan_id in plans)
        or (d.message_id and d.message_id in messages)
    }


# --- The accessor -------------------------------------------------------------------------------


@dataclass
class DeviationView:
    """A deviation as the acting unit may see it."""

    deviation: Deviation
    side: Side
    recipients: list[DeviationRecipient]  # the reporter: all; a handler: their organisation's
    patient_shown: bool

    @property
    def own_recipient(self) -> DeviationRecipient | None:
        """The handler's copy (the organisation acted for), else None."""
        return self.recipients[0] if self.side == Side.HANDLER else None


_RELATED = ("reporting_unit__organization", "reported_by", "patient", "case", "plan", "message")


def deviation_for_unit(
    actor: Actor, pk: int, *, action: str = AccessAction.VIEW, detail: str = ""
) -> DeviationView:
    """The deviation, if the acting unit reported it or handles it (else 404).

    Writes one access-log row when it shows the person (the caller's `action`: view, print,
    export, update).
    """
    user, unit = actor.user, actor.unit
    deviation = Deviation.objects.select_related(*_RELATED).filter(pk=pk).first()
    if deviation is None or unit is None:
        raise Http404
    recipients = DeviationRecipient.objects.filter(deviation=deviation).select_related(
        "organization", "unit", "answered_by"
    )
    if deviation.reporting_unit_id == unit.pk and can_report(user, unit):
        side = Side.REPORTER
        shown = list(recipients.order_by("organization__name"))
    elif can_handle(user, unit):
        side = Side.HANDLER
        shown = list(recipients.filter(organization_id=unit.organization_id))
        if not shown:
            raise Http404
    else:
        raise Http404
    patient_shown = shows_patient(unit, deviation)
    if patient_shown:
        access_log_record(
            actor=actor,
            patient=deviation.patient,
            action=action,
            obj=deviation,
            detail=detail,
            participant=True,
        )
    return DeviationView(
        deviation=deviation, side=side, recipients=shown, patient_shown=patient_shown
    )


# --- Follow-up indicators ---------------------------------------------------------------------


def indicator_recipients(
    organization_id: int, unit_ids: Iterable[int] | None = None
) -> QuerySet[DeviationRecipient]:
    """The deviations a report reader counts (no person is shown): those reported by or to the
    organisation; for a reach of some units (a manager's, or one unit chosen), those reported
    by the units or received in them."""
    if unit_ids is None:
        return DeviationRecipient.objects.filter(
            Q(organization_id=organization_id) | Q(reporting_organization_id=organization_id)
        )
    ids = list(unit_ids)
    return DeviationRecipient.objects.filter(
        Q(deviation__reporting_unit_id__in=ids) | Q(unit_id__in=ids)
    )
