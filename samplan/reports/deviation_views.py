"""Rapporter → Avvikelser: the deviations' follow-up indicators (issue 15 point 4), per month
and organisation pair, by category and state, with the median time to answer; a chart, tables,
and the whole table as CSV/XLSX.

The figures and their words come from samplan.deviations.indicators; this page adds the
reader's reach (report viewers: their organisation; managers: their units) and the chart.
Counts over many patients: no page shows a person, so none is logged.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from samplan.core.decorators import unit_required
from samplan.core.replica import replica_reads
from samplan.deviations import exports, indicators
from samplan.deviations.access import indicator_recipients
from samplan.reports import charts
from samplan.reports.access import report_reach
from samplan.reports.forms import ReportForm
from samplan.reports.scope import report_units


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


@unit_required
def deviations(request: HttpRequest) -> HttpResponse:
    reach = report_reach(request.user, request.unit)
    if reach is None:
        raise PermissionDenied
    form = ReportForm(request.GET or None, units=report_units(reach))
    year, unit = form.choice()
    unit_ids = [unit.pk] if unit is not None else reach.unit_ids
    with replica_reads():
        result = indicators.compute(indicator_recipients(reach.organization.pk, unit_ids), year)
    wanted = request.GET.get("format", "")
    if wanted in exports.CONTENT_TYPES:
        lines = indicators.export_lines(result)
        body = (
            exports.to_csv(lines)
            if wanted == "csv"
            else exports.to_xlsx(lines, str(indicators.SHEET_TITLE))
        )
        response = HttpResponse(body, content_type=exports.CONTENT_TYPES[wanted])
        response["Content-Disposition"] = f'attachment; filename="avvikelser-{year}.{wanted}"'
        return response
    chart = charts.bar_chart(
        id="deviations",
        title=str(indicators.CHART_TITLE),
        labels=[row.label[:3] for row in result.months],
        series=[
            (str(indicators.SERIES_REPORTED), [float(row.total) for row in result.months]),
            (str(indicators.SERIES_ANSWERED), [float(row.answered) for row in result.months]),
        ],
        show=_number,
    )
    return render(
        request,
        "deviations/indicators.html",
        {
            "form": form,
            "year": year,
            "unit": unit,
            "reach": reach,
            "result": result,
            "chart": chart,
            "states": indicators.DeviationState.choices,
            "query": request.GET.urlencode(),
        },
    )
