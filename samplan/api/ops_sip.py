"""Coordinated individual plans (SIP) through the API: the unit's summonses, answering one,
and reading a plan's current version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from samplan.api import journal
from samplan.api.auth import act
from samplan.api.models import Scope
from samplan.api.presenting import patient_out, unit_ref
from samplan.api.problems import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, ApiProblem
from samplan.api.schemas import (
    AnswerIn,
    AnswerOut,
    IdempotencyHeader,
    IdPath,
    JournalNoteOut,
    NumberPath,
    PersonHeader,
    SipVersionOut,
    SummonsListOut,
    UnitHeader,
)
from samplan.auditlog.access_log import AccessAction, access_log_record_many
from samplan.sip.access import plan_for_unit, version_of
from samplan.sip.models import SipIntervention, SipParticipant
from samplan.sip.process import Answer, ParticipantRole
from samplan.sip.services import SipError, sip_answer

router = Router(tags=["SIP"])

SUMMONS_LIMIT = 200


@router.get(
    "/sip/summons",
    response={200: SummonsListOut, **ERROR_RESPONSES},
    summary="The unit's summonses to SIP that wait for an answer",
    operation_id="sip_summons_list",
)
def summons_list(
    request: HttpRequest, unit: UnitHeader, person: PersonHeader = None
) -> dict[str, object]:
    """Summonses to the unit not yet answered, oldest first (at most 200). Names the persons,
    so each is logged once in the access log (as the SIP list on the page)."""
    actor = act(request, unit=unit, person=person, scope=Scope.SIP)
    rows = list(
        SipParticipant.objects.filter(
            unit_id=actor.unit.pk, role=ParticipantRole.SUMMONED, answer=Answer.PENDING
        )
        .select_related("plan__patient", "plan__initiator_unit", "delivery")
        .order_by("due_at", "pk")[:SUMMONS_LIMIT]
    )
    access_log_record_many(
        actor=actor,
        patients=[row.plan.patient for row in rows],
        action=AccessAction.VIEW,
        object_type="sipplan",
        detail="api: SIP summonses",
    )
    return {
        "items": [
            {
                "plan_id": row.plan_id,
                "summons_message_id": row.delivery.message_id if row.delivery else None,
                "delivery_id": row.delivery_id,
                "answer": row.answer,
                "due_at": row.due_at,
                "initiator": unit_ref(row.plan.initiator_unit),
                "plan_state": row.plan.state,
                "meeting_at": row.plan.meeting_at,
                "patient": patient_out(row.plan.patient, participant=True),
            }
            for row in rows
        ]
    }


@router.post(
    "/sip/plans/{plan_id}/answer",
    response={200: AnswerOut, **WRITE_ERROR_RESPONSES},
    summary="Answer a summons: accept (naming who attends) or decline (with a reason)",
    operation_id="sip_answer",
)
def answer(
    request: HttpRequest,
    plan_id: IdPath,
    unit: UnitHeader,
    body: AnswerIn,
    person: PersonHeader = None,
    idempotency_key: IdempotencyHeader = None,
) -> dict[str, object]:
    """Acceptera or Neka for the unit; acknowledges the summons. 404 unless the unit was
    summoned to the plan; 422 when it has already answered."""
    actor = act(request, unit=unit, person=person, scope=Scope.SIP)
    plan = plan_for_unit(actor, plan_id, action=AccessAction.UPDATE, detail="api: answer")
    try:
        participant = sip_answer(
            actor=actor,
            plan=plan,
            accept=body.accept,
            attendees=body.attendees,
            reason=body.reason,
        )
    except ValidationError as error:
        errors = [
            {"field": f"body.{name}", "detail": message}
            for name, messages in getattr(error, "message_dict", {"": error.messages}).items()
            for message in messages
        ]
        raise ApiProblem("invalid", errors[0]["detail"], errors=errors) from None
    except SipError as error:
        raise ApiProblem("refused", str(error)) from None
    return {
        "plan_id": plan.pk,
        "answer": participant.answer,
        "answered_at": participant.answered_at,
    }


@router.get(
    "/sip/plans/{plan_id}/current-version",
    response={200: SipVersionOut, **ERROR_RESPONSES},
    summary="Read a plan's current version with its interventions",
    operation_id="sip_current_version",
)
def current_version(
    request: HttpRequest, plan_id: IdPath, unit: UnitHeader, person: PersonHeader = None
) -> dict[str, object]:
    """The plan's current version (locked once finalised), for a unit that takes part in the
    plan (else 404). Writes one access-log row."""
    actor = act(request, unit=unit, person=person, scope=Scope.SIP)
    plan = plan_for_unit(actor, plan_id, detail="api: current version")
    version = plan.current_version
    if version is None:
        raise Http404
    interventions = SipIntervention.objects.filter(version=version).select_related(
        "unit", "principal", "profession"
    )
    return {
        "plan_id": plan.pk,
        "plan_state": plan.state,
        "number": version.number,
        "reason": version.reason,
        "locked_at": version.locked_at,
        "goals": version.goals,
        "others_do": version.others_do,
        "responsible_principal": (
            version.responsible_principal.name if version.responsible_principal else None
        ),
        "coordinator": (
            version.coordinator.get_full_name() or version.coordinator.username
            if version.coordinator
            else None
        ),
        "coordinator_unit": unit_ref(version.coordinator_unit)
        if version.coordinator_unit
        else None,
        "participation": version.participation,
        "relatives_views": version.relatives_views,
        "follow_up_date": version.follow_up_date,
        "follow_up_how": version.follow_up_how,
        "interventions": [
            {
                "position": item.position,
                "what": item.what,
                "unit": unit_ref(item.unit) if item.unit else None,
                "principal": item.principal.name,
                "profession": item.profession.name if item.profession else None,
                "starts_on": item.starts_on,
                "ends_on": item.ends_on,
                "status": item.status,
            }
            for item in interventions
        ],
        "patient": patient_out(plan.patient, participant=True),
    }


@router.get(
    "/sip/plans/{plan_id}/versions/{number}/journal-note",
    response={200: JournalNoteOut, **ERROR_RESPONSES},
    summary="The plain-text journal note for a finalised (signed) SIP version",
    operation_id="sip_version_journal_note",
)
def sip_version_journal_note(
    request: HttpRequest,
    plan_id: IdPath,
    number: NumberPath,
    unit: UnitHeader,
    person: PersonHeader = None,
) -> dict[str, object]:
    """For the unit's own record system. 422 while the version is not finalised; 404 unless
    the unit takes part in the plan. Writes one access-log row."""
    actor = act(request, unit=unit, person=person, scope=Scope.SIP)
    plan = plan_for_unit(actor, plan_id, detail="api: journal note")
    version = version_of(plan, number)
    if version.locked_at is None:
        raise ApiProblem("refused", _("Only a finalised (signed) version has a journal note."))
    return {"text": journal.sip_version_note(plan, version)}
