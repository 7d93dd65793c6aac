"""Model objects as API answers, with protected identity applied (domain.md §3).

A protected person's address, phone and whereabouts never appear in any answer: the patient
block never carries them for anyone, and a message's content loses its contact keys.
"""

from __future__ import annotations

from samplan.messaging.models import Delivery, Message
from samplan.organizations.models import Unit
from samplan.patients.display import patient_display
from samplan.patients.models import Patient, Protection

# Content keys that tell where a person lives or can be reached: dropped for a protected
# identity (whatever a sender put there).
CONTACT_KEYS = frozenset(
    {"registered_address", "address", "phone", "patient_phone", "discharged_to", "living"}
)


def unit_ref(unit: Unit) -> dict[str, object]:
    return {"id": unit.pk, "name": unit.name, "hsa_id": unit.hsa_id or None}


def patient_out(patient: Patient, *, participant: bool) -> dict[str, object]:
    display = patient_display(patient, participant=participant)
    return {
        "identity_number": display.identity,
        "identity_kind": patient.identity_kind,
        "name": display.name,
        "protected": patient.protection != Protection.NONE,
        "identity_shown": display.identity_shown,
    }


def content_out(content: dict, *, protected: bool) -> dict[str, object]:
    if not protected:
        return dict(content or {})
    return {k: v for k, v in (content or {}).items() if k not in CONTACT_KEYS}


def delivery_out(delivery: Delivery) -> dict[str, object]:
    return {
        "delivery_id": delivery.pk,
        "unit": unit_ref(delivery.unit),
        "state": delivery.state,
        "arrived_at": delivery.arrived_at,
        "due_at": delivery.due_at,
        "acknowledged_at": delivery.acknowledged_at,
    }


def message_out(
    message: Message, *, participant: bool, delivery: Delivery | None
) -> dict[str, object]:
    protected = message.patient.protection != Protection.NONE
    return {
        "id": message.pk,
        "uuid": str(message.uuid),
        "message_type": message.message_type,
        "message_type_label": message.get_message_type_display(),
        "sender": unit_ref(message.sender_unit),
        "sent_at": message.sent_at,
        "occurred_at": message.occurred_at,
        "text": message.text,
        "content": content_out(message.content, protected=protected),
        "refers_to": message.refers_to_id,
        "cancelled_at": message.cancelled_at,
        "case_id": getattr(message, "case_id", None),
        "patient": patient_out(message.patient, participant=participant),
        "delivery": delivery_out(delivery) if delivery is not None else None,
    }
