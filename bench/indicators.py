"""Benchmark of the follow-up indicators and the national statistics (issue 15) on a generated
database (bench/generate.py; scale 1 = one large region's year).

    bench/fresh-copy.sh samplan_bench h15b_s1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h15b_s1 .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h15b_s1 .venv/bin/python bench/indicators.py

Times, for a report viewer of the region and of its largest municipality: the indicators for
the calendar year with the most admissions (the figures alone and the whole page, with its
CSV and XLSX); the national statistics of the last closed month counted the first time (the
snapshot made: the page with no snapshot yet), frozen (every later request), its CSV, and
the current month counted live. Median and max of --runs, and the queries of one request.
It writes report users and snapshots into the database: use a copy.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.test_settings")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()
# ruff: noqa: E402  (Django must be set up before the models are imported)

from django.db import connection, reset_queries
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samplan.accounts.models import Membership, Role, User
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.discharge.models import DischargeCase
from samplan.organizations.models import Organization, Unit
from samplan.reports import figures
from samplan.reports.access import ReportReach
from samplan.reports.facts import refresh
from samplan.reports.models import CaseFact, StatisticsSnapshot
from samplan.reports.national import count_month
from samplan.reports.periods import Year
from samplan.reports.scope import report_facts


def timed(function, runs: int, before=None) -> tuple[float, float, int]:
    """(median, max) wall seconds over `runs` calls, and the queries of the first."""
    times, queries = [], 0
    for n in range(runs):
        if before is not None:
            before()
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        if n == 0:
            queries = len(captured.captured_queries)
    return statistics.median(times), max(times), queries


def reader(name: str, unit: Unit) -> Client:
    user, _ = User.objects.get_or_create(
        username=name, defaults={"organization": unit.organization}
    )
    Membership.objects.get_or_create(user=user, unit=unit, role=Role.REPORT_VIEWER)
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_UNIT_KEY] = unit.pk
    session.save()
    return client


def get(client: Client, url: str):
    def run() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return run


def line(label: str, reach: str, result: tuple[float, float, int]) -> None:
    med, worst, queries = result
    print(f"{label:<44} {reach:<28} {med * 1000:7.0f} / {worst * 1000:5.0f} ms {queries:>6}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    started = time.perf_counter()
    done = refresh()
    print(f"facts refresh: {done} cases recomputed in {time.perf_counter() - started:.1f} s")
    region_id = (
        CaseFact.objects.values("region_id").annotate(n=Count("pk")).order_by("-n")[0]["region_id"]
    )
    region = Organization.objects.get(pk=region_id)
    municipality = Organization.objects.get(
        pk=CaseFact.objects.filter(region=region)
        .exclude(municipality=None)
        .values("municipality_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[0]["municipality_id"]
    )
    year = (
        DischargeCase.objects.annotate(y=ExtractYear("admitted_at"))
        .values("y")
        .annotate(n=Count("pk"))
        .order_by("-n")[0]["y"]
    )
    cases = CaseFact.objects.filter(region=region).count()
    readmitted = CaseFact.objects.filter(region=region, readmitted=True).count()
    discharged = CaseFact.objects.filter(region=region, discharged_at__isnull=False).count()
    print(
        f"{region.name}: {cases} cases, {discharged} discharged, {readmitted} readmitted within "
        f"30 days ({readmitted / max(discharged, 1):.1%}); largest municipality "
        f"{municipality.name} ({CaseFact.objects.filter(municipality=municipality).count()})"
    )
    today = timezone.localdate()
    current = today.replace(day=1)
    closed = (current - datetime.timedelta(days=1)).replace(day=1)
    clients = {
        "region": reader("bench-ind-region", Unit.objects.filter(organization=region).first()),
        "municipality": reader(
            "bench-ind-kommun", Unit.objects.filter(organization=municipality).first()
        ),
    }
    reaches = {"region": ReportReach(region, None), "municipality": ReportReach(municipality, None)}
    print(
        f"\nyear {year}, closed month {closed:%Y-%m}; median / max of {args.runs} runs, queries\n"
    )
    for name, reach in reaches.items():
        line(
            "indicators, function",
            name,
            timed(lambda r=reach: figures.indicators(report_facts(r), Year(year)), args.runs),
        )
    for name, client in clients.items():
        base = f"/rapporter/indikatorer/?year={year}"
        line("indicators, whole page", name, timed(get(client, base), args.runs))
        for fmt in ("csv", "xlsx"):
            line(f"indicators, {fmt}", name, timed(get(client, f"{base}&format={fmt}"), args.runs))
    line(
        "national statistics, counting (function)",
        "region",
        timed(lambda: count_month(region.pk, closed, today), args.runs),
    )

    def forget() -> None:
        StatisticsSnapshot.objects.filter(month=closed).delete()

    url = f"/rapporter/nationell-statistik/?month={closed:%Y-%m}"
    for name, client in clients.items():
        line(
            "national, first request (snapshot made)",
            name,
            timed(get(client, url), args.runs, before=forget),
        )
        line("national, frozen month", name, timed(get(client, url), args.runs))
        line(
            "national, frozen month as CSV",
            name,
            timed(get(client, url + "&format=csv"), args.runs),
        )
        line(
            "national, current month (live)",
            name,
            timed(get(client, f"/rapporter/nationell-statistik/?month={current:%Y-%m}"), args.runs),
        )


if __name__ == "__main__":
    main()
