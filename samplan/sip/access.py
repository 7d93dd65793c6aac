"""The only way views reach plans: need-to-know checked, access log written.

A unit sees a plan while it is the initiator, or a summoned unit whose summons was sent and
that has not declined (SipParticipant.answer pending or accepted). A unit that declined no
longer sees the plan or, through it, the person. The user must hold a SIP role in the unit
(accounts.access.can_work_with_sip). A plan the unit may not see raises Http404, so a forged id
and a missing one look the same. Every call writes one access-log row: viewing, printing a
PDF or comparing versions.
"""

from __future__ import annotations

from django.http import Http404

from samplan.accounts.access import can_work_with_sip
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.core.actor import Actor
from samplan.messaging.models import Message
from samplan.sip.models import VISIBLE_ANSWERS, SipParticipant, SipPlan, SipVersion
from samplan.sip.process import Viewer

_PLAN_RELATED = (
    "patient__listed_care_centre",
    "initiator_unit__organization",
    "initiated_by",
    "case",
    "consent",
    "current_version__coordinator",
    "current_version__coordinator_unit",
    "current_version__responsible_principal",
)


def plan_for_unit(
    actor: Actor, plan_id: int, *, action: str = AccessAction.VIEW, detail: str = ""
) -> SipPlan:
    """The plan, if the current unit sees it (else 404); writes one access-log row.

    Sets plan.viewer (process.Viewer) and plan.participation (the unit's SipParticipant).
    """
    unit = actor.unit
    if not can_work_with_sip(actor.user, unit):
        raise Http404
    participation = (
        SipParticipant.objects.select_related("delivery")
        .filter(plan_id=plan_id, unit=unit, answer__in=VISIBLE_ANSWERS)
        .first()
    )
    if participation is None:
        raise Http404
    plan = SipPlan.objects.select_related(*_PLAN_RELATED).get(pk=plan_id)
    access_log_record(actor=actor, patient=plan.patient, action=action, obj=plan, detail=detail)
    version = plan.current_version
    plan.participation = participation
    plan.viewer = Viewer(
        role=participation.role,
        answer=participation.answer,
        may_work=True,
        is_coordinator=version is not None
        and version.coordinator_id == actor.user.pk
        and version.coordinator_unit_id == unit.pk,
    )
    return plan


def version_of(plan: SipPlan, number: int) -> SipVersion:
    """A version of a plan already fetched through plan_for_unit (else 404)."""
    version = (
        SipVersion.objects.select_related(
            "coordinator", "coordinator_unit", "responsible_principal", "created_by", "locked_by"
        )
        .filter(plan=plan, number=number)
        .first()
    )
    if version is None:
        raise Http404
    return version


def plan_id_for_message(actor: Actor, message_id: int) -> int:
    """The plan a SIP message (summons or reminder) belongs to, if the unit sees the plan.

    For the link from a message in Mottagna to its plan; plan_for_unit then logs the view.
    """
    plan_id = (
        Message.objects.filter(pk=message_id, sip_link__isnull=False)
        .values_list("sip_link__plan_id", flat=True)
        .first()
    )
    if plan_id is None or actor.unit is None:
        raise Http404
    return plan_id
