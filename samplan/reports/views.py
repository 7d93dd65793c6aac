"""Rapporter: activity reports for report viewers (their organisation) and managers (their
units and those below), by month and unit, with a chart, tables, and CSV/XLSX exports.

The figures are counts over many patients; no page shows a person, so none is logged.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from samplan.core.decorators import unit_required
from samplan.core.paging import paginate
from samplan.core.replica import replica_reads
from samplan.organizations.models import Organization, OrganizationKind
from samplan.reports import charts, exports, services, tables
from samplan.reports.access import ReportReach, report_reach
from samplan.reports.facts import refresh
from samplan.reports.forms import MonthForm, RecountForm, ReportForm
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


# --- The monthly national statistics (reports.national) ------------------------------------


def _statistics_organization(request: HttpRequest) -> Organization:
    """National statistics are an organisation's: for report viewers of a region or a
    municipality (a manager's reach is a part of an organisation, so not for them)."""
    reach = _reach(request)
    organization = reach.organization
    if not reach.whole_organization or organization.kind not in (
        OrganizationKind.REGION,
        OrganizationKind.MUNICIPALITY,
    ):
        raise PermissionDenied
    return organization


@unit_required
def national_statistics(request: HttpRequest) -> HttpResponse:
    organization = _statistics_organization(request)
    form = MonthForm(request.GET or None)
    month = form.choice()
    refresh()
    statistics = services.national_statistics(organization=organization, month=month)
    if request.GET.get("format") == "csv":
        lines = statistics.lines
        name = f"utskrivningsklara-{month:%Y-%m}-{organization.area_code or organization.pk}"
        earlier = request.GET.get("snapshot", "")
        if earlier:
            # An earlier count of the month, from its history (only the reader's own).
            snapshot = next((s for s in statistics.history if str(s.pk) == earlier), None)
            if snapshot is None:
                raise Http404
            lines = services.snapshot_lines(snapshot, organization)
            name += f"-{snapshot.made_at:%Y%m%d%H%M}"
        response = HttpResponse(
            exports.national_csv(month, lines), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    may_recount = organization.kind == OrganizationKind.REGION and services.can_recount(
        request.user, organization
    )
    return render(
        request,
        "reports/national.html",
        {
            "form": form,
            "month": month,
            "organization": organization,
            "statistics": statistics,
            "totals": _national_totals(statistics.lines),
            "may_recount": may_recount and not statistics.preliminary,
            "query": request.GET.urlencode(),
        },
    )


def _national_totals(lines) -> list[tuple[str, int, int]]:
    """Per care type and in all: (label, patients, days). Patients are summed over the
    municipalities (a person counts once per municipality and care type)."""
    totals = []
    for care_type, label in (
        ("somatic", _("Somatic care")),
        ("psychiatric", _("Psychiatric care")),
    ):
        chosen = [line for line in lines if line.care_type == care_type]
        totals.append(
            (label, sum(line.patients for line in chosen), sum(line.days for line in chosen))
        )
    return totals


@unit_required
@require_POST
def national_statistics_recount(request: HttpRequest) -> HttpResponse:
    organization = _statistics_organization(request)
    if not services.can_recount(request.user, organization):
        raise PermissionDenied
    form = RecountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The month to recount was not understood."))
        return redirect("reports:national")
    month = form.cleaned_data["month"]
    refresh()
    try:
        services.statistics_snapshot_recount(
            actor=request.actor,
            region=organization,
            month=month,
            replacing=form.cleaned_data["snapshot"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The month was recounted. The earlier figures are kept in the history below."),
        )
    return redirect(f"{reverse('reports:national')}?month={month:%Y-%m}")
