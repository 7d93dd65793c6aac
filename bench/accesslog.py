"""Benchmark of the access log: the cost of writing one row, verifying the chain, and the
log review pages over a large log (issue 6).

1. Writes --writes rows (default 2,000) through access_log_record, as the patient and case
   pages do (the unit's relation already checked), and as a search that found nobody does
   (the person is looked up and the relation checked for the flags): milliseconds and
   queries per row.
2. Fills the log with --rows chained rows (default 1,000,000: about a year of a large
   region's reading) straight into the table, computing each hash as chain.append does.
3. Times `accesslog_verify` over all of it, and the review pages for a log reviewer of the
   region: the default search (last 30 days), flagged only, one patient, one user, the CSV
   export of a day, and drawing a random sample of 50 from a month.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE samplan_bench_log"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench_log \\
        .venv/bin/python bench/accesslog.py
    .venv/bin/python bench/accesslog.py --rows 200000      # SQLite, a fresh file in /tmp
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.test_settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()
# ruff: noqa: E402  (Django must be set up before the models are imported)

from django.core.management import call_command
from django.db import connection, models, reset_queries, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum import luhn

from samplan.accounts.models import Membership, Role, User
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.auditlog import chain
from samplan.auditlog.access_log import access_log_record
from samplan.auditlog.models import AccessLogChain, AccessLogEntry
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind
from samplan.patients.models import Patient, Protection

rng = random.Random(20261123)


def org_number(prefix: str, index: int) -> str:
    base = f"{prefix}{index:06d}"[:9]
    return base + luhn.calc_check_digit(base)


def personnummer(index: int) -> str:
    year = 1920 + index % 90
    month = 1 + (index // 90) % 12
    day = 1 + (index // 1080) % 28
    serial = 100 + (index // 30240) % 900
    base = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    return f"{year}{base[2:]}{luhn.calc_check_digit(base)}"


def build(people: int = 50_000) -> dict:
    region = Organization.objects.create(
        name="Region Logg", kind=OrganizationKind.REGION, org_number=org_number("232", 7)
    )
    units = Unit.objects.bulk_create(
        Unit(
            organization=region,
            name=f"Enhet {n}",
            kind=UnitKind.HOSPITAL_WARD_SOMATIC if n % 3 else UnitKind.PRIMARY_CARE_CENTRE,
            has_inbox=True,
            opening_hours="Dygnet runt" if n % 3 else "Mån–fre 08.00–17.00",
        )
        for n in range(120)
    )
    users = User.objects.bulk_create(
        User(username=f"logg{n}", password="!", organization=region, hsa_id=f"SE2321000{n:05d}")
        for n in range(2000)
    )
    Membership.objects.bulk_create(
        Membership(user=user, unit=units[n % len(units)], role=Role.USER)
        for n, user in enumerate(users)
    )
    patients = Patient.objects.bulk_create(
        (
            Patient(
                identity_number=personnummer(n),
                identity_kind="personal",
                first_name="Logg",
                last_name=f"Patient {n}",
                protection=Protection.PROTECTED_REGISTRATION if n % 500 == 0 else Protection.NONE,
            )
            for n in range(people)
        ),
        batch_size=5000,
    )
    reviewer = User.objects.create(username="logggranskare", organization=region)
    Membership.objects.create(user=reviewer, unit=units[0], role=Role.LOG_REVIEWER)
    return {
        "region": region,
        "units": units,
        "users": users,
        "patients": patients,
        "reviewer": reviewer,
    }


def time_baseline(world: dict, count: int) -> None:
    """For comparison: the row as it was written before the chain and the flags, one plain
    INSERT in its own transaction (mostly the cost of committing)."""
    base = models.QuerySet(AccessLogEntry)
    times = []
    for n in range(count):
        entry = AccessLogEntry(
            seq=-1 - n,
            user=world["users"][n % len(world["users"])],
            unit=world["units"][0],
            organization_id=world["units"][0].organization_id,
            patient=world["patients"][n],
            action="view",
        )
        started = time.perf_counter()
        with transaction.atomic():
            base.bulk_create([entry])
        times.append(time.perf_counter() - started)
    print(f"baseline, one plain INSERT and COMMIT: mean {statistics.fmean(times) * 1000:.2f} ms")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL samplan.accesslog_purge = 'on'")
        models.QuerySet.delete(base.filter(seq__lt=0))


def time_writes(world: dict, count: int) -> None:
    factory = RequestFactory()
    for label, kwargs in (
        ("page of a patient or case (relation checked by the caller)", {"participant": True}),
        ("search that showed nobody (person looked up, relation checked)", {}),
    ):
        times, queries = [], []
        for n in range(count):
            user = world["users"][n % len(world["users"])]
            request = factory.get("/", REMOTE_ADDR="10.1.2.3")
            request.user, request.unit = user, world["units"][n % len(world["units"])]
            patient = world["patients"][rng.randrange(len(world["patients"]))]
            fields = (
                {"patient": patient, "action": "view", **kwargs}
                if kwargs
                else {
                    "patient": None,
                    "action": "search",
                    "searched_identity": patient.identity_number,
                }
            )
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                with transaction.atomic():  # a request's own transaction, as in a view
                    access_log_record(request=request, **fields)
                times.append(time.perf_counter() - started)
            queries.append(len(captured.captured_queries))
        print(
            f"write, {label}: mean {statistics.fmean(times) * 1000:.2f} ms, "
            f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.2f} ms, "
            f"{statistics.median(queries):.0f} queries per row"
        )


def fill(world: dict, rows: int, days: int = 365) -> None:
    """`rows` chained rows over the last `days` days, written straight into the table."""
    started = time.perf_counter()
    now = timezone.now()
    head = AccessLogChain.objects.get(pk=1)
    seq, prev = head.seq, head.last_hash
    moments = sorted(
        now - datetime.timedelta(seconds=rng.uniform(0, days * 86400)) for _ in range(rows)
    )
    batch = []
    base = models.QuerySet(AccessLogEntry)
    for moment in moments:
        seq += 1
        user = world["users"][rng.randrange(len(world["users"]))]
        unit = world["units"][rng.randrange(len(world["units"]))]
        patient = world["patients"][rng.randrange(len(world["patients"]))]
        entry = AccessLogEntry(
            seq=seq,
            at=moment,
            user=user,
            user_hsa_id=user.hsa_id,
            unit=unit,
            organization_id=unit.organization_id,
            patient=patient,
            action="view",
            object_type="dischargecase",
            object_id=str(rng.randrange(40000)),
            client_address="10.1.2.3",
            not_participant=rng.random() < 0.01,
            protected_identity=patient.protection != Protection.NONE,
            outside_hours=rng.random() < 0.08,
            many_patients=rng.random() < 0.002,
            prev_hash=prev,
        )
        entry.hash = chain.entry_hash(entry)
        prev = entry.hash
        batch.append(entry)
        if len(batch) == 5000:
            base.bulk_create(batch)
            batch = []
    if batch:
        base.bulk_create(batch)
    AccessLogChain.objects.filter(pk=1).update(seq=seq, last_hash=prev)
    print(f"filled {rows} chained rows in {time.perf_counter() - started:.0f} s")


def timed(label: str, function, runs: int = 3) -> None:
    times, queries = [], 0
    for n in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        if n == 0:
            queries = len(captured.captured_queries)
    print(f"{label:<46} {statistics.median(times) * 1000:8.0f} ms  {queries:3d} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=2000)
    args = parser.parse_args()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    world = build()
    log_access_first = world["users"][0]
    request = RequestFactory().get("/")
    request.user, request.unit = log_access_first, world["units"][0]
    access_log_record(request=request, patient=None, action="view")  # creates the chain head
    time_baseline(world, args.writes)
    time_writes(world, args.writes)
    fill(world, args.rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    started = time.perf_counter()
    result = chain.verify()
    seconds = time.perf_counter() - started
    rate = result.rows / seconds
    print(f"verify: {result.ok}, {result.rows} rows in {seconds:.1f} s ({rate:,.0f} rows/s)")

    client = Client()
    client.force_login(world["reviewer"])
    session = client.session
    session[SESSION_UNIT_KEY] = world["units"][0].pk
    session.save()
    patient = world["patients"][0]
    user = world["users"][5]
    today = timezone.localdate()
    year_ago = today - datetime.timedelta(days=365)

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)

    print(f"\nlog review of {AccessLogEntry.objects.count():,} rows; median of 3")
    timed("search, last 30 days (default)", lambda: get("/logggranskning/"))
    timed("search, flagged only, last 30 days", lambda: get("/logggranskning/?flagged=on"))
    timed(
        "search, protected identity, a year",
        lambda: get(f"/logggranskning/?flags=protected_identity&date_from={year_ago}"),
    )
    timed("search, one patient (all time)", lambda: get(f"/logggranskning/?patient={patient.pk}"))
    timed("search, one user (all time)", lambda: get(f"/logggranskning/?user={user.username}"))
    timed(
        "CSV export of one day",
        lambda: get(f"/logggranskning/export.csv?date_from={today}&date_to={today}"),
    )
    first = today.replace(day=1) - datetime.timedelta(days=1)
    counter = iter(range(10**6))
    timed(
        "random sample of 50 from a month",
        lambda: client.post(
            "/logggranskning/slumpa-urval/",
            {
                "date_from": first.replace(day=1).isoformat(),
                "date_to": first.isoformat(),
                "size": 50,
                "form_key": f"bench-{next(counter)}",
            },
        ),
    )


if __name__ == "__main__":
    main()
