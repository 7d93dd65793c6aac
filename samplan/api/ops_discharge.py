"""Discharge planning through the API: register a stay with its admission notice, send the
law's messages and extra messages on a case, cancel, and read a case.

The operations call the same services and forms as the pages (discharge.services, the message
forms of discharge.message_forms, the router's proposal), so the rules hold the same way.
"""

from __future__ import annotations

import hashlib
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from samplan.api.auth import act
from samplan.api.models import Scope
from samplan.api.presenting import patient_out, unit_ref
from samplan.api.problems import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, ApiProblem
from samplan.api.schemas import (
    CancelIn,
    CancelOut,
    CaseOut,
    IdempotencyHeader,
    IdPath,
    PersonHeader,
    SendIn,
    SentOut,
    StayIn,
    StayOut,
    UnitHeader,
)
from samplan.auditlog.access_log import AccessAction, access_log_at_end
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge import process
from samplan.discharge import services as cases
from samplan.discharge.access import can_cancel_message, case_for_unit, case_message_types
from samplan.discharge.case_page import case_overview
from samplan.discharge.message_forms import FORMS, case_content
from samplan.discharge.models import DischargeCase
from samplan.discharge.recipients import propose_recipients, recipient_choices
from samplan.messaging.access import message_for_unit
from samplan.messaging.services import MessagingError, RecipientChoice
from samplan.organizations.models import Unit
from samplan.organizations.validators import normalize_hsa_id
from samplan.patients.identity import IdentityError, parse_identity
from samplan.patients.reserve_formats import reserve_patterns_for
from samplan.patients.services import PatientDetails

router = Router(tags=["Discharge planning"])

WRITE_RESPONSES = WRITE_ERROR_RESPONSES


def _service_key(request: HttpRequest, purpose: str) -> str:
    """The key the services use to make a send idempotent: from the Idempotency-Key when
    given (so a replay across the 24 hours still finds the same message), else fresh."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return uuid.uuid4().hex
    client_id = request.auth.pk
    return hashlib.sha256(f"api:{client_id}:{purpose}:{key}".encode()).hexdigest()


def _refused(error: Exception, field: str = "") -> ApiProblem:
    detail = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    errors = [{"field": field, "detail": detail}] if field else None
    return ApiProblem("refused", detail, errors=errors)


def _form_problem(form, prefix: str) -> ApiProblem:
    errors = []
    for name, messages in form.errors.items():
        field = prefix if name == "__all__" else f"{prefix}.{name}"
        errors.extend({"field": field, "detail": str(m)} for m in messages)
    return ApiProblem(
        "invalid",
        "; ".join(e["detail"] for e in errors[:3]),
        errors=errors,
    )


def _added_units(hsa_ids: list[str], field: str) -> list[int]:
    ids = []
    for position, value in enumerate(hsa_ids):
        try:
            hsa_id = normalize_hsa_id(value)
        except ValidationError as error:
            raise ApiProblem(
                "invalid",
                error.messages[0],
                errors=[{"field": f"{field}.{position}", "detail": error.messages[0]}],
            ) from None
        unit = Unit.objects.filter(hsa_id=hsa_id).values_list("pk", flat=True).first()
        if unit is None:
            detail = _("No unit has the HSA-id %(hsa_id)s.") % {"hsa_id": hsa_id}
            raise ApiProblem(
                "invalid", detail, errors=[{"field": f"{field}.{position}", "detail": detail}]
            )
        ids.append(unit)
    return ids


def _send(
    *,
    request: HttpRequest,
    actor: Actor,
    case: DischargeCase,
    message_type: str,
    data: dict[str, object],
    add_units: list[str],
    prefix: str,
    purpose: str,
) -> tuple[object, list[RecipientChoice]]:
    """Validates `data` with the message type's form and sends it to the router's proposal
    plus `add_units`, as the send page does."""
    if message_type not in case_message_types(actor.user, actor.unit, case):
        raise ApiProblem(
            "refused",
            _("%(message)s cannot be sent on this case now, or not by this unit.")
            % {"message": MessageType(message_type).label},
        )
    key = _service_key(request, purpose)
    form = FORMS[message_type](
        data={**data, "message_type": message_type, "key": key[:64]}, case=case
    )
    if not form.is_valid():
        raise _form_problem(form, prefix)
    added = _added_units(add_units, "body.add_units")
    try:
        proposals = propose_recipients(case, message_type, actor.unit)
        choices = recipient_choices(
            proposals=proposals,
            kept_ids=[p.unit.pk for p in proposals],
            added_ids=added,
            sender_unit=actor.unit,
        )
        message = cases.case_send(
            actor=actor,
            case=case,
            message_type=message_type,
            recipients=choices,
            idempotency_key=key[:64],
            content={**case_content(case, message_type), **form.content()},
            text=form.text(),
            occurred_at=form.cleaned_data.get("occurred_at"),
        )
    except MessagingError as error:
        raise _refused(error) from None
    return message, choices


def _recipients(choices: list[RecipientChoice]) -> list[dict[str, object]]:
    return [{"unit": unit_ref(c.unit), "reason": c.reason_text} for c in choices]


@router.post(
    "/stays",
    response={201: StayOut, 200: StayOut, **WRITE_RESPONSES},
    summary="Register an in-patient stay with its admission notice",
    operation_id="stay_register",
)
def stay_register(
    request: HttpRequest,
    unit: UnitHeader,
    body: StayIn,
    person: PersonHeader = None,
    idempotency_key: IdempotencyHeader = None,
) -> Status:
    """The ward (`X-Unit`) registers the stay: samplan finds the person (or registers them
    from `patient`), opens the discharge case and sends the admission notice to the units
    the router proposes (patient filter, residence list, listing, area rules, fallback) and
    `add_units`. 201 with the new case; 200 with the open case if the person already has
    one (no second notice)."""
    actor = act(request, unit=unit, person=person, scope=Scope.MESSAGES_SEND)
    if actor.unit.kind not in process.WARD_KINDS:
        raise ApiProblem("refused", _("Only a hospital ward can open a discharge case."))
    try:
        identity = parse_identity(
            body.identity_number, reserve_patterns=reserve_patterns_for(actor.unit.organization)
        )
    except IdentityError as error:
        raise ApiProblem(
            "invalid",
            error.messages[0],
            errors=[{"field": "body.identity_number", "detail": error.messages[0]}],
        ) from None
    details = None
    if body.patient is not None:
        details = PatientDetails(**body.patient.dict())
    with transaction.atomic(), access_log_at_end():
        try:
            opening = cases.case_admit(
                actor=actor,
                identity=identity,
                details=details,
                admitted_at=body.admitted_at,
                opening_key=_service_key(request, "stay")[:64],
                estimated_discharge_date=body.estimated_discharge_date,
            )
        except cases.PatientNotRegistered as error:
            detail = _("samplan does not know the person yet: give `patient` with the details.")
            raise ApiProblem(
                "invalid", detail, errors=[{"field": "body.patient", "detail": str(error)}]
            ) from None
        except (ValidationError, MessagingError) as error:
            raise _refused(error) from None
        case = opening.case
        if not opening.created or cases.case_has_admission_notice(case):
            return Status(
                200,
                {
                    "case_id": case.pk,
                    "created": False,
                    "patient_created": False,
                    "admission_notice_id": None,
                    "recipients": [],
                },
            )
        notice, choices = _send(
            request=request,
            actor=actor,
            case=case,
            message_type=MessageType.ADMISSION_NOTICE,
            data={k: v for k, v in body.admission_notice.dict().items() if v not in (None, "")},
            add_units=body.add_units,
            prefix="body.admission_notice",
            purpose="admission",
        )
    return Status(
        201,
        {
            "case_id": case.pk,
            "created": True,
            "patient_created": opening.patient_created,
            "admission_notice_id": notice.pk,
            "recipients": _recipients(choices),
        },
    )


@router.post(
    "/cases/{case_id}/messages",
    response={201: SentOut, **WRITE_RESPONSES},
    summary="Send one of the law's messages, or an extra message, on a case",
    operation_id="case_message_send",
)
def case_message_send(
    request: HttpRequest,
    case_id: IdPath,
    unit: UnitHeader,
    body: SendIn,
    person: PersonHeader = None,
    idempotency_key: IdempotencyHeader = None,
) -> Status:
    """Sends `message_type` on the case with `content` (the fields of its form), to the
    case's participants (or, for an admission notice, the router's proposal) and
    `add_units`. 422 when the form refuses the content or the case does not take the
    message now; 404 when the unit does not take part in the case."""
    actor = act(request, unit=unit, person=person, scope=Scope.MESSAGES_SEND)
    if body.message_type not in FORMS:
        detail = _("Unknown message type.")
        raise ApiProblem(
            "invalid", detail, errors=[{"field": "body.message_type", "detail": detail}]
        )
    with transaction.atomic(), access_log_at_end():
        case = case_for_unit(actor, case_id, action=AccessAction.UPDATE)
        message, choices = _send(
            request=request,
            actor=actor,
            case=case,
            message_type=body.message_type,
            data={k: v for k, v in body.content.items() if v is not None},
            add_units=body.add_units,
            prefix="body.content",
            purpose=f"case{case.pk}",
        )
    state = DischargeCase.objects.filter(pk=case.pk).values_list("state", flat=True).first()
    return Status(
        201,
        {
            "message_id": message.pk,
            "case_id": case.pk,
            "case_state": state,
            "recipients": _recipients(choices),
        },
    )


@router.post(
    "/messages/{message_id}/cancel",
    response={201: CancelOut, **WRITE_RESPONSES},
    summary="Cancel (makulera) a message the unit sent",
    operation_id="message_cancel",
)
def message_cancel(
    request: HttpRequest,
    message_id: IdPath,
    unit: UnitHeader,
    body: CancelIn,
    person: PersonHeader = None,
    idempotency_key: IdempotencyHeader = None,
) -> Status:
    """Sends a cancellation to the message's receivers; the original stays, struck through.
    To correct a message, cancel it and send it anew."""
    actor = act(request, unit=unit, person=person, scope=Scope.MESSAGES_SEND)
    message = message_for_unit(actor, message_id)
    case = DischargeCase.objects.filter(pk=getattr(message, "case_id", None)).first()
    if case is not None and not can_cancel_message(actor.user, actor.unit, message, case):
        raise ApiProblem("refused", _("Only the sending unit can cancel a message."))
    try:
        cancellation = cases.case_cancel_message(
            actor=actor,
            message=message,
            reason=body.reason,
            idempotency_key=_service_key(request, f"cancel{message.pk}")[:64],
        )
    except MessagingError as error:
        raise _refused(error, "body.reason") from None
    return Status(201, {"cancellation_id": cancellation.pk, "cancelled_message_id": message.pk})


@router.get(
    "/cases/{case_id}",
    response={200: CaseOut, **ERROR_RESPONSES},
    summary="Read a discharge case: steps, deadlines, payment liability with its reasons",
    operation_id="case_read",
)
def case_read(
    request: HttpRequest, case_id: IdPath, unit: UnitHeader, person: PersonHeader = None
) -> dict[str, object]:
    """The case as its page shows it, for a unit that takes part in it (else 404). Writes
    one access-log row."""
    actor = act(request, unit=unit, person=person, scope=Scope.INBOX_READ)
    case = case_for_unit(actor, case_id)
    overview = case_overview(case, protected=case.patient.is_protected)
    liability = overview.liability
    return {
        "id": case.pk,
        "state": case.state,
        "care_type": case.care_type,
        "admitted_at": case.admitted_at,
        "estimated_discharge_date": case.estimated_discharge_date,
        "ward": unit_ref(case.ward),
        "patient": patient_out(case.patient, participant=True),
        "participants": [
            {"unit": unit_ref(p.unit), "role": p.role, "left_at": p.left_at}
            for p in overview.participants
        ],
        "steps": [
            {
                "message_type": step.message_type,
                "label": str(step.label),
                "status": step.status,
                "message_id": step.message.pk if step.message is not None else None,
                "acknowledged": step.acknowledged,
                "receivers": step.receivers,
            }
            for step in overview.steps
        ],
        "deadlines": [
            {
                "label": str(row.label),
                "due_at": row.status.due_at if row.status else None,
                "met_at": row.status.met_at if row.status else None,
                "state": row.status.state if row.status else None,
                "note": str(row.note),
            }
            for row in overview.deadlines
        ],
        "liability": {
            "day_zero": liability.day_zero,
            "starts_on": liability.start_date,
            "liable_days": liability.liable_days,
            "amount": str(liability.amount) if liability.amount is not None else None,
            "grace_days": liability.grace_days,
            "ongoing": liability.ongoing,
            "reasons_if_zero": [
                {"code": reason.code, "text": reason.text} for reason in liability.reasons_if_zero
            ],
        },
        "message_ids": [m.pk for m in overview.messages],
    }
