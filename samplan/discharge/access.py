"""The only way views reach discharge cases: need-to-know checked, access log written.

A unit sees a case while it takes part in it (CaseParticipant without left_at). A case the
unit may not see raises Http404, so a forged id and a missing one look the same.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from samplan.accounts.access import can_work_with_patients
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.core.actor import Actor
from samplan.discharge.models import DischargeCase


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
