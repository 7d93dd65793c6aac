"""Rapporter: activity reports for report viewers (their organisation) and managers (their
units and those below), by month and unit, with a chart, tables, and CSV/XLSX exports.

The figures are counts over many patients; no page shows a person, so none is logged.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from samplan.core.decorators import unit_required
from samplan.core.paging import paginate
from samplan.core.replica import replica_reads
from samplan.reports import charts, exports, tables
from samplan.reports.access import ReportReach, report_reach
from samplan.reports.facts import refresh
from samplan.reports.forms import ReportForm
from samplan.reports.periods import Year
from samplan.reports.scope import report_deliveries, report_facts, report_units

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_NAMES = {
    "admissions": "inskrivningsmeddelanden",
    "ready_days": "utskrivningsklara-dagar",
    "liability": "betalningsansvar",
    "acknowledgements": "kvittenser",
    "sip": "sip",
    "indicators": "uppfoljningsindikatorer",
}


def _reach(request: HttpRequest) -> ReportReach:
    reach = report_reach(request.user, request.unit)
    if reach is None:
        raise PermissionDenied
    return reach


@unit_required
def index(request: HttpRequest) -> HttpResponse:
    reach = _reach(request)
    return render(request, "reports/index.html", {"specs": tables.SPECS.values(), "reach": reach})


# Per report: the chart's title and its series as (label, column index, scale); shares are
# drawn as percentages on a 0–100 axis.
CHARTS = {
    "admissions": (
        gettext_lazy("Share of admission notices in time"),
        [(gettext_lazy("Share in time"), 4, 100)],
    ),
    "ready_days": (
        gettext_lazy("Days as ready for discharge, mean and median"),
        [(gettext_lazy("Mean"), 1, 1), (gettext_lazy("Median"), 2, 1)],
    ),
    "liability": (
        gettext_lazy("Liable days, per patient and average model"),
        [(gettext_lazy("Per patient"), 2, 1), (gettext_lazy("Average model"), 6, 1)],
    ),
    "acknowledgements": (
        gettext_lazy("Share acknowledged by the cut-off"),
        [(gettext_lazy("Share by the cut-off"), 4, 100)],
    ),
    "sip": (
        gettext_lazy("Plans started and signed"),
        [(gettext_lazy("Started"), 0, 1), (gettext_lazy("Signed"), 1, 1)],
    ),
    "indicators": (
        gettext_lazy("Lead times, median days"),
        [
            (gettext_lazy("Admission to ready"), 3, 1),
            (gettext_lazy("Ready to discharge"), 5, 1),
        ],
    ),
}
PERCENT_CHARTS = {"admissions", "acknowledgements"}


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _chart(spec: tables.ReportSpec, month_table: tables.Table) -> charts.Chart:
    title, wanted = CHARTS[spec.slug]
    cells = [cells for _, cells in month_table.rows]
    series = [
        (str(label), [None if row[n] is None else float(row[n]) * scale for row in cells])
        for label, n, scale in wanted
    ]
    percent = spec.slug in PERCENT_CHARTS
    return charts.bar_chart(
        id=spec.slug,
        title=str(title),
        labels=[name[:3] for name, _ in month_table.rows],
        series=series,
        show=(lambda v: f"{v:.0f} %") if percent else _number,
        top=100 if percent else None,
    )


@unit_required
def report(request: HttpRequest, slug: str) -> HttpResponse:
    spec = tables.SPECS.get(slug)
    if spec is None:
        raise Http404
    reach = _reach(request)
    form = ReportForm(request.GET or None, units=report_units(reach))
    year, unit = form.choice()
    # The cases changed since the last report (usually none: a few cheap queries).
    recomputed = refresh()
    # The figures from the replica when there is one (samplan.core.replica), unless
    # refresh() has just written facts the replica may not have replayed yet.
    with replica_reads(unless=recomputed > 0):
        rows = tables.compute(
            slug,
            report_facts(reach, unit),
            report_deliveries(reach, unit),
            Year(year),
            reach,
            unit,
        )
    wanted = request.GET.get("format", "")
    if wanted in CONTENT_TYPES and rows is not None:
        lines = tables.export_rows(spec, rows, year)
        name = f"{FILE_NAMES[slug]}-{year}"
        body = (
            exports.to_csv(spec, lines)
            if wanted == "csv"
            else exports.to_xlsx(spec, lines, str(spec.title))
        )
        response = HttpResponse(body, content_type=CONTENT_TYPES[wanted])
        response["Content-Disposition"] = f'attachment; filename="{name}.{wanted}"'
        return response
    context = {"spec": spec, "form": form, "year": year, "unit": unit, "reach": reach}
    if rows is not None:
        built = tables.build_tables(spec, rows, year)
        context.update(
            month_table=built["by_month"],
            unit_page=paginate(request, built["by_unit"].rows, default_size=50),
            unit_table=built["by_unit"],
            chart=_chart(spec, built["by_month"]),
            query=request.GET.urlencode(),
        )
    return render(request, "reports/report.html", context)
