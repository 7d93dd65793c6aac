"""Reads of the inbox lists and of a unit's deliveries: need-to-know checked, access logged.

Every list here runs a fixed number of queries whatever its length (a count, the page, one
query per related table, one INSERT into the access log) and is served by the indexes named
beside it.

Access log policy for lists: one row per patient shown on the page (action "view", or
"search" when a personnummer was searched, and `detail` naming the list and page). A list
shows names and identity numbers, so a patient's log extract must name every unit that saw
them, and reviewers can tell list rows from opened messages by `detail`. The rows of a page
are written in one INSERT. The header's new-message count shows no patient data and writes
no row.

Protected identity (domain.md §3): a list shows the name and number of a protected patient
only where the unit takes part in the message's case now (or, for a message without a case,
still holds its delivery or sent it); elsewhere the placeholder.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404

from samplan.accounts.access import can_use_inbox
from samplan.auditlog.access_log import (
    AccessAction,
    access_log_record,
    access_log_record_many,
)
from samplan.auditlog.details import detail_code
from samplan.core.actor import Actor
from samplan.core.localtime import STOCKHOLM, local_date, start_of_local_day
from samplan.core.message_types import MessageType
from samplan.core.paging import PageRequest, paginate
from samplan.discharge.access import cases_for_unit
from samplan.discharge.models import CaseParticipant, DischargeCase, ParticipantRole
from samplan.discharge.process import OPEN_STATES as OPEN_CASE_STATES
from samplan.discharge.process import CaseState
from samplan.messaging import overview
from samplan.messaging.forms import ALL_CASES, OPEN_CASES, UNACKNOWLEDGED, OverviewSort
from samplan.messaging.models import OPEN_STATES, Delivery, DeliveryState, Message
from samplan.organizations.models import Agreement, Unit
from samplan.organizations.terms import DEFAULT_TERMS
from samplan.patients.display import PatientDisplay, patient_display
from samplan.patients.models import MAX_IDENTITY_LENGTH

_PATIENT = "message__patient"
_HELD_STATES = (DeliveryState.NEW, DeliveryState.READ, DeliveryState.ACKNOWLEDGED)


def require_inbox(actor: Actor) -> None:
    """The inbox is for patient work in the current unit; others get 404, like a forged id."""
    if not can_use_inbox(actor.user, actor.unit):
        raise Http404


def _takes_part(unit_id: int, case_ref: str) -> Exists:
    # caseparticipant_unique (case, unit) answers this per row.
    return Exists(
        CaseParticipant.objects.filter(
            case_id=OuterRef(case_ref), unit_id=unit_id, left_at__isnull=True
        )
    )


def _log_page(actor: Actor, patients: list, *, list_name: str, page: Page, searched: str) -> None:
    access_log_record_many(
        actor=actor,
        patients=patients,
        action=AccessAction.SEARCH if searched else AccessAction.VIEW,
        searched_identity=searched,
        detail=detail_code("list_page", list=list_name, page=page.number),
    )
    if searched and not patients:
        # A search that found nothing is logged too, with what was searched.
        access_log_record(
            actor=actor,
            patient=None,
            action=AccessAction.SEARCH,
            searched_identity=searched,
            detail=detail_code("list_no_match", list=list_name),
        )


def search_rejected(actor: Actor, *, typed: str, list_name: str) -> None:
    """A search by a number that is no personnummer is logged too, with what was typed (as
    Sök patient does); nothing is shown."""
    access_log_record(
        actor=actor,
        patient=None,
        action=AccessAction.SEARCH,
        searched_identity="".join(typed.split()).upper()[:MAX_IDENTITY_LENGTH],
        detail=detail_code("list_invalid_number", list=list_name),
    )


def new_count(unit: Unit) -> int:
    """The unit's deliveries nobody has acknowledged yet, read or not (header badge, Mottagna
    tab): "new" lasts until the unit acknowledges, as the 12:00 routine does. One COUNT on the
    partial index delivery_unit_open_due_idx (unit, due_at) WHERE state IN ('new', 'read')."""
    return Delivery.objects.filter(unit_id=unit.pk, state__in=OPEN_STATES).count()


# --- Mottagna ---------------------------------------------------------------------------------


@dataclass
class ReceivedRow:
    delivery: Delivery
    display: PatientDisplay
    overdue: bool

    @property
    def is_new(self) -> bool:
        """Not acknowledged yet: red until someone in the unit acknowledges."""
        return self.delivery.state in OPEN_STATES

    @property
    def is_unread(self) -> bool:
        return self.delivery.state == DeliveryState.NEW

    @property
    def can_acknowledge(self) -> bool:
        return self.delivery.state in OPEN_STATES


def received_deliveries(
    unit: Unit,
    *,
    now: datetime.datetime,
    state: str = "",
    message_type: str = "",
    overdue: bool = False,
    identity: str = "",
) -> QuerySet[Delivery]:
    """The unit's deliveries, newest first. Indexes: delivery_unit_arrived_idx (unit,
    -arrived_at) for the plain list, delivery_unit_state_idx (unit, state, -arrived_at) with a
    state, delivery_unit_open_due_idx (unit, due_at) WHERE open for "overdue only"; a search
    goes from the patient's unique identity number through message_patient_sent_idx. The type
    is a column of the joined message, checked on the unit's rows."""
    deliveries = Delivery.objects.filter(unit_id=unit.pk)
    if state == UNACKNOWLEDGED:
        # delivery_unit_open_due_idx (unit, due_at) WHERE state IN ('new', 'read').
        deliveries = deliveries.filter(state__in=OPEN_STATES)
    elif state:
        deliveries = deliveries.filter(state=state)
    if message_type:
        deliveries = deliveries.filter(message__message_type=message_type)
    if overdue:
        deliveries = deliveries.filter(state__in=OPEN_STATES, due_at__lt=now)
    if identity:
        deliveries = deliveries.filter(message__patient__identity_number=identity)
    # No annotation through the message here: the paginator's COUNT would keep its join and
    # count every delivery the unit ever had through messaging_message (tens of milliseconds
    # for a busy unit). Whether the unit takes part in each row's case is read for the page
    # alone (cases_taken_part).
    # The list shows no message text or content: leave them (and their JSON decoding) out.
    return (
        deliveries.select_related(
            "message__sender_unit", f"{_PATIENT}__listed_care_centre", "message__case"
        )
        .defer("message__text", "message__content")
        .order_by("-arrived_at", "-pk")
    )


def cases_taken_part(unit: Unit, case_ids: set[int]) -> set[int]:
    """Which of these cases the unit takes part in now: one query on caseparticipant_unique
    (case, unit)."""
    if not case_ids:
        return set()
    return set(
        CaseParticipant.objects.filter(
            unit_id=unit.pk, case_id__in=case_ids, left_at__isnull=True
        ).values_list("case_id", flat=True)
    )


def received_page(
    actor: Actor,
    *,
    paging: PageRequest,
    now: datetime.datetime,
    identity: str = "",
    **filters: object,
) -> Page:
    """Mottagna: one page of the current unit's deliveries as ReceivedRows; logs each patient."""
    require_inbox(actor)
    page = paginate(paging, received_deliveries(actor.unit, now=now, identity=identity, **filters))
    deliveries = list(page.object_list)
    taking_part = cases_taken_part(
        actor.unit, {d.message.case_id for d in deliveries if d.message.case_id}
    )
    rows = []
    for delivery in deliveries:
        case_id = delivery.message.case_id
        participant = case_id in taking_part or (case_id is None and delivery.state in _HELD_STATES)
        rows.append(
            ReceivedRow(
                delivery=delivery,
                display=patient_display(delivery.message.patient, participant=participant),
                overdue=delivery.is_overdue(now),
            )
        )
    page.object_list = rows
    _log_page(
        actor,
        [row.delivery.message.patient for row in rows],
        list_name="received",
        page=page,
        searched=identity,
    )
    return page


# --- Skickade ---------------------------------------------------------------------------------


@dataclass
class SentRow:
    message: Message
    display: PatientDisplay
    deliveries: list[Delivery] = field(default_factory=list)


def sent_messages(unit: Unit, *, message_type: str = "", identity: str = "") -> QuerySet[Message]:
    """The unit's sent messages, newest first: message_sender_sent_idx (sender_unit,
    -sent_at); each message's deliveries come in one more query through
    delivery_message_unit_unique (message, unit)."""
    messages = Message.objects.filter(sender_unit_id=unit.pk)
    if message_type:
        messages = messages.filter(message_type=message_type)
    if identity:
        messages = messages.filter(patient__identity_number=identity)
    deliveries = Delivery.objects.select_related("unit", "forwarded_from__unit").order_by(
        "arrived_at", "pk"
    )
    return (
        messages.select_related("patient__listed_care_centre", "sender_user", "refers_to")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .annotate(takes_part=_takes_part(unit.pk, "case_id"))
        .order_by("-sent_at", "-pk")
    )


def sent_page(actor: Actor, *, paging: PageRequest, identity: str = "", **filters: object) -> Page:
    """Skickade: one page of the unit's sent messages as SentRows; logs each patient."""
    require_inbox(actor)
    page = paginate(paging, sent_messages(actor.unit, identity=identity, **filters))
    rows = [
        SentRow(
            message=message,
            display=patient_display(
                message.patient, participant=message.takes_part or message.case_id is None
            ),
            deliveries=list(message.deliveries.all()),
        )
        for message in page.object_list
    ]
    page.object_list = rows
    _log_page(
        actor,
        [row.message.patient for row in rows],
        list_name="sent",
        page=page,
        searched=identity,
    )
    return page


# --- Översikt ---------------------------------------------------------------------------------


@dataclass
class OverviewRow:
    case: DischargeCase
    display: PatientDisplay
    cells: list[overview.Cell]
    # Vårdtid: whole local days from admission to discharge (or today while in hospital).
    length_of_stay: int | None = None

    @property
    def overdue(self) -> bool:
        return overview.has_overdue(self.cells)

    @property
    def has_new(self) -> bool:
        """Something for this unit nobody has acknowledged yet (row marker at the row start)."""
        return overview.has_unacknowledged(self.cells)


def _standing(case_ref: str, message_type: str) -> QuerySet[Message]:
    # message_case_sent_idx (case, sent_at).
    return Message.objects.filter(
        case_id=OuterRef(case_ref), message_type=message_type, cancelled_at__isnull=True
    )


def _latest_time(message_type: str) -> Subquery:
    """When the case's latest standing message of this type happened (late entries count
    from when they happened), in the order overview._latest picks it."""
    return Subquery(
        _standing("pk", message_type)
        .order_by("-sent_at", "-pk")
        .annotate(effective=Coalesce("occurred_at", "sent_at"))
        .values("effective")[:1]
    )


def _agreement_term(name: str) -> Subquery:
    """The case's agreement term: the agreement between its region and municipality in force
    on the Swedish date of admission (agreement_pair_from_idx), as
    organizations.agreements.terms_for."""
    day = OuterRef("admitted_day")
    return Subquery(
        Agreement.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            region_id=OuterRef("region_id"),
            municipality_id=OuterRef("municipality_id"),
            valid_from__lte=day,
        )
        .order_by("-valid_from")
        .values(name)[:1]
    )


def overview_cases(unit: Unit) -> QuerySet[DischargeCase]:
    """The unit's cases with what the cells and the overdue filter need, per row in SQL.

    Reached through caseparticipant_active_idx (unit, case) WHERE left_at IS NULL; the
    annotations are correlated lookups on message_case_sent_idx and agreement_pair_from_idx.
    """
    return (
        cases_for_unit(unit.pk)
        # The participant row joined by cases_for_unit is this unit's: its role.
        .annotate(
            unit_role=F("participants__role"),
            admitted_day=TruncDate("admitted_at", tzinfo=STOCKHOLM),
        )
        .annotate(
            admission_hours=Coalesce(
                _agreement_term("admission_notice_hours"),
                Value(DEFAULT_TERMS.admission_notice_hours),
                output_field=IntegerField(),
            ),
            summons_days=Coalesce(
                _agreement_term("summons_days"),
                Value(DEFAULT_TERMS.summons_days),
                output_field=IntegerField(),
            ),
        )
        .select_related("patient__listed_care_centre", "ward")
    )


def with_overdue_times(cases: QuerySet[DischargeCase]) -> QuerySet[DischargeCase]:
    """The times overview_overdue_q compares, per row in SQL. Only the "overdue only" filter
    needs them (the cells are worked out from the page's messages): two more correlated
    lookups per case that the plain list does not pay for."""
    return cases.annotate(
        admission_start=Coalesce("services_need_assessed_at", "admitted_at"),
        ready_at=_latest_time(MessageType.READY_FOR_DISCHARGE),
        discharged_at=_latest_time(MessageType.DISCHARGE_NOTICE),
    )


def overview_overdue_q(unit: Unit, now: datetime.datetime) -> Q:
    """SQL for "has an overdue cell" on with_overdue_times(overview_cases(unit)): the same rules as
    overview.step_cells (a test holds them together), without computing cells.

    The agreement periods differ per case; they take few distinct values, so the comparison
    is one OR-ed term per value (read in one small query).
    """
    today = local_date(now)
    hours_values = {DEFAULT_TERMS.admission_notice_hours}
    days_values = {DEFAULT_TERMS.summons_days}
    for hours, days in Agreement.objects.values_list(
        "admission_notice_hours", "summons_days"
    ).distinct():
        hours_values.add(hours)
        days_values.add(days)

    # A delivery to this unit on the case, open past its answer time:
    # delivery_unit_open_due_idx (unit, due_at) WHERE state IN ('new', 'read').
    late_delivery = Exists(
        Delivery.objects.filter(
            unit_id=unit.pk,
            message__case_id=OuterRef("pk"),
            message__cancelled_at__isnull=True,
            state__in=OPEN_STATES,
            due_at__lt=now,
        )
    )
    open_case = Q(state__in=list(OPEN_CASE_STATES))
    admission = (
        open_case
        & Q(ward_id=unit.pk)
        & ~Exists(_standing("pk", MessageType.ADMISSION_NOTICE))
        & _any_of(
            Q(admission_hours=hours, admission_start__lt=now - datetime.timedelta(hours=hours))
            for hours in hours_values
        )
    )
    must_summon = Q(unit_role=ParticipantRole.CARE_CONTACT) | (
        Q(unit_role=ParticipantRole.CARE_CENTRE)
        & ~Exists(_standing("pk", MessageType.CARE_CONTACT_APPOINTED))
    )
    summons = (
        Q(sip_needed=True, state__in=[CaseState.READY, CaseState.DISCHARGED])
        & must_summon
        & ~Exists(_standing("pk", MessageType.SIP_SUMMONS))
        & _any_of(
            # Overdue after the end of the local day (ready day + days): ready before the
            # start of the local day (today - days).
            Q(
                summons_days=days,
                ready_at__lt=start_of_local_day(today - datetime.timedelta(days=days)),
            )
            for days in days_values
        )
    )
    discharge_info = (
        Q(ward_id=unit.pk, state=CaseState.DISCHARGED)
        & ~Exists(_standing("pk", MessageType.DISCHARGE_INFO))
        & Q(discharged_at__lt=start_of_local_day(today))
    )
    return late_delivery | admission | summons | discharge_info


def _any_of(conditions: object) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


_OVERVIEW_ORDER = {
    OverviewSort.NEWEST: ("-admitted_at", "-pk"),
    OverviewSort.OLDEST: ("admitted_at", "pk"),
    OverviewSort.NAME: ("patient__last_name", "patient__first_name", "pk"),
    OverviewSort.WARD: ("ward__name", "-admitted_at", "pk"),
}


def overview_filtered(
    unit: Unit,
    *,
    now: datetime.datetime,
    state: str = OPEN_CASES,
    care_type: str = "",
    overdue: bool = False,
    identity: str = "",
    sort: str = OverviewSort.NEWEST,
) -> QuerySet[DischargeCase]:
    cases = overview_cases(unit)
    if state == OPEN_CASES:
        cases = cases.filter(state__in=list(OPEN_CASE_STATES))
    elif state != ALL_CASES:
        cases = cases.filter(state=state)
    if care_type:
        cases = cases.filter(care_type=care_type)
    if identity:
        cases = cases.filter(patient__identity_number=identity)
    if overdue:
        cases = with_overdue_times(cases).filter(overview_overdue_q(unit, now))
    return cases.order_by(*_OVERVIEW_ORDER.get(sort, _OVERVIEW_ORDER[OverviewSort.NEWEST]))


def case_facts(case: DischargeCase) -> overview.CaseFacts:
    return overview.CaseFacts(
        pk=case.pk,
        ward_id=case.ward_id,
        state=case.state,
        admitted_at=case.admitted_at,
        services_need_assessed_at=case.services_need_assessed_at,
        sip_needed=case.sip_needed,
        unit_role=case.unit_role or "",
        admission_notice_hours=case.admission_hours,
        summons_days=case.summons_days,
    )


def overview_rows(
    unit: Unit, cases: list[DischargeCase], now: datetime.datetime
) -> list[OverviewRow]:
    """Cells for a page of cases: two queries whatever the number of cases (their messages
    on message_case_sent_idx; this unit's deliveries of them on delivery_message_unit_unique).
    """
    case_ids = [case.pk for case in cases]
    messages_by_case: dict[int, list[overview.MessageFacts]] = defaultdict(list)
    for values in Message.objects.filter(case_id__in=case_ids).values(
        "pk", "case_id", "message_type", "sender_unit_id", "sent_at", "occurred_at", "cancelled_at"
    ):
        case_id = values.pop("case_id")
        messages_by_case[case_id].append(overview.MessageFacts(**values))
    deliveries_by_case: dict[int, list[overview.DeliveryFacts]] = defaultdict(list)
    for values in Delivery.objects.filter(unit_id=unit.pk, message__case_id__in=case_ids).values(
        "pk", "message_id", "state", "due_at", case_id=F("message__case_id")
    ):
        case_id = values.pop("case_id")
        deliveries_by_case[case_id].append(overview.DeliveryFacts(**values))
    return [
        OverviewRow(
            case=case,
            display=patient_display(case.patient, participant=True),
            cells=overview.step_cells(
                case_facts(case),
                messages_by_case[case.pk],
                deliveries_by_case[case.pk],
                unit_id=unit.pk,
                now=now,
            ),
            length_of_stay=overview.length_of_stay(
                case.admitted_at, messages_by_case[case.pk], now
            ),
        )
        for case in cases
    ]


def overview_page(
    actor: Actor,
    *,
    paging: PageRequest,
    now: datetime.datetime,
    identity: str = "",
    **filters: object,
) -> Page:
    """Översikt: one page of the unit's cases as OverviewRows; logs each patient shown."""
    require_inbox(actor)
    page = paginate(paging, overview_filtered(actor.unit, now=now, identity=identity, **filters))
    page.object_list = overview_rows(actor.unit, list(page.object_list), now)
    _log_page(
        actor,
        [row.case.patient for row in page.object_list],
        list_name="overview",
        page=page,
        searched=identity,
    )
    return page


# --- One message ------------------------------------------------------------------------------


def delivery_of_unit(actor: Actor, message_id: int) -> Delivery | None:
    """The current unit's delivery of a message, if it has one (for the message page and its
    actions). Reads no patient data; the page fetches the message through message_for_unit."""
    require_inbox(actor)
    return (
        Delivery.objects.select_related("read_by", "acknowledged_by", "handled_by")
        .filter(message_id=message_id, unit_id=actor.unit.pk)
        .first()
    )


def own_delivery_or_404(actor: Actor, message_id: int) -> Delivery:
    delivery = delivery_of_unit(actor, message_id)
    if delivery is None:
        raise Http404
    return delivery


def unit_takes_part_in_message(unit: Unit, message: Message, delivery: Delivery | None) -> bool:
    """Whether the unit sees a protected patient's name on this message (module docstring)."""
    if message.case_id is not None:
        return CaseParticipant.objects.filter(
            case_id=message.case_id, unit_id=unit.pk, left_at__isnull=True
        ).exists()
    if message.sender_unit_id == unit.pk:
        return True
    return delivery is not None and delivery.state in _HELD_STATES


def message_history(message: Message, unit: Unit, delivery: Delivery | None) -> list[Delivery]:
    """Deliveries the unit may follow: all of them for the sender; for a receiver its own and
    those it led to (forwarded to, or the fallback's copy when it returned it)."""
    deliveries = Delivery.objects.select_related(
        "unit", "read_by", "acknowledged_by", "handled_by", "forwarded_from__unit"
    ).filter(message=message)
    if message.sender_unit_id != unit.pk:
        if delivery is None:
            return []
        deliveries = deliveries.filter(Q(pk=delivery.pk) | Q(forwarded_from_id=delivery.pk))
    return list(deliveries.order_by("arrived_at", "pk"))


def forward_targets(unit: Unit) -> QuerySet[Unit]:
    """Units of the own organisation that can receive messages now (unit_org_parent_idx)."""
    return (
        Unit.objects.active_on()
        .filter(organization_id=unit.organization_id, has_inbox=True)
        .exclude(pk=unit.pk)
        .order_by("name")
    )
