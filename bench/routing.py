"""Benchmark of the router and the register import at production volume.

Generates 200,000 patient-filter rows, 20,000 residents, 1,000 area rules and the units they
point to (bulk_create), then times route() for random people (registered and not) and a
10,000-row file import (check + import). Prints the queries the router runs with their plan,
so the indexes can be seen serving them.

    # SQLite (a fresh file in /tmp):
    .venv/bin/python bench/routing.py
    # PostgreSQL (a throw-away database; it is migrated and filled, then left for inspection):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE samplan_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench .venv/bin/python bench/routing.py

Options: --filters N --residents N --routes N (defaults 200000, 20000, 2000).
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.settings")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

import django

django.setup()
# ruff: noqa: E402  (Django must be set up before the models are imported)

from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from stdnum import luhn

from samplan.accounts.models import Membership, Role, User
from samplan.addressing import services
from samplan.addressing.models import (
    AreaRule,
    FallbackInbox,
    ImportKind,
    PatientFilter,
    ResidenceEntry,
)
from samplan.addressing.router import RoutingSubject, route
from samplan.core.message_types import MessageType
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind

DAY = datetime.date(2026, 3, 15)
rng = random.Random(20261122)


def personnummer(index: int) -> str:
    """A valid 12-digit personnummer per index (distinct for index < 10**6)."""
    year = 1920 + index % 90
    month = 1 + (index // 90) % 12
    day = 1 + (index // 1080) % 28
    serial = 100 + (index // 30240) % 900
    base = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    return f"{year}{base[2:]}{luhn.calc_check_digit(base)}"


def period() -> tuple[datetime.date, datetime.date | None]:
    start = DAY - datetime.timedelta(days=rng.randint(-60, 900))
    if rng.random() < 0.6:
        return start, None
    return start, start + datetime.timedelta(days=rng.randint(0, 700))


def timed(label: str, function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return result


def build(filters: int, residents: int) -> dict:
    region = Organization.objects.create(
        name="Region Bench", kind=OrganizationKind.REGION, org_number="2321000001", area_code="04"
    )
    municipalities = [
        Organization.objects.create(
            name=f"Kommun {code}",
            kind=OrganizationKind.MUNICIPALITY,
            org_number=f"21200000{i:02d}",
            area_code=code,
        )
        for i, code in enumerate(["0480", "0481", "0482", "0483", "0484", "0486", "0488"])
    ]
    ward = Unit.objects.create(
        organization=region, name="Avd 1", kind=UnitKind.HOSPITAL_WARD_SOMATIC, has_inbox=True
    )
    units = Unit.objects.bulk_create(
        Unit(
            organization=municipalities[i % len(municipalities)],
            name=f"Hemtjänst {i}",
            kind=UnitKind.HOME_CARE,
            has_inbox=True,
            is_active=i % 40 != 0,
        )
        for i in range(400)
    )
    homes = Unit.objects.bulk_create(
        Unit(
            organization=municipalities[i % len(municipalities)],
            name=f"Boende {i}",
            kind=UnitKind.NURSING_HOME,
            has_inbox=True,
        )
        for i in range(80)
    )
    care_centres = Unit.objects.bulk_create(
        Unit(organization=region, name=f"VC {i}", kind=UnitKind.PRIMARY_CARE_CENTRE, has_inbox=True)
        for i in range(40)
    )
    inboxes = Unit.objects.bulk_create(
        Unit(organization=org, name=f"Brevlåda {org.name}", kind=UnitKind.OTHER, has_inbox=True)
        for org in [region, *municipalities]
    )
    FallbackInbox.objects.bulk_create(
        FallbackInbox(organization=org, unit=unit)
        for org, unit in zip([region, *municipalities], inboxes, strict=True)
    )
    people = 150_000
    timed(
        f"bulk_create {filters} patient filters",
        PatientFilter.objects.bulk_create,
        (
            PatientFilter(
                unit=units[rng.randrange(len(units))],
                identity_number=personnummer(rng.randrange(people)),
                valid_from=start,
                valid_to=end,
            )
            for start, end in (period() for _ in range(filters))
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )
    timed(
        f"bulk_create {residents} residents",
        ResidenceEntry.objects.bulk_create,
        (
            ResidenceEntry(
                unit=homes[rng.randrange(len(homes))],
                identity_number=personnummer(rng.randrange(people)),
                moved_in=start,
                moved_out=end,
            )
            for start, end in (period() for _ in range(residents))
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )
    # 1,000 rules over 50 municipality codes (~20 each; the 7 above among them).
    codes = [org.area_code for org in municipalities] + [f"{1000 + i:04d}" for i in range(43)]
    rules = []
    for i in range(1000):
        code = codes[i % len(codes)]
        low = 10000 + rng.randrange(89000)
        ranged = i % 3 != 0
        rules.append(
            AreaRule(
                municipality_code=code,
                postal_code_from=f"{low:05d}" if ranged else "",
                postal_code_to=f"{low + rng.randrange(500):05d}" if ranged else "",
                message_type=rng.choice(
                    ["", MessageType.ADMISSION_NOTICE, MessageType.SIP_SUMMONS]
                ),
                unit=units[rng.randrange(len(units))],
                valid_from=DAY - datetime.timedelta(days=rng.randrange(1000)),
            )
        )
    AreaRule.objects.bulk_create(rules, ignore_conflicts=True)
    admin_unit = Unit.objects.create(
        organization=municipalities[3], name="Förvaltning", kind=UnitKind.ADMINISTRATION
    )
    admin = User.objects.create(username="benchadmin", organization=municipalities[3])
    Membership.objects.create(user=admin, unit=admin_unit, role=Role.LOCAL_ADMIN)
    return {
        "ward": ward,
        "care_centres": care_centres,
        "people": people,
        "municipalities": municipalities,
        "admin": admin,
        "import_unit": units[3],
    }


def bench_route(world: dict, count: int) -> None:
    codes = [org.area_code for org in world["municipalities"]]
    subjects = [
        RoutingSubject(
            identity_number=personnummer(rng.randrange(world["people"] * 2)),  # half unknown
            registered_municipality=rng.choice(codes),
            postal_code=f"{rng.randrange(10000, 99999):05d}",
            listed_care_centre_id=rng.choice(world["care_centres"]).pk
            if rng.random() < 0.7
            else None,
        )
        for _ in range(count)
    ]
    message_types = [MessageType.ADMISSION_NOTICE, MessageType.CARE_REPORT]
    # Warm up connections and caches.
    for subject in subjects[:20]:
        route(patient=subject, message_type=message_types[0], sender_unit=world["ward"], at=DAY)
    timings, cpu, queries, sizes = [], [], [], []
    for index, subject in enumerate(subjects):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            recipients = route(
                patient=subject,
                message_type=message_types[index % 2],
                sender_unit=world["ward"],
                at=DAY,
            )
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries.append(len(captured.captured_queries))
        sizes.append(len(recipients))
    timings.sort()
    print(
        f"route() x{count}: mean {statistics.mean(timings):.2f} ms "
        f"(this process's CPU {statistics.mean(cpu):.2f} ms), "
        f"p50 {timings[len(timings) // 2]:.2f} ms, p95 {timings[int(len(timings) * 0.95)]:.2f} ms, "
        f"max {timings[-1]:.2f} ms; queries per call {min(queries)}–{max(queries)}; "
        f"recipients per call {min(sizes)}–{max(sizes)}"
    )


def bench_import(world: dict, rows: int) -> None:
    unit = world["import_unit"]
    lines = ["enhet;personnummer;från;till"] + [
        f"{unit.name};{personnummer(500_000 + i)};2026-01-01;" for i in range(rows)
    ]
    data = ("\n".join(lines) + "\n").encode()
    started = time.perf_counter()
    checked = services.register_import_check(
        actor=world["admin"], kind=ImportKind.PATIENT_FILTER, file_name="bench.csv", data=data
    )
    checked_at = time.perf_counter()
    checked.status = "queued"
    checked.save(update_fields=["status"])
    services.register_import_run(import_id=str(checked.pk))
    finished = time.perf_counter()
    checked.refresh_from_db()
    print(
        f"import {rows} rows: check {checked_at - started:.2f} s, "
        f"import {finished - checked_at:.2f} s ({checked.created_count} created, "
        f"{checked.error_count} errors)"
    )
    started = time.perf_counter()
    again = services.register_import_check(
        actor=world["admin"], kind=ImportKind.PATIENT_FILTER, file_name="bench.csv", data=data
    )
    again.status = "queued"
    again.save(update_fields=["status"])
    services.register_import_run(import_id=str(again.pk))
    again.refresh_from_db()
    print(
        f"same file again: {time.perf_counter() - started:.2f} s "
        f"({again.created_count} created, {again.unchanged_count} unchanged)"
    )


def explain(world: dict) -> None:
    """The plans of the router's register queries (the same shapes router.py builds)."""
    number = PatientFilter.objects.values_list("identity_number", flat=True).first()
    queries = {
        "patient filters": PatientFilter.objects.valid_on(DAY)
        .filter(identity_number=number)
        .order_by("valid_from", "pk")
        .values_list("unit_id", "valid_from", "valid_to"),
        "residence": ResidenceEntry.objects.valid_on(DAY)
        .filter(identity_number=number)
        .order_by("-moved_in", "pk")
        .values_list("unit_id", "moved_in"),
        "area rules": AreaRule.objects.filter(
            Q(message_type=MessageType.ADMISSION_NOTICE) | Q(message_type=""),
            Q(valid_to__isnull=True) | Q(valid_to__gte=DAY),
            Q(postal_code_from="") | Q(postal_code_from__lte="64130", postal_code_to__gte="64130"),
            municipality_code="0483",
            valid_from__lte=DAY,
        ).values_list("unit_id"),
    }
    for label, queryset in queries.items():
        plan = queryset.explain()
        print(f"plan, {label}: " + " | ".join(line.strip() for line in plan.splitlines()[:4]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--filters", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--routes", type=int, default=2_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    options = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    timed("migrate", call_command, "migrate", verbosity=0)
    if PatientFilter.objects.exists():
        sys.exit("The database already holds a register; give an empty database.")
    world = build(options.filters, options.residents)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a running database would have
    print(
        f"register: {PatientFilter.objects.count()} filters, "
        f"{ResidenceEntry.objects.count()} residents, {AreaRule.objects.count()} area rules"
    )
    explain(world)
    bench_route(world, options.routes)
    bench_import(world, options.import_rows)


if __name__ == "__main__":
    main()
