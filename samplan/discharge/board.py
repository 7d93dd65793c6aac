"""Översikt, the discharge board: a unit's cases with one cell per step of the process.

The cells' rules are pure functions in board_cells.py; this module reads a page of cases for
them in a fixed number of queries, and holds "has an overdue cell" as SQL for the filter
(overview_overdue_q), proven equal to the cells by a test. Every patient on the page is logged
(samplan.messaging.access.log_list_page), as on every inbox list.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.core.paginator import Page
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils.encoding import force_str
from django.utils.translation import get_language

from samplan.core.actor import Actor
from samplan.core.localtime import STOCKHOLM, local_date, start_of_local_day
from samplan.core.message_types import MessageType
from samplan.core.paging import DEFAULT_PAGE_SIZE, PageRequest, paginate
from samplan.core.prepared import counted, prepared
from samplan.discharge import board_cells
from samplan.discharge.access import cases_for_unit
from samplan.discharge.forms import ALL_CASES, OPEN_CASES, OverviewSort
from samplan.discharge.models import CaseParticipant, DischargeCase, ParticipantRole
from samplan.discharge.process import OPEN_STATES as OPEN_CASE_STATES
from samplan.discharge.process import CaseState
from samplan.messaging.access import log_list_page, new_count_column, require_inbox
from samplan.messaging.models import OPEN_STATES, Delivery, Message
from samplan.organizations.agreements import agreement_term
from samplan.organizations.models import Agreement, Unit
from samplan.organizations.terms import DEFAULT_TERMS
from samplan.patients.display import PatientDisplay, patient_display
from samplan.patients.identity import format_identity
from samplan.patients.models import Patient


class ListedPatient(NamedTuple):
    """The patient of a row of Översikt, read as column values: what patients.display's
    patient_display reads of a Patient (DISPLAY_FIELDS, the listed care centre's name) and
    what the access log reads (pk, protection), under the same names. A page built a Patient
    and a Unit instance per row for these few columns."""

    pk: int
    identity_number: str
    identity_kind: str
    first_name: str
    last_name: str
    birth_date: datetime.date | None
    protection: str
    registered_municipality: str
    postal_code: str
    street_address: str
    city: str
    phone: str
    listed_care_centre_id: int | None
    listed_care_centre_name: str | None
    identity_kind_label: str  # get_identity_kind_display(), in the page's language

    @property
    def identity_display(self) -> str:
        return format_identity(self.identity_number, self.identity_kind)

    @property
    def listed_care_centre(self) -> _Named | None:
        if self.listed_care_centre_id is None:
            return None
        return _Named(self.listed_care_centre_name)

    def get_identity_kind_display(self) -> str:
        return self.identity_kind_label


class _Named(NamedTuple):
    name: str


class ListedCase(NamedTuple):
    """A case of Översikt as column values: what case_facts and the row read of it."""

    pk: int
    ward_id: int
    state: str
    admitted_at: datetime.datetime
    services_need_assessed_at: datetime.datetime | None
    sip_needed: bool
    unit_role: str | None  # this unit's participation's role
    admission_hours: int
    summons_days: int
    ward_name: str
    patient: ListedPatient


@dataclass
class OverviewRow:
    case: ListedCase
    display: PatientDisplay
    cells: list[board_cells.Cell]
    # Vårdtid: whole local days from admission to discharge (or today while in hospital).
    length_of_stay: int | None = None

    @property
    def overdue(self) -> bool:
        return board_cells.has_overdue(self.cells)

    @property
    def has_new(self) -> bool:
        """Something for this unit nobody has acknowledged yet (row marker at the row start)."""
        return board_cells.has_unacknowledged(self.cells)


def _standing(case_ref: str, message_type: str) -> QuerySet[Message]:
    # The case's links (casemessage by case), then each message by its key.
    return Message.objects.filter(
        case_link__case_id=OuterRef(case_ref), message_type=message_type, cancelled_at__isnull=True
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


def overview_cases(unit: Unit, *, open_only: bool = False) -> QuerySet[DischargeCase]:
    """The unit's cases with what the cells and the overdue filter need, per row in SQL.

    Reached through caseparticipant_active_idx (unit, case) WHERE left_at IS NULL, or with
    `open_only` participant_open_newest_idx; the annotations are correlated lookups on
    message_case_sent_idx and agreement_pair_from_idx.
    """
    return (
        cases_for_unit(unit.pk, open_only=open_only)
        # The participant row joined by cases_for_unit is this unit's: its role.
        .annotate(
            unit_role=F("participants__role"),
            admitted_day=TruncDate("admitted_at", tzinfo=STOCKHOLM),
        )
        .annotate(
            admission_hours=Coalesce(
                agreement_term("admission_notice_hours", day="admitted_day"),
                Value(DEFAULT_TERMS.admission_notice_hours),
                output_field=IntegerField(),
            ),
            summons_days=Coalesce(
                agreement_term("summons_days", day="admitted_day"),
                Value(DEFAULT_TERMS.summons_days),
                output_field=IntegerField(),
            ),
        )
    )


# The columns of a ListedCase, in its order: of the case, what case_facts and the row read
# (the ward's name for the row); then the ListedPatient's, without its translated label.
_CASE_COLUMNS = (
    "pk",
    "ward_id",
    "state",
    "admitted_at",
    "services_need_assessed_at",
    "sip_needed",
    "unit_role",
    "admission_hours",
    "summons_days",
    "ward__name",
)
_PATIENT_COLUMNS = (
    "patient_id",
    "patient__identity_number",
    "patient__identity_kind",
    "patient__first_name",
    "patient__last_name",
    "patient__birth_date",
    "patient__protection",
    "patient__registered_municipality",
    "patient__postal_code",
    "patient__street_address",
    "patient__city",
    "patient__phone",
    "patient__listed_care_centre_id",
    "patient__listed_care_centre__name",
)
_LISTED_COLUMNS = (*_CASE_COLUMNS, *_PATIENT_COLUMNS)
_PATIENT_START = len(_CASE_COLUMNS)
_PATIENT_END = len(_LISTED_COLUMNS)


def listed_columns(cases: QuerySet[DischargeCase]) -> QuerySet[DischargeCase]:
    """overview_cases' rows as the column values listed_cases turns into ListedCases."""
    return cases.values_list(*_LISTED_COLUMNS)


@functools.lru_cache(maxsize=8)
def _identity_kind_labels(language: str | None) -> dict[str, str]:
    # Patient.get_identity_kind_display per value, translated once per language (`language`
    # is the key only): it was a gettext per row.
    field = Patient._meta.get_field("identity_kind")
    return {value: force_str(label, strings_only=True) for value, label in field.flatchoices}


def listed_cases(rows: list[tuple]) -> list[ListedCase]:
    """listed_columns' rows as ListedCases, each with its ListedPatient (columns after
    listed_columns', as the first rows' total, are left out)."""
    labels = _identity_kind_labels(get_language())
    start, end = _PATIENT_START, _PATIENT_END
    cases = []
    for row in rows:
        patient = row[start:end]
        kind = patient[2]
        cases.append(ListedCase(*row[:start], ListedPatient(*patient, labels.get(kind, kind))))
    return cases


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
    board_cells.step_cells (a test holds them together), without computing cells.

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
            message__case_link__case_id=OuterRef("pk"),
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
# The open cases by admission, in the same order from the unit's participation row (joined by
# cases_for_unit): CaseParticipant.case_admitted_at and case_id are the case's admitted_at
# and pk, so the first page is read in order from participant_open_newest_idx.
_OPEN_ORDER = {
    OverviewSort.NEWEST: ("-participants__case_admitted_at", "-participants__case_id"),
    OverviewSort.OLDEST: ("participants__case_admitted_at", "participants__case_id"),
}


def _read_in_order(state: str, sort: str) -> bool:
    """The list is read in order from the unit's participations (_OPEN_ORDER): its first page
    stops after a page's rows, whatever the unit's number of cases."""
    return state == OPEN_CASES and sort in _OPEN_ORDER


def _overview_order(state: str, sort: str) -> tuple[str, ...]:
    if _read_in_order(state, sort):
        return _OPEN_ORDER[sort]
    return _OVERVIEW_ORDER.get(sort, _OVERVIEW_ORDER[OverviewSort.NEWEST])


def _overview_where(
    cases: QuerySet[DischargeCase], *, state: str, care_type: str, identity: str
) -> QuerySet[DischargeCase]:
    # The open cases are those whose participation says so (cases_for_unit with open_only,
    # which every open list is built on): the database keeps the flag in step with the
    # case's state. A check of the state here too made PostgreSQL expect a seventh of the
    # rows, and sort them all rather than read the first page in order.
    if state not in (OPEN_CASES, ALL_CASES):
        cases = cases.filter(state=state)
    if care_type:
        cases = cases.filter(care_type=care_type)
    if identity:
        cases = cases.filter(patient__identity_number=identity)
    return cases


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
    cases = _overview_where(
        overview_cases(unit, open_only=state == OPEN_CASES),
        state=state,
        care_type=care_type,
        identity=identity,
    )
    if overdue:
        cases = with_overdue_times(cases).filter(overview_overdue_q(unit, now))
    return cases.order_by(*_overview_order(state, sort))


def case_facts(case: ListedCase) -> board_cells.CaseFacts:
    return board_cells.CaseFacts(
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


# The first page's usual number of cases, for the start-up's compilation (a list's length is
# part of a prepared query's shape).
_WARM_CASE_IDS = list(range(1, DEFAULT_PAGE_SIZE + 1))


@prepared(warm=lambda: [{"unit_id": 1, "case_ids": _WARM_CASE_IDS}])
def _page_messages(*, unit_id: int, case_ids: list[int]) -> QuerySet[Message]:
    """The page's messages through casemessage by case, each with this unit's delivery of it
    if any (delivery_message_unit_unique: at most one): (case id, MessageFacts' fields in
    their order, then DeliveryFacts' fields but the message's id, or Nones; the answer time
    only while the delivery is open). One query: the deliveries were a second one, on the same
    casemessage rows."""
    return (
        Message.objects.filter(case_link__case_id__in=case_ids)
        .annotate(mine=FilteredRelation("deliveries", condition=Q(deliveries__unit_id=unit_id)))
        # The answer time of an open delivery only (the cells read no other): most of the
        # unit's deliveries are acknowledged, and a time costs some microseconds to load.
        .annotate(mine_due_at=Case(When(mine__state__in=OPEN_STATES, then=F("mine__due_at"))))
        .values_list(
            "case_link__case_id",
            "pk",
            "message_type",
            "sender_unit_id",
            "sent_at",
            "occurred_at",
            "cancelled_at",
            "mine__pk",
            "mine__state",
            "mine_due_at",
        )
    )


def overview_rows(unit: Unit, cases: list[ListedCase], now: datetime.datetime) -> list[OverviewRow]:
    """Cells for a page of cases: one query whatever the number of cases (their messages
    through casemessage by case, with this unit's deliveries of them), prepared (compiled
    once per number of cases)."""
    case_ids = [case.pk for case in cases]
    messages_by_case: dict[int, list[board_cells.MessageFacts]] = defaultdict(list)
    deliveries_by_case: dict[int, list[board_cells.DeliveryFacts]] = defaultdict(list)
    if case_ids:  # no query for an empty page, as before (an empty IN runs none)
        message_facts, delivery_facts = board_cells.MessageFacts, board_cells.DeliveryFacts
        for row in _page_messages(unit_id=unit.pk, case_ids=case_ids):
            case_id, message_id = row[0], row[1]
            messages_by_case[case_id].append(message_facts._make(row[1:7]))
            if row[7] is not None:
                deliveries_by_case[case_id].append(
                    delivery_facts(row[7], message_id, row[8], row[9])
                )
    return [
        OverviewRow(
            case=case,
            display=patient_display(case.patient, participant=True),
            cells=board_cells.step_cells(
                case_facts(case),
                messages_by_case[case.pk],
                deliveries_by_case[case.pk],
                unit_id=unit.pk,
                now=now,
            ),
            length_of_stay=board_cells.length_of_stay(
                case.admitted_at, messages_by_case[case.pk], now
            ),
        )
        for case in cases
    ]


@prepared(
    shape=("state", "care_type", "sort", "overdue", "limit"),
    warm=lambda: [{"unit_id": 1, "identity": "", "limit": DEFAULT_PAGE_SIZE + 1}],
)
def _overview_first_rows(
    *,
    unit_id: int,
    identity: str,
    limit: int,
    state: str = OPEN_CASES,
    care_type: str = "",
    overdue: bool = False,
    sort: str = OverviewSort.NEWEST,
) -> QuerySet[DischargeCase]:
    """The first page of overview_filtered (and one row more), without "overdue only", as
    listed_columns, each row ending with the unit's new-message count for the page's header
    (messaging.access.new_count_column) and the number of cases in the whole list.

    The number comes in the same statement (it was a second query on the same participations
    whenever the first page is full). A list read in order (_read_in_order) has it as
    _overview_count's COUNT in a subquery that PostgreSQL runs once: a window count would
    read every row of the list, which the order lets the LIMIT skip. Other lists are sorted
    whole anyway, and count the rows the LIMIT picks from with a window. PostgreSQL computes
    the agreement terms' subqueries for the limited rows only, as without the count."""
    unit = Unit(pk=unit_id)  # overview_filtered reads only the unit's id
    cases = overview_filtered(
        unit, now=None, state=state, care_type=care_type, identity=identity, sort=sort
    )
    if _read_in_order(state, sort):
        total = Subquery(
            _overview_counted(unit_id=unit_id, identity=identity, state=state, care_type=care_type)
        )
    else:
        total = Window(Count("pk"))
    return cases.annotate(unit_new_count=new_count_column(unit_id), listed_total=total).values_list(
        *_LISTED_COLUMNS, "unit_new_count", "listed_total"
    )[:limit]


def _overview_counted(*, unit_id: int, identity: str, state: str, care_type: str) -> QuerySet:
    if state == OPEN_CASES and not care_type and not identity:
        # Nothing of the case itself is asked: the unit's open participations alone, counted
        # in participant_open_newest_idx (one per case: caseparticipant_unique). PostgreSQL
        # does not drop a join it does not need: the case's was a probe per open case.
        return counted(
            CaseParticipant.objects.filter(unit_id=unit_id, left_at__isnull=True, case_open=True),
            of="case",
        )
    return counted(
        _overview_where(
            cases_for_unit(unit_id, open_only=state == OPEN_CASES),
            state=state,
            care_type=care_type,
            identity=identity,
        )
    )


@prepared(
    shape=("state", "care_type"),
    warm=lambda: [{"unit_id": 1, "identity": "", "state": OPEN_CASES, "care_type": ""}],
)
def _overview_count(
    *, unit_id: int, identity: str, state: str, care_type: str
) -> QuerySet[DischargeCase]:
    """How many cases overview_filtered lists, without "overdue only" (as its COUNT)."""
    return _overview_counted(unit_id=unit_id, identity=identity, state=state, care_type=care_type)


def overview_page(
    actor: Actor,
    *,
    paging: PageRequest,
    now: datetime.datetime,
    identity: str = "",
    **filters: object,
) -> Page:
    """Översikt: one page of the unit's cases as OverviewRows; logs each patient shown. The
    page's `unit_new_count` is the header's count when the first page's statement read it
    (None otherwise: the header counts on its own)."""
    require_inbox(actor)
    unit_id = actor.unit.pk
    first_rows = count = new_count = None
    if not filters.get("overdue"):  # "overdue only" reads the agreements' terms: not prepared
        # The first page's rows end with the whole list's number (_overview_first_rows):
        # kept for the paginator, which asks for it when the first page is full.
        first_total: list[int] = []

        def first_rows(n: int) -> list[tuple]:
            nonlocal new_count
            rows = _overview_first_rows(unit_id=unit_id, identity=identity, limit=n, **filters)
            if rows:
                new_count, total = rows[0][-2:]
                first_total.append(total)
            return rows

        def count() -> int:
            if first_total:
                return first_total[0]
            (number,) = _overview_count(
                unit_id=unit_id,
                identity=identity,
                state=filters.get("state", OPEN_CASES),
                care_type=filters.get("care_type", ""),
            )
            return number

    page = paginate(
        paging,
        lambda: listed_columns(
            overview_filtered(actor.unit, now=now, identity=identity, **filters)
        ),
        first_rows=first_rows,
        count=count,
    )
    page.object_list = overview_rows(actor.unit, listed_cases(page.object_list), now)
    page.unit_new_count = new_count
    log_list_page(
        actor,
        [row.case.patient for row in page.object_list],
        list_name="overview",
        page=page,
        searched=identity,
    )
    return page
