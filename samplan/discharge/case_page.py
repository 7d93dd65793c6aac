"""Everything the case page shows about a case, read in a fixed number of queries.

`case_overview` reads the case's participants, messages (with their deliveries) and events
once each, then derives in Python: the timeline (every message, delivery outcome,
acknowledgement, forward, return, cancellation and case event, in time order), the step
overview of domain.md §5, the deadlines (deadlines.py) and the payment liability
(liability.py). Callers fetch the case through access.case_for_unit first; nothing here checks
need-to-know.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from samplan.core.localtime import local_date
from samplan.core.message_types import MessageType
from samplan.core.prepared import prepared
from samplan.discharge import deadlines
from samplan.discharge.liability import (
    LiabilityResult,
    Stay,
    StayMessage,
    stay_liability,
    told_time,
)
from samplan.discharge.message_forms import WithdrawalReason, _parse_datetime, content_items
from samplan.discharge.models import (
    CaseEvent,
    CaseEventKind,
    CaseParticipant,
    DischargeCase,
    ParticipantRole,
)
from samplan.discharge.process import CaseState
from samplan.discharge.selectors import daily_amounts
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.organizations.agreements import (
    read_with_terms,
    terms_for,
    terms_from_annotations,
)
from samplan.organizations.models import OrganizationKind
from samplan.organizations.terms import DEFAULT_TERMS, AgreementTerms, CareType

M = MessageType

# The steps of domain.md §5's table, in order, for the step overview.
STEPS = (
    M.STATUS_REPORT,
    M.ADMISSION_NOTICE,
    M.PLANNING_INFO,
    M.CARE_CONTACT_APPOINTED,
    M.READY_FOR_DISCHARGE,
    M.SIP_SUMMONS,
    M.DISCHARGE_NOTICE,
    M.DISCHARGE_INFO,
)
# Deliveries that no longer wait for anyone: forwarded (the new delivery waits instead),
# returned as misaddressed, or voided by a cancellation.
_HANDED_ON = (DeliveryState.FORWARDED, DeliveryState.RETURNED, DeliveryState.CANCELLED)
# Participants in the order of §5: the ward, the care contact, then the others.
_ROLE_ORDER = {
    ParticipantRole.WARD: 0,
    ParticipantRole.CARE_CONTACT: 1,
    ParticipantRole.CARE_CENTRE: 2,
    ParticipantRole.MUNICIPALITY: 3,
    ParticipantRole.ADDED: 4,
}


@dataclass
class TimelineEntry:
    at: datetime.datetime
    kind: str  # message, acknowledged, forwarded, returned, event
    title: str
    user: object
    unit: object
    message: Message | None = None
    delivery: Delivery | None = None
    detail: str = ""
    entered_late: bool = False
    happened_at: datetime.datetime | None = None
    order: int = 0


@dataclass
class CaseStep:
    """One step of domain.md §5 on the case page: sent, acknowledged, overdue..."""

    message_type: str
    label: str
    status: str  # not_sent, optional, sent, acknowledged, ack_overdue, overdue, withdrawn
    text: str
    icon: str
    message: Message | None = None
    acknowledged: int = 0
    receivers: int = 0


@dataclass
class DeadlineRow:
    label: str
    status: deadlines.DeadlineStatus | None
    note: str = ""


@dataclass
class CareContact:
    name: str
    profession: str
    phone: str
    unit: object


@dataclass
class CaseOverview:
    case: DischargeCase
    now: datetime.datetime
    terms: AgreementTerms
    participants: list[CaseParticipant]
    messages: list[Message]
    timeline: list[TimelineEntry]
    steps: list[CaseStep]
    deadlines: list[DeadlineRow]
    liability: LiabilityResult
    care_contact: CareContact | None
    discharged_at: datetime.datetime | None
    overdue_count: int = 0
    cancellations: dict[int, Message] = field(default_factory=dict)
    # services.case_has_admission_notice, from the messages read here.
    has_admission_notice: bool = False

    def takes_part(self, unit_id: int) -> bool:
        """Whether the unit takes part in the case now (access.cases_for_unit's rule), from
        the participants read here."""
        return any(p.unit_id == unit_id and p.left_at is None for p in self.participants)

    @property
    def withdrawn_reason_label(self) -> str:
        reason = self.case.withdrawn_reason
        return str(WithdrawalReason(reason).label) if reason in WithdrawalReason.values else reason


@dataclass(frozen=True)
class _Labels:
    """The overview's fixed words and choice labels, translated: the timeline, steps and
    deadlines asked gettext (through asgiref's Local) for them some 50 times a page."""

    message_types: dict[str, str]
    event_kinds: dict[str, str]
    words: dict[str, str]

    def message_type(self, value: str) -> str:
        # As get_message_type_display (ChoiceLabels): the value itself when unknown.
        return self.message_types.get(value, value)


@functools.lru_cache(maxsize=8)
def _labels_in(language: str | None) -> _Labels:
    # `language` is the cache key only: gettext translates in the active language.
    return _Labels(
        message_types={str(value): str(label) for value, label in MessageType.choices},
        event_kinds={str(value): str(label) for value, label in CaseEventKind.choices},
        words={
            "Acknowledged: %(message)s": _("Acknowledged: %(message)s"),
            "Forwarded: %(message)s": _("Forwarded: %(message)s"),
            "Returned as misaddressed: %(message)s": _("Returned as misaddressed: %(message)s"),
            "Admission notice within %(hours)s hours": _("Admission notice within %(hours)s hours"),
            "Summons to SIP within %(days)s days of ready for discharge": _(
                "Summons to SIP within %(days)s days of ready for discharge"
            ),
            "Starts when the patient is ready for discharge.": _(
                "Starts when the patient is ready for discharge."
            ),
            "Only when services from both region and municipality are needed.": _(
                "Only when services from both region and municipality are needed."
            ),
            "Information at discharge by the day of discharge": _(
                "Information at discharge by the day of discharge"
            ),
            "Starts when the patient is discharged.": _("Starts when the patient is discharged."),
            "Not sent, overdue": _("Not sent, overdue"),
            "Not sent (optional)": _("Not sent (optional)"),
            "Not sent": _("Not sent"),
            "Withdrawn": _("Withdrawn"),
            "Acknowledged by every receiver": _("Acknowledged by every receiver"),
            "Acknowledgement overdue": _("Acknowledgement overdue"),
            "Sent, waiting for acknowledgement": _("Sent, waiting for acknowledgement"),
        },
    )


def _labels() -> _Labels:
    """_Labels in the active language, translated once per language."""
    return _labels_in(get_language())


def case_messages(case: DischargeCase) -> list[Message]:
    """The case's messages (cancellations included) in time order, each with its deliveries
    as `delivery_rows`: 2 queries, or 1 for a case with no messages yet (a new case: its
    deliveries are those of its messages)."""
    messages = _case_messages(case_id=case.pk)
    if not messages:
        return messages
    by_message: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in _case_deliveries(case_id=case.pk):
        by_message[delivery.message_id].append(delivery)
    for message in messages:
        message.delivery_rows = by_message.get(message.pk, [])
    return messages


# What the page shows of the people and units on a case: a name. Reading only these columns of
# the joined rows, not every column of each user, unit and organisation (some 330 columns
# per page before), keeps the rows' conversion and model building small. A field left out
# here and read later would cost a query per row: test_case_page pins the page's queries for
# a case with many messages.
_USER_FIELDS = ("username", "first_name", "last_name")
# hsa_id: the API's unit_ref; kind and contracted_by: the liability's municipality rule.
_UNIT_FIELDS = ("organization", "name", "kind", "hsa_id")
_ORGANIZATION_FIELDS = ("name", "kind", "contracted_by")


def _own_fields(model: type, *, unread: Sequence[str] = ()) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.name not in unread]


# Own columns of messages and deliveries nothing here or on the page reads (their conversion,
# a UUID and timestamps, was most of a row's): the idempotency and escalation bookkeeping.
# Who read a delivery is not shown either (its state says "read" and when), so read_by is
# not joined.
_MESSAGE_UNREAD = ("uuid", "patient", "idempotency_key")
_DELIVERY_UNREAD = ("reason_code", "read_by", "escalated_at", "changed_at")


def _related(path: str, names: Sequence[str]) -> list[str]:
    return [f"{path}__{name}" for name in names]


@prepared
def _case_messages(*, case_id: int) -> QuerySet[Message]:
    return (
        Message.objects.filter(case_link__case_id=case_id)
        .select_related("sender_unit__organization", "sender_user")
        .only(
            *_own_fields(Message, unread=_MESSAGE_UNREAD),
            *_related("sender_unit", _UNIT_FIELDS),
            *_related("sender_unit__organization", _ORGANIZATION_FIELDS),
            *_related("sender_user", _USER_FIELDS),
        )
        .order_by("sent_at", "pk")
    )


@prepared
def _case_deliveries(*, case_id: int) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(message__case_link__case_id=case_id)
        .select_related("unit__organization", "acknowledged_by", "handled_by")
        .only(
            *_own_fields(Delivery, unread=_DELIVERY_UNREAD),
            *_related("unit", _UNIT_FIELDS),
            *_related("unit__organization", _ORGANIZATION_FIELDS),
            *_related("acknowledged_by", _USER_FIELDS),
            *_related("handled_by", _USER_FIELDS),
        )
        .order_by("arrived_at", "pk")
    )


@prepared
def _case_participants(*, case_id: int) -> QuerySet[CaseParticipant]:
    return (
        CaseParticipant.objects.filter(case_id=case_id)
        .select_related("unit__organization")
        .only(
            *_own_fields(CaseParticipant),
            *_related("unit", _UNIT_FIELDS),
            *_related("unit__organization", _ORGANIZATION_FIELDS),
        )
    )


@prepared
def _case_events(*, case_id: int) -> QuerySet[CaseEvent]:
    return (
        CaseEvent.objects.filter(case_id=case_id)
        .select_related("user", "unit")
        .only(
            *_own_fields(CaseEvent),
            *_related("user", _USER_FIELDS),
            *_related("unit", _UNIT_FIELDS),
        )
        .order_by("at", "pk")
    )


def case_terms(case: DischargeCase) -> AgreementTerms:
    """The terms of the agreement between the case's region and municipality in force on the
    Swedish date of admission: read with the case when it came from case_for_unit(shown=True),
    else looked up (terms_for)."""
    if read_with_terms(case):
        return terms_from_annotations(case)
    if not case.municipality_id:
        return DEFAULT_TERMS
    return terms_for(case.region_id, case.municipality_id, local_date(case.admitted_at))


def case_overview(
    case: DischargeCase, *, now: datetime.datetime | None = None, protected: bool
) -> CaseOverview:
    now = now or timezone.now()
    participants = sorted(
        _case_participants(case_id=case.pk),
        key=lambda p: (p.left_at is not None, _ROLE_ORDER.get(p.role, 9), p.unit.name),
    )
    messages = case_messages(case)
    events = _case_events(case_id=case.pk)
    cancellations = {
        m.refers_to_id: m for m in messages if m.message_type == M.CANCELLATION and m.refers_to_id
    }
    by_pk = {m.pk: m for m in messages}
    for message in messages:
        message.items = content_items(message.message_type, message.content, protected=protected)
        message.cancellation = cancellations.get(message.pk)
        message.cancels = by_pk.get(message.refers_to_id)
        for delivery in message.delivery_rows:
            delivery.overdue = delivery.is_overdue(now)
    standing = [m for m in messages if m.cancelled_at is None and m.message_type != M.CANCELLATION]
    by_type: dict[str, list[Message]] = defaultdict(list)
    for message in standing:
        by_type[message.message_type].append(message)
    for group in by_type.values():
        group.sort(key=lambda m: (m.effective_time, m.pk))

    terms = case_terms(case)
    discharged_at = _discharged_at(by_type)
    labels = _labels()
    deadline_rows = _deadlines(case, by_type, terms, discharged_at, now, labels)
    overview = CaseOverview(
        case=case,
        now=now,
        terms=terms,
        participants=participants,
        messages=messages,
        timeline=_timeline(messages, events, labels),
        steps=_steps(by_type, deadline_rows, now, labels),
        deadlines=deadline_rows,
        liability=_liability(case, by_type, terms, now),
        care_contact=_care_contact(by_type),
        discharged_at=discharged_at,
        cancellations=cancellations,
        has_admission_notice=bool(by_type.get(M.ADMISSION_NOTICE)),
    )
    overview.overdue_count = sum(
        1 for m in messages for d in m.delivery_rows if getattr(d, "overdue", False)
    )
    return overview


# --- Timeline ------------------------------------------------------------------------------


def _timeline(
    messages: Sequence[Message], events: Sequence[CaseEvent], labels: _Labels
) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for message in messages:
        label = labels.message_type(message.message_type)
        entries.append(
            TimelineEntry(
                at=message.sent_at,
                kind="message",
                title=label,
                user=message.sender_user,
                unit=message.sender_unit,
                message=message,
                entered_late=message.entered_late,
                happened_at=message.occurred_at,
                order=0,
            )
        )
        forwards = {d.forwarded_from_id: d for d in message.delivery_rows if d.forwarded_from_id}
        for delivery in message.delivery_rows:
            entries.extend(
                _delivery_entries(message, delivery, forwards.get(delivery.pk), label, labels)
            )
    for event in events:
        entries.append(
            TimelineEntry(
                at=event.at,
                kind="event",
                title=labels.event_kinds.get(event.kind, event.kind),
                user=event.user,
                unit=event.unit,
                detail=_event_detail(event),
                order=1,
            )
        )
    entries.sort(key=lambda e: (e.at, e.order))
    return entries


def _forward_detail(delivery: Delivery, onward: Delivery | None) -> str:
    """Where a forwarded delivery went and, for a stuck message forwarded by a super user or
    administrator, why."""
    detail = _("to %(unit)s") % {"unit": onward.unit.name} if onward else ""
    if delivery.forward_reason:
        detail = f"{detail}: {delivery.forward_reason}" if detail else delivery.forward_reason
    return detail


def _delivery_entries(
    message: Message, delivery: Delivery, onward: Delivery | None, label: str, labels: _Labels
) -> list[TimelineEntry]:
    result = []
    if delivery.acknowledged_at is not None:
        result.append(
            TimelineEntry(
                at=delivery.acknowledged_at,
                kind="acknowledged",
                title=labels.words["Acknowledged: %(message)s"] % {"message": label},
                user=delivery.acknowledged_by,
                unit=delivery.unit,
                message=message,
                delivery=delivery,
                order=2,
            )
        )
    if delivery.state == DeliveryState.FORWARDED and delivery.handled_at is not None:
        result.append(
            TimelineEntry(
                at=delivery.handled_at,
                kind="forwarded",
                title=labels.words["Forwarded: %(message)s"] % {"message": label},
                user=delivery.handled_by,
                unit=delivery.unit,
                message=message,
                delivery=delivery,
                detail=_forward_detail(delivery, onward),
                order=2,
            )
        )
    if delivery.state == DeliveryState.RETURNED and delivery.handled_at is not None:
        result.append(
            TimelineEntry(
                at=delivery.handled_at,
                kind="returned",
                title=labels.words["Returned as misaddressed: %(message)s"] % {"message": label},
                user=delivery.handled_by,
                unit=delivery.unit,
                message=message,
                delivery=delivery,
                detail=delivery.return_reason,
                order=2,
            )
        )
    return result


# The msgids only: translated where an event is shown, in the reader's language (gettext
# here, at import, fixed every label in the language active when the module was loaded).
_DETAIL_LABELS = {
    "care_type": gettext_noop("Care type"),
    "estimated_discharge_date": gettext_noop("Estimated discharge date"),
    "services_need_assessed_at": gettext_noop("Need of services assessed"),
    "care_contact_needed": gettext_noop("Care contact needed"),
    "sip_needed": gettext_noop("SIP needed"),
    "services_refused": gettext_noop("The patient declines the services"),
}


def _state_label(value: str | None) -> str:
    return str(CaseState(value).label) if value in CaseState.values else (value or "–")


def _change_value(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        if value in CareType.values:
            return str(CareType(value).label)
        moment = _parse_datetime(value)
        if moment is not None:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _event_detail(event: CaseEvent) -> str:
    detail = event.detail or {}
    if event.kind in (CaseEventKind.STATE_CHANGED, CaseEventKind.CLOSED):
        return f"{_state_label(detail.get('old'))} → {_state_label(detail.get('new'))}"
    if event.kind == CaseEventKind.TRANSFERRED:
        return _("From %(old)s to %(new)s") % {
            "old": detail.get("from_ward", "–"),
            "new": detail.get("to_ward", "–"),
        }
    if event.kind == CaseEventKind.PARTICIPANT_ADDED:
        return detail.get("unit_name", "")
    if event.kind == CaseEventKind.UPDATED:
        parts = []
        for name, (old, new) in (detail.get("changes") or {}).items():
            label = _(_DETAIL_LABELS[name]) if name in _DETAIL_LABELS else name
            parts.append(f"{label}: {_change_value(old)} → {_change_value(new)}")
        return "; ".join(parts)
    return ""


# --- Steps and deadlines -------------------------------------------------------------------


def _latest(by_type: dict[str, list[Message]], message_type: str) -> Message | None:
    group = by_type.get(message_type)
    return group[-1] if group else None


def _first(by_type: dict[str, list[Message]], message_type: str) -> Message | None:
    group = by_type.get(message_type)
    return group[0] if group else None


def _discharged_at(by_type: dict[str, list[Message]]) -> datetime.datetime | None:
    notice = _latest(by_type, M.DISCHARGE_NOTICE)
    if notice is None:
        return None
    told = _parse_datetime(str(notice.content.get("discharged_at", "")))
    return told or notice.effective_time


def _ready_at(by_type: dict[str, list[Message]]) -> datetime.datetime | None:
    ready = _latest(by_type, M.READY_FOR_DISCHARGE)
    return ready.effective_time if ready is not None else None


def _readiness_withdrawn(by_type: dict[str, list[Message]]) -> bool:
    ready_at = _ready_at(by_type)
    return ready_at is not None and any(
        m.effective_time >= ready_at for m in by_type.get(M.READINESS_WITHDRAWN, [])
    )


def _deadlines(
    case: DischargeCase,
    by_type: dict[str, list[Message]],
    terms: AgreementTerms,
    discharged_at: datetime.datetime | None,
    now: datetime.datetime,
    labels: _Labels,
) -> list[DeadlineRow]:
    rows = []
    notice = _first(by_type, M.ADMISSION_NOTICE)
    ready_at = _ready_at(by_type)
    due = deadlines.case_deadlines(
        admitted_at=case.admitted_at,
        services_need_assessed_at=case.services_need_assessed_at,
        ready_at=ready_at,
        discharged_at=discharged_at,
        terms=terms,
    )
    rows.append(
        DeadlineRow(
            label=labels.words["Admission notice within %(hours)s hours"]
            % {"hours": terms.admission_notice_hours},
            status=deadlines.deadline_status(
                due_at=due.admission_notice,
                met_at=notice.effective_time if notice else None,
                now=now,
            ),
        )
    )
    summons_label = labels.words["Summons to SIP within %(days)s days of ready for discharge"] % {
        "days": terms.summons_days
    }
    summons = _first(by_type, M.SIP_SUMMONS)
    if due.summons is None:
        rows.append(
            DeadlineRow(
                summons_label, None, labels.words["Starts when the patient is ready for discharge."]
            )
        )
    elif not case.sip_needed and summons is None:
        rows.append(
            DeadlineRow(
                summons_label,
                None,
                labels.words["Only when services from both region and municipality are needed."],
            )
        )
    else:
        rows.append(
            DeadlineRow(
                summons_label,
                deadlines.deadline_status(
                    due_at=due.summons,
                    met_at=summons.effective_time if summons else None,
                    now=now,
                ),
            )
        )
    info_label = labels.words["Information at discharge by the day of discharge"]
    info = _first(by_type, M.DISCHARGE_INFO)
    if due.discharge_info is None:
        rows.append(
            DeadlineRow(info_label, None, labels.words["Starts when the patient is discharged."])
        )
    else:
        rows.append(
            DeadlineRow(
                info_label,
                deadlines.deadline_status(
                    due_at=due.discharge_info,
                    met_at=info.effective_time if info else None,
                    now=now,
                ),
            )
        )
    return rows


_STEP_DEADLINE = {
    M.ADMISSION_NOTICE: 0,
    M.SIP_SUMMONS: 1,
    M.DISCHARGE_INFO: 2,
}
_ICONS = {
    "not_sent": "○",
    "optional": "○",
    "sent": "✉",
    "acknowledged": "✓",
    "ack_overdue": "⚠",
    "overdue": "⚠",
    "withdrawn": "↺",
}


def _steps(
    by_type: dict[str, list[Message]],
    deadline_rows: list[DeadlineRow],
    now: datetime.datetime,
    labels: _Labels,
) -> list[CaseStep]:
    steps = []
    for message_type in STEPS:
        label = labels.message_type(message_type)
        latest = _latest(by_type, message_type)
        if latest is None:
            row = (
                deadline_rows[_STEP_DEADLINE[message_type]]
                if message_type in _STEP_DEADLINE
                else None
            )
            if row is not None and row.status is not None and row.status.overdue:
                status, text = "overdue", labels.words["Not sent, overdue"]
            elif message_type == M.STATUS_REPORT:
                status, text = "optional", labels.words["Not sent (optional)"]
            else:
                status, text = "not_sent", labels.words["Not sent"]
            steps.append(CaseStep(message_type, label, status, text, _ICONS[status]))
            continue
        waiting = [d for d in latest.delivery_rows if d.state not in _HANDED_ON]
        acknowledged = sum(1 for d in waiting if d.state == DeliveryState.ACKNOWLEDGED)
        if message_type == M.READY_FOR_DISCHARGE and _readiness_withdrawn(by_type):
            status, text = "withdrawn", labels.words["Withdrawn"]
        elif waiting and acknowledged == len(waiting):
            status, text = "acknowledged", labels.words["Acknowledged by every receiver"]
        elif any(d.is_overdue(now) for d in waiting):
            status, text = "ack_overdue", labels.words["Acknowledgement overdue"]
        else:
            status, text = "sent", labels.words["Sent, waiting for acknowledgement"]
        steps.append(
            CaseStep(
                message_type,
                label,
                status,
                text,
                _ICONS[status],
                message=latest,
                acknowledged=acknowledged,
                receivers=len(waiting),
            )
        )
    return steps


# --- Liability and care contact ------------------------------------------------------------


def _reaches_municipality(message: Message, municipality_id: int | None) -> bool:
    """A unit of the case's municipality (or a provider it contracted) got the message."""
    for delivery in message.delivery_rows:
        if delivery.state == DeliveryState.RETURNED:
            continue
        organization = delivery.unit.organization
        if municipality_id is not None:
            if municipality_id in (organization.pk, organization.contracted_by_id):
                return True
        elif organization.kind == OrganizationKind.MUNICIPALITY:
            return True
    return False


def _liability(
    case: DischargeCase,
    by_type: dict[str, list[Message]],
    terms: AgreementTerms,
    now: datetime.datetime,
) -> LiabilityResult:
    """liability.stay_liability with the case's standing messages, as the reports call it."""
    messages = [
        StayMessage(
            message_type=m.message_type,
            at=m.effective_time,
            order=m.pk,
            reached_municipality=_reaches_municipality(m, case.municipality_id),
            told_discharged_at=told_time(m.content.get("discharged_at"))
            if m.message_type == M.DISCHARGE_NOTICE
            else None,
        )
        for group in by_type.values()
        for m in group
    ]
    return stay_liability(stay_of(case), messages, now=now, terms=terms, amounts=AmountsWhenAsked())


class AmountsWhenAsked(Mapping[int, Decimal]):
    """selectors.daily_amounts(), read the first time the liability asks for a year's amount
    (in this request only): a stay with no liable days yet, most open cases, never does, and
    the read was a query of every case page."""

    def __init__(self) -> None:
        self._amounts: dict[int, Decimal] | None = None

    def _read(self) -> dict[int, Decimal]:
        if self._amounts is None:
            self._amounts = daily_amounts()
        return self._amounts

    def __getitem__(self, year: int) -> Decimal:
        return self._read()[year]

    def __iter__(self) -> Iterator[int]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


def stay_of(case: DischargeCase) -> Stay:
    return Stay(
        care_type=case.care_type,
        admitted_at=case.admitted_at,
        services_need_assessed_at=case.services_need_assessed_at,
        care_contact_needed=case.care_contact_needed,
        sip_needed=case.sip_needed,
        services_refused=case.services_refused,
        withdrawn=case.state == CaseState.WITHDRAWN,
    )


def _care_contact(by_type: dict[str, list[Message]]) -> CareContact | None:
    latest = _latest(by_type, M.CARE_CONTACT_APPOINTED)
    if latest is None:
        return None
    content = latest.content
    return CareContact(
        name=str(content.get("name", "")),
        profession=str(content.get("profession", "")),
        phone=str(content.get("phone", "")),
        unit=latest.sender_unit,
    )
