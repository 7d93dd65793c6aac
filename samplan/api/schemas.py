"""Request and answer schemas of the API (pydantic, through django-ninja)."""

from __future__ import annotations

import datetime
from typing import Annotated

from ninja import Field, Header, Path, Schema
from pydantic import BaseModel

from samplan.api.auth import PERSON_HEADER, UNIT_HEADER
from samplan.core.http import MAX_ID

# Row ids (bigint): anything outside 1..2**63-1 is 422, never a database error.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
NumberPath = Annotated[int, Path(ge=1, le=1_000_000)]

UnitHeader = Annotated[
    str,
    Header(
        alias=UNIT_HEADER,
        description="The unit the call acts for: its HSA-id (or samplan's unit id).",
        min_length=1,
        max_length=40,
    ),
]
PersonHeader = Annotated[
    str | None,
    Header(
        alias=PERSON_HEADER,
        description="The HSA-id of the person at the record system, for the access log.",
        max_length=31,
    ),
]
IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description=(
            "1–200 visible ASCII characters (a UUID is a good key). The same key with the "
            "same request replays "
            "the first answer; with another request it is 409. Kept at least 24 hours."
        ),
        pattern=r"^[!-~]{1,200}$",
    ),
]


# The feed's answer schemas are plain pydantic models, not ninja's Schema: they are built
# from dicts, and Schema's per-field Django attribute lookup (DjangoGetter) cost a feed page
# of 100 items about a tenth of its CPU (bench/apibench.py).
class UnitRef(BaseModel):
    id: int
    name: str
    hsa_id: str | None = None


class FeedItem(BaseModel):
    delivery_id: int
    message_id: int
    message_uuid: str
    message_type: str
    state: str = Field(description="new, read, acknowledged, forwarded, returned or cancelled")
    changed_at: datetime.datetime
    arrived_at: datetime.datetime
    due_at: datetime.datetime
    sender: UnitRef


class FeedPageOut(BaseModel):
    items: list[FeedItem]
    next_cursor: str = Field(description="Give this as `cursor` in the next poll.")
    has_more: bool


class AcknowledgeIn(Schema):
    delivery_ids: list[Id] = Field(min_length=1, max_length=500)


class AcknowledgeOut(Schema):
    acknowledged: list[int] = Field(description="Deliveries acknowledged by this call.")
    not_acknowledged: list[int] = Field(
        description="Not open in this unit's inbox (already handled, or not the unit's)."
    )


class PatientOut(Schema):
    """The person. For a protected identity, address and phone are never given, and name and
    number only to units that take part in the case."""

    identity_number: str
    identity_kind: str
    name: str
    protected: bool
    identity_shown: bool


class DeliveryOut(Schema):
    delivery_id: int
    unit: UnitRef
    state: str
    arrived_at: datetime.datetime
    due_at: datetime.datetime
    acknowledged_at: datetime.datetime | None = None


class MessageOut(Schema):
    id: int
    uuid: str
    message_type: str
    message_type_label: str
    sender: UnitRef
    sent_at: datetime.datetime
    occurred_at: datetime.datetime | None = None
    text: str
    content: dict[str, object]
    refers_to: int | None = None
    cancelled_at: datetime.datetime | None = None
    case_id: int | None = None
    patient: PatientOut
    delivery: DeliveryOut | None = Field(
        None, description="This unit's delivery of the message, if it received it."
    )


class PatientDetailsIn(Schema):
    """The person's details, needed only when samplan does not know the number yet."""

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    protection: str = Field(
        "none",
        description="none, confidentiality_marked, protected_registration or fictitious",
        max_length=40,
    )
    registered_municipality: str = Field("", max_length=4, description="kommunkod, 4 digits")
    postal_code: str = Field("", max_length=6)
    street_address: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)


class AdmissionNoticeIn(Schema):
    ward_phone: str = Field(min_length=1, max_length=200)
    estimated_discharge_date: datetime.date | None = None
    note: str = Field("", max_length=4000)


class StayIn(Schema):
    identity_number: str = Field(
        min_length=1,
        max_length=20,
        description="personnummer, samordningsnummer or the region's reservnummer",
    )
    patient: PatientDetailsIn | None = None
    admitted_at: datetime.datetime = Field(description="ISO 8601 with offset, e.g. +01:00")
    estimated_discharge_date: datetime.date | None = None
    admission_notice: AdmissionNoticeIn
    add_units: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="HSA-ids of units to receive the notice besides the router's proposal.",
    )


class RecipientOut(Schema):
    unit: UnitRef
    reason: str


class StayOut(Schema):
    case_id: int
    created: bool = Field(description="False when the person already had an open case.")
    patient_created: bool
    admission_notice_id: int | None
    recipients: list[RecipientOut]


class SendIn(Schema):
    message_type: str = Field(
        max_length=40,
        description=(
            "status_report, admission_notice, planning_info, care_contact_appointed, "
            "ready_for_discharge, readiness_withdrawn, sip_summons, discharge_notice, "
            "discharge_info, care_report, extra_message or case_withdrawn"
        ),
    )
    content: dict[str, str | bool | None] = Field(
        default_factory=dict,
        description="The message type's fields, as on its form (docs/api.md lists them).",
    )
    add_units: list[str] = Field(default_factory=list, max_length=20)


class SentOut(Schema):
    message_id: int
    case_id: int
    case_state: str
    recipients: list[RecipientOut]


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class CancelOut(Schema):
    cancellation_id: int
    cancelled_message_id: int


class StepOut(Schema):
    message_type: str
    label: str
    status: str
    message_id: int | None
    acknowledged: int
    receivers: int


class DeadlineOut(Schema):
    label: str
    due_at: datetime.datetime | None
    met_at: datetime.datetime | None
    state: str | None
    note: str


class ReasonOut(Schema):
    code: str
    text: str


class LiabilityOut(Schema):
    day_zero: datetime.date | None
    starts_on: datetime.date | None
    liable_days: int
    amount: str | None
    grace_days: int
    ongoing: bool
    reasons_if_zero: list[ReasonOut]


class ParticipantOut(Schema):
    unit: UnitRef
    role: str
    left_at: datetime.datetime | None


class CaseOut(Schema):
    id: int
    state: str
    care_type: str
    admitted_at: datetime.datetime
    estimated_discharge_date: datetime.date | None
    ward: UnitRef
    patient: PatientOut
    participants: list[ParticipantOut]
    steps: list[StepOut]
    deadlines: list[DeadlineOut]
    liability: LiabilityOut
    message_ids: list[int]


class SummonsOut(Schema):
    plan_id: int
    summons_message_id: int | None
    delivery_id: int | None
    answer: str = Field(description="pending, accepted or declined")
    due_at: datetime.datetime | None
    initiator: UnitRef
    plan_state: str
    meeting_at: datetime.datetime | None
    patient: PatientOut


class SummonsListOut(Schema):
    items: list[SummonsOut]


class AnswerIn(Schema):
    accept: bool
    attendees: str = Field("", max_length=1000, description="Who attends (when accepting).")
    reason: str = Field("", max_length=2000, description="Why the unit declines.")


class AnswerOut(Schema):
    plan_id: int
    answer: str
    answered_at: datetime.datetime | None


class InterventionOut(Schema):
    position: int
    what: str
    unit: UnitRef | None
    principal: str
    profession: str | None
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    status: str


class SipVersionOut(Schema):
    plan_id: int
    plan_state: str
    number: int
    reason: str
    locked_at: datetime.datetime | None
    goals: str
    others_do: str
    responsible_principal: str | None
    coordinator: str | None
    coordinator_unit: UnitRef | None
    participation: str
    relatives_views: str
    follow_up_date: datetime.date | None
    follow_up_how: str
    interventions: list[InterventionOut]
    patient: PatientOut


class RegisterRowIn(Schema):
    identity_number: str = Field(max_length=20)
    start: datetime.date = Field(description="från / inflyttning")
    end: datetime.date | None = Field(None, description="till / utflyttning; empty: open")


class RegisterIn(Schema):
    patient_filter: list[RegisterRowIn] | None = Field(
        None, max_length=10_000, description="The unit's whole patient filter; omit to keep it."
    )
    residence_list: list[RegisterRowIn] | None = Field(
        None,
        max_length=10_000,
        description="The nursing home's whole residence list; omit to keep it.",
    )


class RegisterRowOut(Schema):
    identity_number: str
    start: datetime.date
    end: datetime.date | None


class RefusedRowOut(Schema):
    position: int = Field(description="1 for the list's first row")
    reason: str


class RegisterResultOut(Schema):
    added: list[RegisterRowOut]
    updated: list[RegisterRowOut]
    ended: list[RegisterRowOut]
    refused: list[RefusedRowOut]


class RegisterOut(Schema):
    patient_filter: RegisterResultOut | None
    residence_list: RegisterResultOut | None


class JournalNoteOut(Schema):
    text: str = Field(description="Plain text, lines separated by \\n, Swedish.")
