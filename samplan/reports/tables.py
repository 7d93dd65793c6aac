"""Each report as tables: by month (with the year's total), by unit, and month × unit.

The same Table feeds the page (with the chart beside it), the CSV and the XLSX export, so the
three always agree. A report is a ReportSpec: how to compute its rows, merge rows (a month's
units, a unit's months) and show one row as cells.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from samplan.discharge.liability import REASON_TEXTS
from samplan.organizations.models import Organization, Unit
from samplan.reports import figures
from samplan.reports.sip import SipRow, sip_figures, sip_source

# Cell kinds: how a value is shown and exported.
INT, SHARE, NUMBER, AMOUNT, TEXT = "int", "share", "number", "amount", "text"


@dataclass(frozen=True)
class Column:
    label: Any
    kind: str = INT


@dataclass
class Table:
    caption: str
    head: str  # the first column's heading (month, unit...)
    columns: Sequence[Column]
    rows: list[tuple[str, list[Any]]] = field(default_factory=list)
    total: tuple[str, list[Any]] | None = None


def _sum(rows: Sequence[Any], *names: str) -> dict[str, Any]:
    return {name: sum(getattr(r, name) for r in rows) for name in names}


# --- Merges: a month's units, a unit's months, or the year ------------------------------------


def merge_admissions(rows: Sequence[figures.AdmissionRow]) -> figures.AdmissionRow:
    return figures.AdmissionRow(0, 0, **_sum(rows, "cases", "in_time", "late", "missing"))


def merge_liability(rows: Sequence[figures.LiabilityRow]) -> figures.LiabilityRow:
    merged = figures.LiabilityRow(
        0,
        0,
        **_sum(
            rows,
            "cases",
            "liable_cases",
            "days",
            "eligible_cases",
            "counted_days",
            "grace_days",
            "average_days",
        ),
    )
    merged.amount = sum((r.amount for r in rows), Decimal(0))
    merged.average_amount = sum((r.average_amount for r in rows), Decimal(0))
    merged.amount_missing = any(r.amount_missing for r in rows)
    merged.reasons = sum((r.reasons for r in rows), Counter())
    return merged


def merge_acknowledgements(
    rows: Sequence[figures.AcknowledgementRow],
) -> figures.AcknowledgementRow:
    sums = _sum(
        rows, "received", "acknowledged", "in_time", "late", "handled", "open", "overdue_now"
    )
    weighted = [(r.mean_hours, r.acknowledged) for r in rows if r.mean_hours is not None]
    total = sum(n for _, n in weighted)
    mean = sum(h * n for h, n in weighted) / total if total else None
    classes = (
        [sum(col) for col in zip(*(r.classes for r in rows), strict=True)]
        if rows
        else [0] * len(figures.ACK_HOUR_CLASSES)
    )
    return figures.AcknowledgementRow(0, 0, mean_hours=mean, classes=classes, **sums)


def merge_sip(rows: Sequence[SipRow]) -> SipRow:
    return SipRow(
        0,
        0,
        **_sum(
            rows,
            "started",
            "signed",
            "follow_ups_due",
            "followed_up_in_time",
            "followed_up_late",
            "follow_up_overdue",
        ),
    )


# --- Cells --------------------------------------------------------------------------------------


def admissions_cells(row: figures.AdmissionRow) -> list[Any]:
    return [row.cases, row.in_time, row.late, row.missing, row.share_in_time]


def ready_cells(row: figures.ReadyDaysRow) -> list[Any]:
    return [row.cases, row.mean, row.median, *row.classes]


def liability_cells(row: figures.LiabilityRow) -> list[Any]:
    return [
        row.cases,
        row.liable_cases,
        row.days,
        None if row.amount_missing and row.days else row.amount,
        row.eligible_cases,
        row.mean_counted,
        row.average_days,
        None if row.amount_missing and row.average_days else row.average_amount,
        *[row.reasons.get(code, 0) for code in LIABILITY_REASONS],
    ]


def acknowledgement_cells(row: figures.AcknowledgementRow) -> list[Any]:
    return [
        row.received,
        row.acknowledged,
        row.in_time,
        row.late,
        row.share_in_time,
        row.mean_hours,
        *row.classes,
        row.handled,
        row.open,
        row.overdue_now,
    ]


def sip_cells(row: SipRow) -> list[Any]:
    return [
        row.started,
        row.signed,
        row.share_signed,
        row.follow_ups_due,
        row.followed_up_in_time,
        row.followed_up_late,
        row.follow_up_overdue,
    ]


def indicator_cells(row: figures.IndicatorRow) -> list[Any]:
    return [
        row.admitted,
        row.share_within_24h,
        row.discharged,
        figures.percentile(row.to_ready, 0.5),
        figures.percentile(row.to_ready, 0.9),
        figures.percentile(row.ready_to_discharge, 0.5),
        figures.percentile(row.ready_to_discharge, 0.9),
        figures.percentile(row.summons_to_meeting, 0.5),
        figures.percentile(row.summons_to_meeting, 0.9),
        row.readmitted,
        row.share_readmitted,
    ]


def _class_label(low: int, high: int | None) -> Any:
    """A class of days as a lazy label: "0 days", "4–5 days", "21+ days"."""
    if high is None:
        return format_lazy("{}+ {}", low, _("days"))
    if low == high:
        return format_lazy("{} {}", low, _("days"))
    return format_lazy("{}–{} {}", low, high, _("days"))


LIABILITY_REASONS = [code for code in REASON_TEXTS if code not in figures.NOT_FAILURES]
_REASON_LABELS = {
    "admission_notice_missing": _("No liability: admission notice missing"),
    "admission_notice_late": _("No liability: admission notice late"),
    "ready_notice_missing": _("No liability: ready notice not received"),
    "readiness_withdrawn": _("No liability: readiness withdrawn"),
    "care_contact_missing": _("No liability: no care contact"),
    "sip_summons_missing": _("No liability: no SIP summons"),
    "services_refused": _("No liability: services refused"),
}


@dataclass(frozen=True)
class ReportSpec:
    slug: str
    title: Any
    lead: Any
    unit_heading: Any  # what the unit column is: ward, municipality, receiving unit...
    columns: list[Column]
    merge: Callable[[Sequence[Any]], Any]
    cells: Callable[[Any], list[Any]]
    # Or "organization": the rows' unit_id is an organisation; "pair": (region, municipality).
    unit_kind: str = "unit"


SPECS: dict[str, ReportSpec] = {
    "admissions": ReportSpec(
        slug="admissions",
        title=_("Admission notices within the deadline"),
        lead=_(
            "Cases admitted in each month, by ward: was the admission notice sent within the "
            "agreed hours (24 unless agreed otherwise) of the admission, or of the doctor's "
            "later assessment? The first notice still standing counts."
        ),
        unit_heading=_("Ward"),
        columns=[
            Column(_("Cases")),
            Column(_("In time")),
            Column(_("Late")),
            Column(_("Missing")),
            Column(_("Share in time"), SHARE),
        ],
        merge=merge_admissions,
        cells=admissions_cells,
    ),
    "ready_days": ReportSpec(
        slug="ready_days",
        title=_("Days as ready for discharge"),
        lead=_(
            "Patients discharged in each month after a ready-for-discharge notice, by ward: "
            "calendar days from the (latest) ready notice to the discharge."
        ),
        unit_heading=_("Ward"),
        columns=[
            Column(_("Patients")),
            Column(_("Mean days"), NUMBER),
            Column(_("Median days"), NUMBER),
            *[Column(_class_label(low, high)) for low, high in figures.READY_DAY_CLASSES],
        ],
        merge=figures.merge_ready_days,
        cells=ready_cells,
    ),
    "liability": ReportSpec(
        slug="liability",
        title=_("Payment liability per municipality"),
        lead=_(
            "Patients discharged in each month after a ready notice, by municipality: liable "
            "days and amounts per patient, and under the average model, where days under the "
            "grace period for one patient make up for days over it for another."
        ),
        unit_heading=_("Municipality"),
        columns=[
            Column(_("Patients")),
            Column(_("Patients with liable days")),
            Column(_("Liable days, per patient")),
            Column(_("Amount, per patient (SEK)"), AMOUNT),
            Column(_("Patients where every condition holds")),
            Column(_("Mean days counted from day 0"), NUMBER),
            Column(_("Liable days, average model")),
            Column(_("Amount, average model (SEK)"), AMOUNT),
            *[Column(_REASON_LABELS[code]) for code in LIABILITY_REASONS],
        ],
        merge=merge_liability,
        cells=liability_cells,
        unit_kind="organization",
    ),
    "acknowledgements": ReportSpec(
        slug="acknowledgements",
        title=_("Acknowledgement times and overdue deliveries"),
        lead=_(
            "Messages that arrived in each month, by receiving unit: acknowledged by the "
            "cut-off (12:00) after arrival or later, the time it took, and messages still "
            "waiting."
        ),
        unit_heading=_("Receiving unit"),
        columns=[
            Column(_("Received")),
            Column(_("Acknowledged")),
            Column(_("By the cut-off")),
            Column(_("After the cut-off")),
            Column(_("Share by the cut-off"), SHARE),
            Column(_("Mean hours to acknowledge"), NUMBER),
            Column(_("Under 1 hour")),
            Column(_("1–4 hours")),
            Column(_("4–24 hours")),
            Column(_("24 hours or more")),
            Column(_("Forwarded or returned")),
            Column(_("Still open")),
            Column(_("Overdue now")),
        ],
        merge=merge_acknowledgements,
        cells=acknowledgement_cells,
    ),
    "sip": ReportSpec(
        slug="sip",
        title=_("Coordinated individual plans (SIP)"),
        lead=_(
            "Plans started in each month, by the unit that took the initiative: signed by "
            "every summoned unit and finalised, and followed up by the follow-up date."
        ),
        unit_heading=_("Unit"),
        columns=[
            Column(_("Started")),
            Column(_("Signed")),
            Column(_("Share signed"), SHARE),
            Column(_("Follow-ups due")),
            Column(_("Followed up in time")),
            Column(_("Followed up late")),
            Column(_("Follow-up overdue")),
        ],
        merge=merge_sip,
        cells=sip_cells,
    ),
    "indicators": ReportSpec(
        slug="indicators",
        title=_("Follow-up indicators"),
        lead=_(
            "Per month and per region and municipality: the share of admission notices sent "
            "within 24 hours of the admission (cases admitted in the month); for the cases "
            "discharged in the month, the lead times in calendar days (median and 90th "
            "percentile) and the patients admitted again within 30 days."
        ),
        unit_heading=_("Region and municipality"),
        columns=[
            Column(_("Cases admitted")),
            Column(_("Admission notice within 24 h"), SHARE),
            Column(_("Cases discharged")),
            Column(_("Admission to ready, median days"), NUMBER),
            Column(_("Admission to ready, 90th percentile"), NUMBER),
            Column(_("Ready to discharge, median days"), NUMBER),
            Column(_("Ready to discharge, 90th percentile"), NUMBER),
            Column(_("SIP summons to meeting, median days"), NUMBER),
            Column(_("SIP summons to meeting, 90th percentile"), NUMBER),
            Column(_("Readmitted within 30 days")),
            Column(_("Share readmitted within 30 days"), SHARE),
        ],
        merge=figures.merge_indicators,
        cells=indicator_cells,
        unit_kind="pair",
    ),
}


def compute(slug: str, facts: Any, deliveries: Any, year: figures.Year, reach: Any, unit: Any):
    """The report's rows (month, unit) for the reader's reach; None for SIP without source."""
    if slug == "admissions":
        return figures.admission_notices(facts, year)
    if slug == "ready_days":
        return figures.ready_days(facts, year)
    if slug == "liability":
        return figures.liability(facts, year)
    if slug == "acknowledgements":
        return figures.acknowledgements(deliveries, year)
    if slug == "indicators":
        return figures.indicators(facts, year)
    source = sip_source()
    if source is None:
        return None
    return sip_figures(source(reach, unit, year), year, timezone.localdate())


def _names(spec: ReportSpec, ids: set[Any]) -> dict[Any, str]:
    if spec.unit_kind == "pair":
        names = dict(
            Organization.objects.filter(pk__in={pk for pair in ids for pk in pair}).values_list(
                "pk", "name"
            )
        )
        return {pair: " – ".join(names.get(pk, str(pk)) for pk in pair) for pair in ids}
    model = Organization if spec.unit_kind == "organization" else Unit
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def month_name(month: int) -> str:
    return date_format(datetime.date(2000, month, 1), "F").capitalize()


def build_tables(spec: ReportSpec, rows: Sequence[Any], year: int) -> dict[str, Table]:
    """The by_month (with the year's total) and by_unit tables of a report."""
    names = _names(spec, {r.unit_id for r in rows})
    by_month: dict[int, list[Any]] = defaultdict(list)
    by_unit: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_month[row.month].append(row)
        by_unit[row.unit_id].append(row)
    month_table = Table(
        caption=str(_("%(title)s %(year)s, by month") % {"title": spec.title, "year": year}),
        head=str(_("Month")),
        columns=spec.columns,
        rows=[(month_name(m), spec.cells(spec.merge(by_month.get(m, [])))) for m in range(1, 13)],
        total=(str(_("The whole year")), spec.cells(spec.merge(rows))),
    )
    unit_table = Table(
        caption=str(
            _("%(title)s %(year)s, by %(unit)s")
            % {"title": spec.title, "year": year, "unit": str(spec.unit_heading).lower()}
        ),
        head=str(spec.unit_heading),
        columns=spec.columns,
        rows=sorted(
            (
                (names.get(pk, str(pk)), spec.cells(spec.merge(group)))
                for pk, group in by_unit.items()
            ),
            key=lambda item: item[0],
        ),
    )
    return {"by_month": month_table, "by_unit": unit_table}


def export_rows(spec: ReportSpec, rows: Sequence[Any], year: int) -> list[list[Any]]:
    """Month × unit, one line each, with a header: what the CSV and XLSX exports hold."""
    names = _names(spec, {r.unit_id for r in rows})
    header = [str(_("Month")), str(spec.unit_heading), *(str(c.label) for c in spec.columns)]
    lines = [
        [f"{year}-{row.month:02d}", names.get(row.unit_id, str(row.unit_id)), *spec.cells(row)]
        for row in rows
    ]
    return [header, *lines]
