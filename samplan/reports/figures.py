"""The activity reports' figures (verksamhetsrapporter, domain.md §9), as plain functions.

Each function takes the querysets a reader may see (scope.py) and a calendar year, lets the
database do the counting and the per-case aggregation, and returns rows per month and unit.
The definitions, which the tests check against hand-computed fixtures:

Admission notices within the deadline (per month of admission, per ward)
    Cases admitted in the month. A notice counts from when it was really sent (the late-entry
    time when it was entered afterwards) and the first one still standing (not cancelled)
    counts. In time: sent at most the agreement's hours (24) after the admission, or after the
    doctor's later assessment that services may be needed. Late: sent later. Missing: none.
    Share in time = in time / cases.

Days as ready for discharge (per month of discharge, per ward)
    Cases discharged in the month (a discharge notice still standing) that were reported
    ready (a ready notice still standing; the latest counts, as for payment liability). Days
    = the discharge date minus the date of the ready notice, in Swedish calendar days (ready
    Monday, discharged Friday: 4). Mean, median and a distribution in classes.

Payment liability (per month of discharge, per municipality)
    The same cases. Per patient: samplan.discharge.liability.payment_liability for each
    case, with the terms of the region and municipality's agreement; days and amounts summed.
    Average model (domain.md §6, some regions' agreements): per municipality and month, over
    the cases whose conditions all hold, the municipality pays for the days by which the
    cases' days counted from day 0 exceed their grace days *on average*:
    liable days = max(0, Σ counted days − Σ grace days) = max(0, (mean counted − mean grace)
    × cases), worked out per region the municipality pays (usually one). The counted days
    of a case are the dates from its day 0 to its discharge date (the same midnights the
    per-patient rule counts), so per patient it pays Σ max(0, counted − grace) instead.
    Amount = days × the amount per day of the month's year (or the agreement's own amount).
    Cases with a failing condition pay nothing under either model and are counted by reason.

Acknowledgements (per month of arrival, per receiving unit)
    Deliveries that arrived in the month, except those cancelled before anyone acted (a
    voided message needs no acknowledgement). Acknowledged, of those in time (by the cut-off
    after arrival, Delivery.due_at) and late; forwarded or returned; still open, of those
    overdue now. Time to acknowledge: mean hours, and a distribution in classes.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from samplan.core.message_types import MessageType
from samplan.discharge.deadlines import admission_notice_deadline, local_date
from samplan.discharge.liability import (
    LiabilityResult,
    ReadyNotice,
    ReasonCode,
    liable_dates,
    payment_liability,
)
from samplan.discharge.models import Agreement, DailyAmount, DischargeCase
from samplan.discharge.terms import DEFAULT_TERMS, STOCKHOLM, AgreementTerms
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.reports.periods import Year

M = MessageType

# Classes of the distributions (inclusive bounds; None: no upper bound).
READY_DAY_CLASSES = ((0, 0), (1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, 20), (21, None))
ACK_HOUR_CLASSES = ((0, 1), (1, 4), (4, 24), (24, None))  # [from, to) hours


def _effective(prefix: str = "messages__") -> Coalesce:
    """When a message's event really happened: the late-entry time, else the send time."""
    return Coalesce(f"{prefix}occurred_at", f"{prefix}sent_at")


def _standing(message_type: str, prefix: str = "messages__") -> Q:
    return Q(**{f"{prefix}message_type": message_type, f"{prefix}cancelled_at__isnull": True})


# --- Agreements, read once per report ----------------------------------------------------


class TermsBook:
    """Every agreement, loaded once, to find the terms in force per case without a query
    each (there are at most a few hundred agreements)."""

    def __init__(self) -> None:
        self._by_pair: dict[tuple[int, int], list[Agreement]] = defaultdict(list)
        for agreement in Agreement.objects.order_by("-valid_from"):
            self._by_pair[(agreement.region_id, agreement.municipality_id)].append(agreement)
        self.amounts: dict[int, Decimal] = dict(DailyAmount.objects.values_list("year", "amount"))

    def terms(
        self, region_id: int, municipality_id: int | None, day: datetime.date
    ) -> AgreementTerms:
        for agreement in self._by_pair.get((region_id, municipality_id), ()):
            if agreement.is_in_force(day):
                return agreement.terms()
        return DEFAULT_TERMS

    def daily_amount(self, terms: AgreementTerms, year: int) -> Decimal | None:
        return terms.daily_amount if terms.daily_amount is not None else self.amounts.get(year)


# --- Admission notices --------------------------------------------------------------------


@dataclass
class AdmissionRow:
    month: int
    unit_id: int
    cases: int = 0
    in_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def share_in_time(self) -> float | None:
        return self.in_time / self.cases if self.cases else None


def admission_notices(cases: QuerySet[DischargeCase], year: Year) -> list[AdmissionRow]:
    book = TermsBook()
    facts = (
        cases.filter(admitted_at__gte=year.start, admitted_at__lt=year.end)
        .annotate(notice_at=Min(_effective(), filter=_standing(M.ADMISSION_NOTICE)))
        .values(
            "ward_id",
            "region_id",
            "municipality_id",
            "admitted_at",
            "services_need_assessed_at",
            "notice_at",
        )
        .order_by()
    )
    rows: dict[tuple[int, int], AdmissionRow] = {}
    for case in facts:
        month = year.month_of(case["admitted_at"])
        row = rows.setdefault((month, case["ward_id"]), AdmissionRow(month, case["ward_id"]))
        row.cases += 1
        if case["notice_at"] is None:
            row.missing += 1
            continue
        start = case["services_need_assessed_at"] or case["admitted_at"]
        terms = book.terms(case["region_id"], case["municipality_id"], local_date(start))
        if case["notice_at"] <= admission_notice_deadline(start, terms):
            row.in_time += 1
        else:
            row.late += 1
    return sorted(rows.values(), key=lambda r: (r.month, r.unit_id))


# --- Discharged cases: the facts days-as-ready and liability are computed from --------------


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    ward_id: int
    region_id: int
    municipality_id: int | None
    care_type: str
    admitted_at: datetime.datetime
    services_need_assessed_at: datetime.datetime | None
    care_contact_needed: bool
    sip_needed: bool
    services_refused: bool
    admission_notice_at: datetime.datetime | None
    ready_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    care_contact_at: datetime.datetime | None
    sip_summons_at: datetime.datetime | None
    discharged_at: datetime.datetime


def discharged_case_facts(cases: QuerySet[DischargeCase], year: Year) -> list[CaseFacts]:
    """The cases discharged in `year`, one row of facts each (one query), with the times of
    the messages the liability rests on."""
    # A discharge notice sent before the year cannot have happened in it (a late entry only
    # moves the time earlier): this narrows the grouping to recent cases.
    recent = Message.objects.filter(
        message_type=M.DISCHARGE_NOTICE, cancelled_at__isnull=True, sent_at__gte=year.start
    ).values("case_id")
    rows = (
        cases.filter(pk__in=recent)
        .annotate(
            f_discharged_at=Max(_effective(), filter=_standing(M.DISCHARGE_NOTICE)),
            f_admission_notice_at=Min(_effective(), filter=_standing(M.ADMISSION_NOTICE)),
            f_ready_at=Max(_effective(), filter=_standing(M.READY_FOR_DISCHARGE)),
            f_withdrawn_at=Max(_effective(), filter=_standing(M.READINESS_WITHDRAWN)),
            f_care_contact_at=Min(_effective(), filter=_standing(M.CARE_CONTACT_APPOINTED)),
            f_sip_summons_at=Min(_effective(), filter=_standing(M.SIP_SUMMONS)),
        )
        .filter(f_discharged_at__gte=year.start, f_discharged_at__lt=year.end)
        .values(
            "pk",
            "ward_id",
            "region_id",
            "municipality_id",
            "care_type",
            "admitted_at",
            "services_need_assessed_at",
            "care_contact_needed",
            "sip_needed",
            "services_refused",
            "f_admission_notice_at",
            "f_ready_at",
            "f_withdrawn_at",
            "f_care_contact_at",
            "f_sip_summons_at",
            "f_discharged_at",
        )
        .order_by()
    )
    return [
        CaseFacts(
            case_id=row["pk"],
            ward_id=row["ward_id"],
            region_id=row["region_id"],
            municipality_id=row["municipality_id"],
            care_type=row["care_type"],
            admitted_at=row["admitted_at"],
            services_need_assessed_at=row["services_need_assessed_at"],
            care_contact_needed=row["care_contact_needed"],
            sip_needed=row["sip_needed"],
            services_refused=row["services_refused"],
            admission_notice_at=row["f_admission_notice_at"],
            ready_at=row["f_ready_at"],
            withdrawn_at=row["f_withdrawn_at"],
            care_contact_at=row["f_care_contact_at"],
            sip_summons_at=row["f_sip_summons_at"],
            discharged_at=row["f_discharged_at"],
        )
        for row in rows
    ]


# --- Days as ready for discharge -------------------------------------------------------------


@dataclass
class ReadyDaysRow:
    month: int
    unit_id: int
    days: list[int] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return len(self.days)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.days) if self.days else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def classes(self) -> list[int]:
        return [
            sum(1 for d in self.days if low <= d and (high is None or d <= high))
            for low, high in READY_DAY_CLASSES
        ]


def ready_days(facts: Iterable[CaseFacts], year: Year) -> list[ReadyDaysRow]:
    rows: dict[tuple[int, int], ReadyDaysRow] = {}
    for case in facts:
        if case.ready_at is None or case.ready_at > case.discharged_at:
            continue
        month = year.month_of(case.discharged_at)
        row = rows.setdefault((month, case.ward_id), ReadyDaysRow(month, case.ward_id))
        row.days.append((local_date(case.discharged_at) - local_date(case.ready_at)).days)
    return sorted(rows.values(), key=lambda r: (r.month, r.unit_id))


def merge_ready_days(
    rows: Iterable[ReadyDaysRow], month: int = 0, unit_id: int = 0
) -> ReadyDaysRow:
    merged = ReadyDaysRow(month, unit_id)
    for row in rows:
        merged.days.extend(row.days)
    return merged


# --- Payment liability ----------------------------------------------------------------------


@dataclass
class LiabilityRow:
    month: int
    municipality_id: int
    cases: int = 0  # discharged after a ready notice
    liable_cases: int = 0  # with at least one liable day (per patient)
    days: int = 0  # per patient
    amount: Decimal = Decimal(0)
    amount_missing: bool = False  # a liable day's year has no amount per day
    eligible_cases: int = 0  # every condition holds (the average model's cases)
    counted_days: int = 0  # Σ days from day 0, eligible cases
    grace_days: int = 0  # Σ grace days, eligible cases
    average_days: int = 0
    average_amount: Decimal = Decimal(0)
    reasons: Counter = field(default_factory=Counter)

    @property
    def unit_id(self) -> int:
        """The rows of this report are municipalities (tables.py groups by unit_id)."""
        return self.municipality_id

    @property
    def mean_counted(self) -> float | None:
        return self.counted_days / self.eligible_cases if self.eligible_cases else None


# Reasons that mean "the conditions hold, but no day was liable".
_NOT_FAILURES = {ReasonCode.DISCHARGED_BEFORE_START, ReasonCode.GRACE_PERIOD_RUNNING}


def _received_sets(
    cases: QuerySet[DischargeCase], year: Year
) -> tuple[set[int], set[tuple[int, datetime.datetime]]]:
    """Which cases' admission notice reached the municipality, and which ready notices did
    (case, time): a delivery to a unit of the case's municipality or of a provider it
    contracts. Two queries."""
    to_municipality = Q(unit__organization_id=F("message__case__municipality_id")) | Q(
        unit__organization__contracted_by_id=F("message__case__municipality_id")
    )
    recent = Message.objects.filter(
        message_type=M.DISCHARGE_NOTICE, cancelled_at__isnull=True, sent_at__gte=year.start
    ).values("case_id")
    deliveries = Delivery.objects.filter(
        to_municipality,
        message__case__in=cases.filter(pk__in=recent).values("pk"),
        message__cancelled_at__isnull=True,
    )
    admission = set(
        deliveries.filter(message__message_type=M.ADMISSION_NOTICE)
        .values_list("message__case_id", flat=True)
        .distinct()
    )
    ready = set(
        deliveries.filter(message__message_type=M.READY_FOR_DISCHARGE)
        .annotate(effective=_effective("message__"))
        .values_list("message__case_id", "effective")
        .distinct()
    )
    return admission, ready


def case_liability(
    case: CaseFacts,
    *,
    admission_received: bool,
    ready_received: bool,
    terms: AgreementTerms,
    amounts: Mapping[int, Decimal],
) -> LiabilityResult:
    return payment_liability(
        care_type=case.care_type,
        admitted_at=case.admitted_at,
        services_need_assessed_at=case.services_need_assessed_at,
        admission_notice_sent_at=case.admission_notice_at,
        admission_notice_received=admission_received,
        ready_notices=[ReadyNotice(case.ready_at, ready_received)] if case.ready_at else [],
        readiness_withdrawn_at=[case.withdrawn_at] if case.withdrawn_at else [],
        care_contact_needed=case.care_contact_needed,
        care_contact_appointed_at=case.care_contact_at,
        sip_needed=case.sip_needed,
        sip_summons_sent_at=case.sip_summons_at,
        services_refused=case.services_refused,
        discharged_at=case.discharged_at,
        terms=terms,
        amounts=amounts,
    )


def liability(cases: QuerySet[DischargeCase], year: Year) -> list[LiabilityRow]:
    facts = [
        case
        for case in discharged_case_facts(cases, year)
        if case.ready_at is not None and case.municipality_id is not None
    ]
    admission_received, ready_received = _received_sets(cases, year)
    book = TermsBook()
    rows: dict[tuple[int, int], LiabilityRow] = {}
    # The average model is a matter between a municipality and one region: its days are
    # worked out per region, municipality and month, then added up for the row.
    pairs: dict[tuple[int, int, int], list] = {}
    for case in facts:
        month = year.month_of(case.discharged_at)
        row = rows.setdefault(
            (month, case.municipality_id), LiabilityRow(month, case.municipality_id)
        )
        terms = book.terms(case.region_id, case.municipality_id, local_date(case.admitted_at))
        result = case_liability(
            case,
            admission_received=case.case_id in admission_received,
            ready_received=(case.case_id, case.ready_at) in ready_received,
            terms=terms,
            amounts=book.amounts,
        )
        row.cases += 1
        failures = [code for code in result.reason_codes if code not in _NOT_FAILURES]
        row.reasons.update(failures)
        if failures:
            continue
        counted = len(liable_dates(result.day_zero, case.discharged_at))
        row.eligible_cases += 1
        row.counted_days += counted
        row.grace_days += result.grace_days
        pair = pairs.setdefault((month, case.municipality_id, case.region_id), [0, 0, terms])
        pair[0] += counted
        pair[1] += result.grace_days
        if result.liable_days:
            row.liable_cases += 1
            row.days += result.liable_days
            if result.amount is None:
                row.amount_missing = True
            else:
                row.amount += result.amount
    for (month, municipality_id, _region), (counted, grace, terms) in pairs.items():
        row = rows[(month, municipality_id)]
        days = max(0, counted - grace)
        row.average_days += days
        rate = book.daily_amount(terms, year.year)
        if rate is None:
            row.amount_missing = row.amount_missing or days > 0
        else:
            row.average_amount += rate * days
    return sorted(rows.values(), key=lambda r: (r.month, r.municipality_id))


# --- Acknowledgements -------------------------------------------------------------------------


@dataclass
class AcknowledgementRow:
    month: int
    unit_id: int
    received: int
    acknowledged: int
    in_time: int
    late: int
    handled: int  # forwarded or returned
    open: int
    overdue_now: int
    mean_hours: float | None
    classes: list[int]

    @property
    def share_in_time(self) -> float | None:
        return self.in_time / self.received if self.received else None

    @property
    def overdue(self) -> int:
        """Acknowledged late, or still open past the cut-off."""
        return self.late + self.overdue_now


def _hours(value: datetime.timedelta | float | int | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 3600
    return float(value) / 3_600_000_000  # SQLite averages microseconds


def acknowledgements(
    deliveries: QuerySet[Delivery], year: Year, now: datetime.datetime | None = None
) -> list[AcknowledgementRow]:
    now = now or timezone.now()
    acknowledged = Q(state=DeliveryState.ACKNOWLEDGED)
    waited = ExpressionWrapper(F("acknowledged_at") - F("arrived_at"), output_field=DurationField())

    def within(low: int, high: int | None) -> Count:
        condition = acknowledged & Q(
            acknowledged_at__gte=F("arrived_at") + datetime.timedelta(hours=low)
        )
        if high is not None:
            condition &= Q(acknowledged_at__lt=F("arrived_at") + datetime.timedelta(hours=high))
        return Count("pk", filter=condition)

    classes = {f"c{n}": within(low, high) for n, (low, high) in enumerate(ACK_HOUR_CLASSES)}
    grouped = (
        deliveries.filter(arrived_at__gte=year.start, arrived_at__lt=year.end)
        .exclude(state=DeliveryState.CANCELLED, acknowledged_at__isnull=True)
        .annotate(month=TruncMonth("arrived_at", tzinfo=STOCKHOLM))
        .values("month", "unit_id")
        .annotate(
            received=Count("pk"),
            acknowledged=Count("pk", filter=acknowledged),
            in_time=Count("pk", filter=acknowledged & Q(acknowledged_at__lte=F("due_at"))),
            late=Count("pk", filter=acknowledged & Q(acknowledged_at__gt=F("due_at"))),
            handled=Count(
                "pk", filter=Q(state__in=[DeliveryState.FORWARDED, DeliveryState.RETURNED])
            ),
            open=Count("pk", filter=Q(state__in=[DeliveryState.NEW, DeliveryState.READ])),
            overdue_now=Count(
                "pk",
                filter=Q(state__in=[DeliveryState.NEW, DeliveryState.READ], due_at__lt=now),
            ),
            mean_wait=Avg(waited, filter=acknowledged),
            **classes,
        )
        .order_by("month", "unit_id")
    )
    return [
        AcknowledgementRow(
            month=row["month"].astimezone(STOCKHOLM).month
            if isinstance(row["month"], datetime.datetime)
            else row["month"].month,
            unit_id=row["unit_id"],
            received=row["received"],
            acknowledged=row["acknowledged"],
            in_time=row["in_time"],
            late=row["late"],
            handled=row["handled"],
            open=row["open"],
            overdue_now=row["overdue_now"],
            mean_hours=_hours(row["mean_wait"]),
            classes=[row[f"c{n}"] for n in range(len(ACK_HOUR_CLASSES))],
        )
        for row in grouped
    ]
