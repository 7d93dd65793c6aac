"""Benchmark of the deviations' follow-up report (Rapporter → Avvikelser, issue 15 point 6)
on a generated database with deviations (bench/generate.py, or --only-deviations on a copy).

Times, for the region, the largest municipality and a manager of one ward: the figures alone
(samplan.deviations.indicators.compute) and the whole page through Django's test client (with
the chart and the tables), and the region's CSV and XLSX; prints the median and max of --runs
runs in milliseconds and the queries of one page.

    bench/fresh-copy.sh samplan_bench h15a_s1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h15a_s1 \\
        .venv/bin/python bench/generate.py --only-deviations
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h15a_s1 \\
        .venv/bin/python bench/deviation_reports.py

It adds one report-viewer account per organisation timed (and a manager), so run it on a copy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import setup_django

os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# The test settings: production settings with plain static files (no collected manifest).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.test_settings")
setup_django()
# ruff: noqa: E402  (Django must be set up before the models are imported)

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samplan.accounts.models import Membership, Role, User
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.deviations import indicators
from samplan.deviations.access import indicator_recipients
from samplan.deviations.models import DeviationRecipient
from samplan.organizations.models import Organization, OrganizationKind, Unit


def timed(function: Callable[[], object], runs: int) -> tuple[float, float]:
    function()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def client_for(unit: Unit, role: str, name: str) -> Client:
    user, _ = User.objects.get_or_create(
        username=f"bench-dev-{name}",
        defaults={"organization_id": unit.organization_id, "password": "!"},
    )
    Membership.objects.get_or_create(user=user, unit=unit, role=role)
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_UNIT_KEY] = unit.pk
    session.save()
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year", type=int, default=None, help="default: the year with most")
    options = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver"]
    total = DeviationRecipient.objects.count()
    if not total:
        sys.exit("No deviations: run bench/generate.py --only-deviations first.")
    year = (
        options.year
        or (
            DeviationRecipient.objects.annotate(y=ExtractYear("reported_at"))
            .values("y")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()["y"]
        )
    )
    region = Organization.objects.filter(kind=OrganizationKind.REGION).order_by("pk").first()
    largest = (
        DeviationRecipient.objects.filter(organization__kind=OrganizationKind.MUNICIPALITY)
        .values("organization_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    municipality = Organization.objects.get(pk=largest["organization_id"])
    ward_id = (
        DeviationRecipient.objects.filter(reporting_organization=region)
        .values("deviation__reporting_unit_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["deviation__reporting_unit_id"]
    )
    ward = Unit.objects.get(pk=ward_id)
    print(
        f"database {connection.vendor} {connection.settings_dict['NAME']}: {total:,} deviation "
        f"rows (deviation × organisation concerned); year {year}"
    )
    readers = [
        ("region (report viewer)", region, None, Unit.objects.filter(organization=region).first()),
        (
            f"{municipality.name} (report viewer)",
            municipality,
            None,
            Unit.objects.filter(organization=municipality).first(),
        ),
        (f"manager of {ward.name}", region, [ward.pk], ward),
    ]
    url = reverse("reports:deviations") + f"?year={year}"
    for label, organization, unit_ids, unit in readers:
        recipients = indicator_recipients(organization.pk, unit_ids)
        result = indicators.compute(recipients, year)
        function = timed(lambda r=recipients: indicators.compute(r, year), options.runs)
        role = Role.MANAGER if unit_ids else Role.REPORT_VIEWER
        client = client_for(unit, role, f"{role}-{unit.pk}")
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        query_count = len(queries)  # now: the next request empties the log
        page = timed(lambda c=client: c.get(url), options.runs)
        print(
            f"{label}: {result.total.total:,} counted, median {result.total.median_days} days; "
            f"function {function[0]:.0f} / {function[1]:.0f} ms, page {page[0]:.0f} / "
            f"{page[1]:.0f} ms (median / max of {options.runs}), {query_count} queries"
        )
        if unit_ids is None and organization == region:
            for wanted in ("csv", "xlsx"):
                export = timed(lambda c=client, w=wanted: c.get(f"{url}&format={w}"), options.runs)
                print(f"  {wanted}: {export[0]:.0f} / {export[1]:.0f} ms")


if __name__ == "__main__":
    main()
