"""FHIR R4 export: a SIP version as CarePlan, a message as Communication (fhir.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from samplan.api import fhir
from samplan.api.auth import act
from samplan.api.models import Scope
from samplan.api.problems import ERROR_RESPONSES
from samplan.api.schemas import IdPath, NumberPath, PersonHeader, UnitHeader
from samplan.auditlog.access_log import AccessAction
from samplan.messaging import access as messaging_access
from samplan.messaging.models import Delivery
from samplan.sip.access import plan_for_unit, version_of

router = Router(tags=["FHIR R4 export"])


def _region(organization):
    return organization if organization.kind == "region" else organization.contracted_by


@router.get(
    "/fhir/Communication/{message_id}",
    response={200: dict[str, Any], **ERROR_RESPONSES},
    summary="A message as a FHIR R4 Communication",
    operation_id="fhir_communication",
)
def communication(
    request: HttpRequest, message_id: IdPath, unit: UnitHeader, person: PersonHeader = None
) -> dict[str, Any]:
    """The message the unit sent or received, with the person as a contained Patient. Writes
    one access-log row."""
    actor = act(request, unit=unit, person=person, scope=Scope.FHIR_READ)
    message = messaging_access.message_for_unit(actor, message_id)
    delivery = messaging_access.delivery_of_unit(actor, message_id)
    participant = messaging_access.unit_takes_part_in_message(actor.unit, message, delivery)
    deliveries = list(Delivery.objects.filter(message=message).select_related("unit"))
    return fhir.communication(
        message,
        participant=participant,
        deliveries=deliveries,
        region=_region(message.sender_unit.organization),
    )


@router.get(
    "/fhir/CarePlan/{plan_id}/versions/{number}",
    response={200: dict[str, Any], **ERROR_RESPONSES},
    summary="A SIP version as a FHIR R4 CarePlan (interventions as activities, a CareTeam)",
    operation_id="fhir_care_plan",
)
def care_plan(
    request: HttpRequest,
    plan_id: IdPath,
    number: NumberPath,
    unit: UnitHeader,
    person: PersonHeader = None,
) -> dict[str, Any]:
    """The version of a plan the unit takes part in (else 404). Writes one access-log row
    (an export)."""
    actor = act(request, unit=unit, person=person, scope=Scope.FHIR_READ)
    plan = plan_for_unit(actor, plan_id, action=AccessAction.EXPORT, detail="api: FHIR CarePlan")
    version = version_of(plan, number)
    return fhir.care_plan(plan, version, region=_region(plan.initiator_unit.organization))
