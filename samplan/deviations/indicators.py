"""Follow-up indicators of deviations (issue 15 point 4): per month and organisation pair, by
category and state, with the median time to answer.

Counting rules:
- one count per deviation and organisation concerned (DeviationRecipient): a deviation sent to
  two organisations counts once for each pair;
- a deviation belongs to the Swedish local month in which it was reported (`reported_at`);
- its state is the state it has now (the report is of the deviations reported in the year, as
  they stand);
- time to answer: from reporting to the first answer (`answered_at`), in days with decimals; the
  median is over the answered ones of the row (a closed deviation was answered first). A
  deviation not answered yet has no time to answer and does not count in the median.

`compute` runs three queries whatever the number of deviations: the counts grouped by month,
pair, category and state; the answer times of the answered ones (two columns); the names of
the organisations. Both scans are served by devrecipient_report_idx and
devrecipient_reporter_idx (organization or reporting_organization, reported_at).
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, DurationField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext_lazy as _

from samplan.core.localtime import STOCKHOLM, start_of_local_day
from samplan.deviations.models import Category, DeviationRecipient, DeviationState
from samplan.organizations.models import Organization

STATES = list(DeviationState.values)
SECONDS_PER_DAY = 86_400


@dataclass
class Row:
    """One line of a table: a label, a count per state, the total and the median days."""

    label: str
    by_state: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    answer_days: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def counts(self) -> list[int]:
        return [self.by_state[state] for state in STATES]

    @property
    def answered(self) -> int:
        return len(self.answer_days)

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self.answer_days), 1) if self.answer_days else None


@dataclass
class Indicators:
    year: int
    months: list[Row]
    categories: list[Row]
    pairs: list[Row]
    total: Row
    # (month, reporting organisation, organisation concerned, category) → Row, for the export.
    cube: dict[tuple[int, str, str, str], Row]


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        start_of_local_day(datetime.date(year, 1, 1)),
        start_of_local_day(datetime.date(year + 1, 1, 1)),
    )


MONTH_NAMES = [
    _("January"),
    _("February"),
    _("March"),
    _("April"),
    _("May"),
    _("June"),
    _("July"),
    _("August"),
    _("September"),
    _("October"),
    _("November"),
    _("December"),
]


def compute(recipients: QuerySet[DeviationRecipient], year: int) -> Indicators:
    """The indicators of the deviations in `recipients` reported in `year` (three queries)."""
    start, end = year_bounds(year)
    in_year = recipients.filter(reported_at__gte=start, reported_at__lt=end)
    # Integers and one interval per row: the database does the calendar and the subtraction,
    # so Python converts no timestamps.
    month = ExtractMonth("reported_at", tzinfo=STOCKHOLM)
    waited = ExpressionWrapper(F("answered_at") - F("reported_at"), output_field=DurationField())
    counts = (
        in_year.annotate(month=month)
        .values("month", "reporting_organization_id", "organization_id", "category", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    answered = (
        in_year.filter(answered_at__isnull=False)
        .annotate(month=month, waited=waited)
        .values_list("month", "reporting_organization_id", "organization_id", "category", "waited")
        .order_by()
    )
    count_rows = list(counts)
    answer_rows = list(answered)
    organization_ids = {r["reporting_organization_id"] for r in count_rows} | {
        r["organization_id"] for r in count_rows
    }
    names = dict(
        Organization.objects.filter(pk__in=organization_ids).values_list("pk", "name")
        if organization_ids
        else []
    )
    return _assemble(year, count_rows, answer_rows, names)


def _assemble(
    year: int,
    count_rows: Iterable[dict],
    answer_rows: Iterable[tuple],
    names: dict[int, str],
) -> Indicators:
    months = {n: Row(str(MONTH_NAMES[n - 1])) for n in range(1, 13)}
    categories = {value: Row(str(label)) for value, label in Category.choices}
    pairs: dict[tuple[str, str], Row] = {}
    cube: dict[tuple[int, str, str, str], Row] = {}
    total = Row(str(_("All")))

    def pair_row(reporting: str, concerned: str) -> Row:
        key = (reporting, concerned)
        if key not in pairs:
            pairs[key] = Row(f"{reporting} → {concerned}")
        return pairs[key]

    def cube_row(key: tuple[int, str, str, str]) -> Row:
        if key not in cube:
            cube[key] = Row("")
        return cube[key]

    for row in count_rows:
        number = row["month"]
        reporting = names.get(row["reporting_organization_id"], "")
        concerned = names.get(row["organization_id"], "")
        key = (number, reporting, concerned, row["category"])
        for target in (
            months[number],
            categories[row["category"]],
            pair_row(reporting, concerned),
            cube_row(key),
            total,
        ):
            target.by_state[row["state"]] += row["n"]
    for number, reporting_id, concerned_id, category, waited in answer_rows:
        days = waited.total_seconds() / SECONDS_PER_DAY
        reporting = names.get(reporting_id, "")
        concerned = names.get(concerned_id, "")
        for target in (
            months[number],
            categories[category],
            pair_row(reporting, concerned),
            cube_row((number, reporting, concerned, category)),
            total,
        ):
            target.answer_days.append(days)
    return Indicators(
        year=year,
        months=[months[n] for n in range(1, 13)],
        categories=[row for row in categories.values() if row.total],
        pairs=[pairs[key] for key in sorted(pairs)],
        total=total,
        cube=cube,
    )


def export_lines(result: Indicators) -> list[list[object]]:
    """The whole cube as one table: month, pair, category, a count per state, the median."""
    from django.utils.translation import gettext as _g

    header: list[object] = [
        _g("Month"),
        _g("Reporting organisation"),
        _g("Organisation concerned"),
        _g("Category"),
        *[str(label) for label in DeviationState.labels],
        _g("Total"),
        _g("Answered"),
        _g("Median days to answer"),
    ]
    labels = dict(Category.choices)
    lines: list[list[object]] = [header]
    for (number, reporting, concerned, category), row in sorted(result.cube.items()):
        lines.append(
            [
                f"{result.year}-{number:02d}",
                reporting,
                concerned,
                str(labels.get(category, category)),
                *row.counts,
                row.total,
                row.answered,
                row.median_days,
            ]
        )
    return lines


# The chart's words, kept here so that the report page (samplan.reports.deviation_views) has
# no text of its own.
CHART_TITLE = _("Deviations reported and answered per month")
SERIES_REPORTED = _("Reported")
SERIES_ANSWERED = _("Answered")
SHEET_TITLE = _("Deviations")
