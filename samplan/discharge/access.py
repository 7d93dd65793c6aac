"""The only way views reach discharge cases: need-to-know checked, access log written.

A unit sees a case while it takes part in it (CaseParticipant without left_at). A case the
unit may not see raises Http404, so a forged id and a missing one look the same.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from samplan.accounts.access import can_work_with_patients
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.core.actor import Actor
from samplan.discharge.models import DischargeCase
from samplan.messaging.models import Message


def cases_for_unit(unit_id: int) -> QuerySet[DischargeCase]:
    """The cases a unit takes part in now (for lists; the caller logs what it shows)."""
    return DischargeCase.objects.filter(
        participants__unit_id=unit_id, participants__left_at__isnull=True
    )


def case_for_unit(actor: Actor, case_id: int, *, action: str = AccessAction.VIEW) -> DischargeCase:
    """The case, if the current unit takes part in it (else 404); writes one log row."""
    if not can_work_with_patients(actor.user, actor.unit):
        raise Http404
    case = (
        cases_for_unit(actor.unit.pk)
        .select_related("patient", "ward__organization", "region", "municipality")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404
    access_log_record(actor=actor, patient=case.patient, action=action, obj=case, participant=True)
    return case


def message_for_unit(actor: Actor, message_id: int) -> Message:
    """A message the current unit sent or received (else 404); writes one log row."""
    if not can_work_with_patients(actor.user, actor.unit):
        raise Http404
    unit = actor.unit
    message = (
        Message.objects.select_related("patient", "sender_unit", "sender_user", "case")
        .filter(pk=message_id)
        .filter(Q(sender_unit_id=unit.pk) | Q(deliveries__unit_id=unit.pk))
        .distinct()
        .first()
    )
    if message is None:
        raise Http404
    # The unit sent the message or it was addressed to it (by the router, a colleague's
    # choice or a forwarding): that is its need-to-know relation to the person, so the row
    # is not flagged "not a participant" (and three relation queries are spared).
    access_log_record(
        actor=actor,
        patient=message.patient,
        action=AccessAction.VIEW,
        obj=message,
        participant=True,
    )
    return message
