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
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, F, FloatField, Func, Q, QuerySet, Sum
from django.utils import timezone

from samplan.discharge.liability import ReasonCode
from samplan.messaging.models import Delivery, DeliveryState
from samplan.reports.facts import TermsBook
from samplan.reports.models import AdmissionState, CaseFact
from samplan.reports.periods import Year

# Classes of the distributions (inclusive bounds; None: no upper bound).
READY_DAY_CLASSES = ((0, 0), (1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, 20), (21, None))
ACK_HOUR_CLASSES = ((0, 1), (1, 4), (4, 24), (24, None))  # [from, to) hours


def _months(year: Year, field_name: str) -> Q:
    return Q(
        **{
            f"{field_name}__gte": datetime.date(year.year, 1, 1),
            f"{field_name}__lte": datetime.date(year.year, 12, 1),
        }
    )


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


def admission_notices(facts: QuerySet[CaseFact], year: Year) -> list[AdmissionRow]:
    grouped = (
        facts.filter(_months(year, "admitted_month"))
        .values("admitted_month", "ward_id")
        .annotate(
            cases=Count("pk"),
            in_time=Count("pk", filter=Q(admission=AdmissionState.IN_TIME)),
            late=Count("pk", filter=Q(admission=AdmissionState.LATE)),
            missing=Count("pk", filter=Q(admission=AdmissionState.MISSING)),
        )
        .order_by("admitted_month", "ward_id")
    )
    return [
        AdmissionRow(
            month=row["admitted_month"].month,
            unit_id=row["ward_id"],
            cases=row["cases"],
            in_time=row["in_time"],
            late=row["late"],
            missing=row["missing"],
        )
        for row in grouped
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


def ready_days(facts: QuerySet[CaseFact], year: Year) -> list[ReadyDaysRow]:
    """Counted in SQL per month, ward and number of days; the median and classes from those
    counts (a few thousand rows for a year of a large region)."""
    grouped = (
        facts.filter(_months(year, "discharged_month"), ready_days__isnull=False)
        .values("discharged_month", "ward_id", "ready_days")
        .annotate(n=Count("pk"))
        .order_by("discharged_month", "ward_id", "ready_days")
    )
    rows: dict[tuple[int, int], ReadyDaysRow] = {}
    for row in grouped:
        month = row["discharged_month"].month
        target = rows.setdefault((month, row["ward_id"]), ReadyDaysRow(month, row["ward_id"]))
        target.days.extend([row["ready_days"]] * row["n"])
    return list(rows.values())


def merge_ready_days(rows, month: int = 0, unit_id: int = 0) -> ReadyDaysRow:
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


def liability(facts: QuerySet[CaseFact], year: Year) -> list[LiabilityRow]:
    """Per patient: the sums of the cases' liability. Average model: per region,
    municipality and month, max(0, Σ counted days − Σ grace days) over the cases whose
    conditions all hold, at the amount per day of the agreement in force on the 1st."""
    grouped = (
        facts.filter(_months(year, "discharged_month"), liability_counted=True)
        .values("discharged_month", "municipality_id", "region_id", "reasons")
        .annotate(
            n=Count("pk"),
            liable=Count("pk", filter=Q(liable_days__gt=0)),
            days=Sum("liable_days"),
            amount=Sum("liable_amount"),
            missing=Count("pk", filter=Q(amount_missing=True)),
            counted=Sum("counted_days"),
            grace=Sum("grace_days"),
        )
        .order_by("discharged_month", "municipality_id", "region_id", "reasons")
    )
    book = TermsBook()
    rows: dict[tuple[int, int], LiabilityRow] = {}
    average: dict[tuple[datetime.date, int, int], list[int]] = {}
    for group in grouped:
        first = group["discharged_month"]
        key = (first.month, group["municipality_id"])
        row = rows.setdefault(key, LiabilityRow(*key))
        row.cases += group["n"]
        if group["reasons"]:
            for code in group["reasons"].split(","):
                row.reasons[code] += group["n"]
            continue
        row.liable_cases += group["liable"]
        row.days += group["days"] or 0
        row.amount += group["amount"] or Decimal(0)
        row.amount_missing = row.amount_missing or bool(group["missing"])
        row.eligible_cases += group["n"]
        row.counted_days += group["counted"] or 0
        row.grace_days += group["grace"] or 0
        pair = average.setdefault((first, group["municipality_id"], group["region_id"]), [0, 0])
        pair[0] += group["counted"] or 0
        pair[1] += group["grace"] or 0
    for (first, municipality_id, region_id), (counted, grace) in average.items():
        row = rows[(first.month, municipality_id)]
        days = max(0, counted - grace)
        row.average_days += days
        rate = book.daily_amount(book.terms(region_id, municipality_id, first), first.year)
        if rate is None:
            row.amount_missing = row.amount_missing or days > 0
        else:
            row.average_amount += rate * days
    return sorted(rows.values(), key=lambda r: (r.month, r.municipality_id))


# Kept for the tables: reasons that are not failures never reach the facts.
NOT_FAILURES = (ReasonCode.DISCHARGED_BEFORE_START, ReasonCode.GRACE_PERIOD_RUNNING)


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


class SecondsBetween(Func):
    """end − start in seconds, with the database's own date functions (no per-row Python
    on SQLite, where Django's datetime arithmetic calls back into Python for every row)."""

    output_field = FloatField()

    def __init__(self, end: str, start: str) -> None:
        super().__init__(F(end), F(start))

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL and the rest
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return (
            f"EXTRACT(EPOCH FROM ({end} - {start}))::double precision",
            [*end_params, *start_params],
        )

    def as_sqlite(self, compiler, connection, **extra):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return f"((julianday({end}) - julianday({start})) * 86400.0)", [
            *end_params,
            *start_params,
        ]


def acknowledgements(
    deliveries: QuerySet[Delivery], year: Year, now: datetime.datetime | None = None
) -> list[AcknowledgementRow]:
    now = now or timezone.now()
    acknowledged = Q(state=DeliveryState.ACKNOWLEDGED)

    def within(low: int, high: int | None) -> Count:
        condition = acknowledged & Q(wait__gte=low * 3600)
        if high is not None:
            condition &= Q(wait__lt=high * 3600)
        return Count("pk", filter=condition)

    classes = {f"c{n}": within(low, high) for n, (low, high) in enumerate(ACK_HOUR_CLASSES)}
    grouped = (
        deliveries.filter(arrived_at__gte=year.start, arrived_at__lt=year.end)
        .exclude(state=DeliveryState.CANCELLED, acknowledged_at__isnull=True)
        .annotate(
            month=year.month_case("arrived_at"),
            wait=SecondsBetween("acknowledged_at", "arrived_at"),
        )
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
            mean_wait=Avg("wait", filter=acknowledged),
            **classes,
        )
        .order_by("month", "unit_id")
    )
    return [
        AcknowledgementRow(
            month=row["month"],
            unit_id=row["unit_id"],
            received=row["received"],
            acknowledged=row["acknowledged"],
            in_time=row["in_time"],
            late=row["late"],
            handled=row["handled"],
            open=row["open"],
            overdue_now=row["overdue_now"],
            mean_hours=None if row["mean_wait"] is None else row["mean_wait"] / 3600,
            classes=[row[f"c{n}"] for n in range(len(ACK_HOUR_CLASSES))],
        )
        for row in grouped
    ]
