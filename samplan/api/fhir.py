"""FHIR R4 export at the edge (architecture.md: FHIR is an export format, not the storage).

A finalised or current SIP version becomes a `CarePlan` (interventions as activities, the
plan's units as a contained `CareTeam`); a message becomes a `Communication`. The person is a
contained `Patient` identified by personnummer (OID 1.2.752.129.2.1.3.1), samordningsnummer
(1.2.752.129.2.1.3.3) or reservnummer (the region's system, `urn:samplan:reservnummer:<the
region's organisation number>`). No address, phone or whereabouts are ever exported, for
anyone; name and number only where the unit may see them (protected identity).

The resources use only elements that are the same in R4 and R4B; the tests validate them
with fhir.resources.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from samplan.api.presenting import content_out
from samplan.messaging.content import content_items
from samplan.messaging.models import Delivery, Message
from samplan.organizations.models import Organization, Unit
from samplan.patients.display import patient_display
from samplan.patients.identity import IdentityKind
from samplan.patients.models import Patient, Protection
from samplan.sip.models import InterventionStatus, SipIntervention, SipPlan, SipVersion
from samplan.sip.process import Answer, ParticipantRole

PERSONNUMMER_OID = "urn:oid:1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_OID = "urn:oid:1.2.752.129.2.1.3.3"
HSA_ID_OID = "urn:oid:1.2.752.129.2.1.4.1"
MESSAGE_TYPE_SYSTEM = "urn:samplan:message-type"

ACTIVITY_STATUS = {
    InterventionStatus.PLANNED: "not-started",
    InterventionStatus.ONGOING: "in-progress",
    InterventionStatus.DONE: "completed",
    InterventionStatus.CANCELLED: "cancelled",
}


def _unit_reference(unit: Unit) -> dict[str, Any]:
    reference: dict[str, Any] = {"display": unit.name}
    if unit.hsa_id:
        reference["identifier"] = {"system": HSA_ID_OID, "value": unit.hsa_id}
    return reference


def reserve_system(region: Organization | None) -> str:
    number = (region.org_number if region is not None else "") or "unknown"
    return f"urn:samplan:reservnummer:{number}"


def patient_resource(
    patient: Patient, *, participant: bool, region: Organization | None
) -> dict[str, Any]:
    display = patient_display(patient, participant=participant)
    resource: dict[str, Any] = {"resourceType": "Patient", "id": "patient"}
    if display.identity_shown:
        system = {
            IdentityKind.PERSONAL: PERSONNUMMER_OID,
            IdentityKind.COORDINATION: SAMORDNINGSNUMMER_OID,
        }.get(patient.identity_kind) or reserve_system(region)
        resource["identifier"] = [{"system": system, "value": patient.identity_number}]
        resource["name"] = [
            {
                "family": patient.last_name,
                "given": [patient.first_name] if patient.first_name else [],
            }
        ]
    else:
        resource["name"] = [{"text": display.name}]
    if patient.protection != Protection.NONE:
        resource["meta"] = {
            "security": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                    "code": "R",
                    "display": "restricted",
                }
            ]
        }
    return resource


def care_plan(plan: SipPlan, version: SipVersion, *, region: Organization | None) -> dict[str, Any]:
    items = SipIntervention.objects.filter(version=version).select_related(
        "unit", "principal", "profession"
    )
    members = plan.participants.filter(
        Q(role=ParticipantRole.INITIATOR) | Q(answer=Answer.ACCEPTED)
    ).select_related("unit")
    team = {
        "resourceType": "CareTeam",
        "id": "careteam",
        "status": "active",
        "subject": {"reference": "#patient"},
        "participant": [
            {
                "role": [{"text": p.get_role_display()}],
                "member": _unit_reference(p.unit),
            }
            for p in members
        ],
    }
    activities = []
    for item in items:
        detail: dict[str, Any] = {
            "status": ACTIVITY_STATUS.get(item.status, "unknown"),
            "description": item.what,
            "performer": [
                _unit_reference(item.unit) if item.unit_id else {"display": item.principal.name}
            ],
        }
        period = {}
        if item.starts_on:
            period["start"] = item.starts_on.isoformat()
        if item.ends_on:
            period["end"] = item.ends_on.isoformat()
        if period:
            detail["scheduledPeriod"] = period
        activities.append({"detail": detail})
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"sip-{plan.pk}-v{version.number}",
        "contained": [
            patient_resource(plan.patient, participant=True, region=region),
            team,
        ],
        "status": "active"
        if version.locked_at and plan.closed_at is None
        else ("completed" if plan.closed_at else "draft"),
        "intent": "plan",
        "title": f"Samordnad individuell plan, version {version.number}",
        "description": version.goals or plan.purpose,
        "subject": {"reference": "#patient"},
        "created": version.created_at.isoformat(),
        "careTeam": [{"reference": "#careteam"}],
        "activity": activities,
    }
    if version.follow_up_date:
        resource["period"] = {"end": version.follow_up_date.isoformat()}
    if version.coordinator_unit_id:
        resource["author"] = _unit_reference(version.coordinator_unit)
    notes = [text for text in (version.others_do, version.participation) if text]
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def communication(
    message: Message, *, participant: bool, deliveries: list[Delivery], region: Organization | None
) -> dict[str, Any]:
    protected = message.patient.protection != Protection.NONE
    lines = [
        f"{label}: {value}"
        for label, value in content_items(content_out(message.content, protected=protected))
    ]
    if message.text and message.text not in message.content.values():
        lines.append(message.text)
    resource: dict[str, Any] = {
        "resourceType": "Communication",
        "id": f"message-{message.pk}",
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{message.uuid}"}],
        "contained": [patient_resource(message.patient, participant=participant, region=region)],
        "status": "entered-in-error" if message.cancelled_at else "completed",
        "category": [
            {
                "coding": [
                    {
                        "system": MESSAGE_TYPE_SYSTEM,
                        "code": message.message_type,
                        "display": str(message.get_message_type_display()),
                    }
                ]
            }
        ],
        "subject": {"reference": "#patient"},
        "sent": message.sent_at.isoformat(),
        "sender": _unit_reference(message.sender_unit),
        "recipient": [_unit_reference(d.unit) for d in deliveries],
        "payload": [{"contentString": "\n".join(lines) or "–"}],
    }
    if message.refers_to_id:
        resource["inResponseTo"] = [{"display": f"message-{message.refers_to_id}"}]
    return resource
