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

Follow-up indicators (per month, per region and municipality pair; cases with a municipality)
    Admitted in the month: cases, and the share whose first standing admission notice was
    sent at most 24 h after the admission (or the doctor's later assessment): the law's fixed
    24 h, whatever an agreement says (the admission report above uses the agreement's hours).
    Discharged in the month (a standing discharge notice): cases; lead times in Swedish
    calendar days, as median and 90th percentile (nearest rank: the smallest value at least
    90 % of the cases reach): admission to the latest standing ready notice; the latest ready
    notice to the discharge (the same days as the ready-days report); the first standing SIP
    summons to the meeting time of the latest standing summons (cases with both). Readmitted:
    of the cases discharged in the month, those whose person has another case admitted after
    the discharge and at most 30 calendar days later; for the last month the 30 days may not
    have passed yet, so its share can still grow.

Acknowledgements (per month of arrival, per receiving unit)
    Deliveries that arrived in the month, except those cancelled before anyone acted (a
    voided message needs no acknowledgement). Acknowledged, of those in time (by the cut-off
    after arrival, Delivery.due_at) and late; forwarded or returned; still open, of those
    overdue now. Time to acknowledge: mean hours, and a distribution in classes.
"""

from __future__ import annotations

import datetime
import math
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


# --- Follow-up indicators --------------------------------------------------------------------


def percentile(counts: Counter, share: float) -> float | None:
    """The value at `share` (0.5: the median, averaging the two middle values of an even
    count as statistics.median does; otherwise the nearest rank) of a distribution given as
    value -> number of cases."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())

    def nth(n: int) -> int:  # the n-th smallest value, from 1
        seen = 0
        for value, number in ordered:
            seen += number
            if seen >= n:
                return value
        return ordered[-1][0]

    if share == 0.5:
        if total % 2:
            return float(nth(total // 2 + 1))
        return (nth(total // 2) + nth(total // 2 + 1)) / 2
    return float(nth(max(1, math.ceil(share * total))))


@dataclass
class IndicatorRow:
    month: int
    unit_id: tuple[int, int]  # (region, municipality): the organisation pair
    admitted: int = 0
    notice_within_24h: int = 0
    discharged: int = 0
    readmitted: int = 0
    to_ready: Counter = field(default_factory=Counter)
    ready_to_discharge: Counter = field(default_factory=Counter)
    summons_to_meeting: Counter = field(default_factory=Counter)

    @property
    def share_within_24h(self) -> float | None:
        return self.notice_within_24h / self.admitted if self.admitted else None

    @property
    def share_readmitted(self) -> float | None:
        return self.readmitted / self.discharged if self.discharged else None


INDICATOR_DISTRIBUTIONS = {
    "to_ready": "admission_to_ready_days",
    "ready_to_discharge": "ready_days",
    "summons_to_meeting": "summons_to_meeting_days",
}


def indicators(facts: QuerySet[CaseFact], year: Year) -> list[IndicatorRow]:
    """Five GROUP BYs over the facts: admissions, discharges, and each lead time's
    distribution in whole days (a few thousand rows for a year of a large region)."""
    facts = facts.filter(municipality_id__isnull=False)
    rows: dict[tuple[int, int, int], IndicatorRow] = {}

    def row(month: datetime.date, region_id: int, municipality_id: int) -> IndicatorRow:
        key = (month.month, region_id, municipality_id)
        found = rows.get(key)
        if found is None:
            found = rows[key] = IndicatorRow(month.month, (region_id, municipality_id))
        return found

    admitted = (
        facts.filter(_months(year, "admitted_month"))
        .values("admitted_month", "region_id", "municipality_id")
        .annotate(n=Count("pk"), within=Count("pk", filter=Q(notice_within_24h=True)))
        .order_by()
    )
    for group in admitted:
        target = row(group["admitted_month"], group["region_id"], group["municipality_id"])
        target.admitted, target.notice_within_24h = group["n"], group["within"]
    discharged = facts.filter(_months(year, "discharged_month"))
    for group in (
        discharged.values("discharged_month", "region_id", "municipality_id")
        .annotate(n=Count("pk"), readmitted=Count("pk", filter=Q(readmitted=True)))
        .order_by()
    ):
        target = row(group["discharged_month"], group["region_id"], group["municipality_id"])
        target.discharged, target.readmitted = group["n"], group["readmitted"]
    for name, column in INDICATOR_DISTRIBUTIONS.items():
        for group in (
            discharged.filter(**{f"{column}__isnull": False})
            .values("discharged_month", "region_id", "municipality_id", column)
            .annotate(n=Count("pk"))
            .order_by()
        ):
            target = row(group["discharged_month"], group["region_id"], group["municipality_id"])
            getattr(target, name)[group[column]] += group["n"]
    return sorted(rows.values(), key=lambda r: (r.month, r.unit_id))


def merge_indicators(rows, month: int = 0, unit_id: tuple[int, int] = (0, 0)) -> IndicatorRow:
    merged = IndicatorRow(month, unit_id)
    for row in rows:
        merged.admitted += row.admitted
        merged.notice_within_24h += row.notice_within_24h
        merged.discharged += row.discharged
        merged.readmitted += row.readmitted
        for name in INDICATOR_DISTRIBUTIONS:
            getattr(merged, name).update(getattr(row, name))
    return merged


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
