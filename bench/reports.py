"""Benchmark of the activity reports over a year of a large region's data (issue 6).

Generates one year of discharge planning for a large region (default 40,000 cases: about a
region of two million people) with bulk_create: wards, care centres, 26 municipalities with
their home care, home health care, nursing homes and intake units, one patient per case, the
messages of each case (admission notice, planning, care contact, ready, sometimes withdrawn
and ready again, SIP summons, discharge notice and information, extra messages; some late,
some cancelled, some entered late) and a delivery per receiving unit with realistic
acknowledgement times. Then times every report, as the function and as the whole page, for a
report viewer of the region, of a large municipality, and for a manager of one department.

    # PostgreSQL (a throw-away database; it is migrated, filled, and left for inspection):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE samplan_bench_reports"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench_reports \\
        .venv/bin/python bench/reports.py
    # SQLite (a fresh file in /tmp):
    .venv/bin/python bench/reports.py --cases 5000

Options: --cases N (40000), --year Y (2025), --runs N (5), --keep (reuse the data already in
the database instead of generating it again).

Other benchmarks can import the generator:

    from bench.reports import generate_region_year
    data = generate_region_year(cases=40_000, year=2025)
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
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
# The test settings: production settings with plain static files (no collected manifest).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.test_settings")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()
# ruff: noqa: E402  (Django must be set up before the models are imported)

from django.core.management import call_command
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from stdnum import luhn

from samplan.accounts.models import Membership, Role, User
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.core.localtime import start_of_local_day
from samplan.core.message_types import MessageType
from samplan.discharge.models import (
    CaseMessage,
    CaseParticipant,
    DailyAmount,
    DischargeCase,
    ParticipantRole,
)
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.organizations.models import Agreement, Organization, OrganizationKind, Unit, UnitKind
from samplan.organizations.terms import CareType, LiabilityModel, first_cutoff_after
from samplan.patients.models import Patient
from samplan.reports import figures
from samplan.reports.access import ReportReach
from samplan.reports.facts import refresh
from samplan.reports.periods import Year
from samplan.reports.scope import report_deliveries, report_facts

M = MessageType
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
BATCH = 5000


def org_number(prefix: str, index: int) -> str:
    base = f"{prefix}{index:06d}"[:9]
    return base + luhn.calc_check_digit(base)


def personnummer(index: int) -> str:
    """A valid 12-digit personnummer per index (distinct for index < 10**6)."""
    year = 1920 + index % 90
    month = 1 + (index // 90) % 12
    day = 1 + (index // 1080) % 28
    serial = 100 + (index // 30240) % 900
    base = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    return f"{year}{base[2:]}{luhn.calc_check_digit(base)}"


@dataclass
class RegionData:
    """What generate_region_year made, for the benchmarks that use it."""

    year: int
    region: Organization
    municipalities: list[Organization]
    wards: list[Unit]
    care_centres: list[Unit]
    municipal_units: dict[int, list[Unit]]  # municipality id -> its units with an inbox
    department: Unit  # a hospital department with a few wards below it (a manager's reach)
    cases: int = 0
    messages: int = 0
    deliveries: int = 0
    seconds: float = 0.0
    users: dict[int, User] = field(default_factory=dict)  # unit id -> a user of the unit


def _users(units: list[Unit], prefix: str) -> dict[int, User]:
    users = User.objects.bulk_create(
        User(username=f"{prefix}{unit.pk}", password="!", organization_id=unit.organization_id)
        for unit in units
    )
    Membership.objects.bulk_create(
        Membership(user=user, unit=unit, role=Role.USER)
        for user, unit in zip(users, units, strict=True)
    )
    return {unit.pk: user for unit, user in zip(units, users, strict=True)}


def _structure(rng: random.Random, year: int) -> RegionData:
    region = Organization.objects.create(
        name="Region Storlän", kind=OrganizationKind.REGION, org_number=org_number("232", 1)
    )
    municipalities = Organization.objects.bulk_create(
        Organization(
            name=f"Kommun {n:02d}",
            kind=OrganizationKind.MUNICIPALITY,
            org_number=org_number("212", n),
            area_code=f"{100 + n:04d}",
        )
        for n in range(26)
    )
    hospitals = Unit.objects.bulk_create(
        Unit(organization=region, name=f"Sjukhus {n}", kind=UnitKind.ADMINISTRATION)
        for n in range(6)
    )
    department = Unit.objects.create(
        organization=region,
        parent=hospitals[0],
        name="Medicinkliniken",
        kind=UnitKind.ADMINISTRATION,
    )
    wards = Unit.objects.bulk_create(
        Unit(
            organization=region,
            parent=department if n < 6 else hospitals[n % len(hospitals)],
            name=f"Avd {n}",
            kind=UnitKind.HOSPITAL_WARD_PSYCHIATRIC
            if n % 5 == 4
            else UnitKind.HOSPITAL_WARD_SOMATIC,
            has_inbox=True,
            opening_hours="Dygnet runt",
        )
        for n in range(60)
    )
    care_centres = Unit.objects.bulk_create(
        Unit(
            organization=region,
            name=f"Vårdcentral {n}",
            kind=UnitKind.PRIMARY_CARE_CENTRE,
            has_inbox=True,
        )
        for n in range(70)
    )
    kinds = [
        UnitKind.HOME_CARE,
        UnitKind.HOME_CARE,
        UnitKind.HOME_CARE,
        UnitKind.HOME_HEALTH_CARE,
        UnitKind.NURSING_HOME,
        UnitKind.NURSING_HOME,
        UnitKind.MUNICIPAL_INTAKE,
    ]
    municipal = Unit.objects.bulk_create(
        Unit(organization=org, name=f"{kind} {org.name} {n}", kind=kind, has_inbox=True)
        for org in municipalities
        for n, kind in enumerate(kinds)
    )
    by_municipality: dict[int, list[Unit]] = {}
    for unit in municipal:
        by_municipality.setdefault(unit.organization_id, []).append(unit)
    data = RegionData(
        year=year,
        region=region,
        municipalities=municipalities,
        wards=wards,
        care_centres=care_centres,
        municipal_units=by_municipality,
        department=department,
    )
    data.users = _users([*wards, *care_centres, *municipal], "b")
    for y in (year - 1, year, year + 1):
        DailyAmount.objects.get_or_create(
            year=y, defaults={"amount": Decimal(9300 + 200 * (y - 2022))}
        )
    # A few agreements: other hours and grace days, one with its own amount and the average
    # model (the report computes both models for everyone anyway).
    for n, org in enumerate(municipalities[:5]):
        Agreement.objects.create(
            region=region,
            municipality=org,
            valid_from=datetime.date(year - 2, 1, 1),
            admission_notice_hours=24 if n else 48,
            grace_days_somatic=3 if n % 2 else 4,
            liability_model=LiabilityModel.AVERAGE if n == 0 else LiabilityModel.PER_PATIENT,
            daily_amount=Decimal(10000) if n == 0 else None,
        )
    return data


def generate_region_year(
    *, cases: int = 40_000, year: int = 2025, seed: int = 20261123, verbose: bool = True
) -> RegionData:
    """Generate a year of a large region's discharge planning with bulk_create (see the
    module docstring). Returns what it made; takes about a minute per 10,000 cases."""
    started = time.perf_counter()
    rng = random.Random(seed)
    data = _structure(rng, year)
    region_start = start_of_local_day(datetime.date(year, 1, 1))
    seconds_in_year = (
        start_of_local_day(datetime.date(year + 1, 1, 1)) - region_start
    ).total_seconds()
    weights = [rng.uniform(0.3, 3.0) for _ in data.municipalities]
    weights[0] = 8.0  # one large municipality

    patients = Patient.objects.bulk_create(
        (
            Patient(
                identity_number=personnummer(n),
                identity_kind="personal",
                first_name="Bench",
                last_name=f"Patient {n}",
            )
            for n in range(cases)
        ),
        batch_size=BATCH,
    )
    opened_by = data.users[data.wards[0].pk]
    case_rows = []
    plans = []
    for n in range(cases):
        ward = data.wards[rng.randrange(len(data.wards))]
        municipality = rng.choices(data.municipalities, weights)[0]
        admitted = region_start + datetime.timedelta(seconds=rng.uniform(0, seconds_in_year))
        case_rows.append(
            DischargeCase(
                patient=patients[n],
                ward=ward,
                care_type=CareType.PSYCHIATRIC
                if ward.kind == UnitKind.HOSPITAL_WARD_PSYCHIATRIC
                else CareType.SOMATIC,
                admitted_at=admitted,
                region=data.region,
                municipality=municipality,
                care_contact_needed=rng.random() < 0.9,
                sip_needed=rng.random() < 0.3,
                services_refused=rng.random() < 0.02,
                opened_by=opened_by,
                opened_at=admitted,
                state="closed",
            )
        )
        plans.append((ward, municipality, admitted))
    stored = DischargeCase.objects.bulk_create(case_rows, batch_size=BATCH)

    messages: list[Message] = []
    recipients: list[list[Unit]] = []
    message_cases: list[DischargeCase] = []
    for case, (ward, municipality, admitted) in zip(stored, plans, strict=True):
        home = rng.choice(data.municipal_units[municipality.pk][:4])
        centre = data.care_centres[case.patient_id % len(data.care_centres)]
        events: list[tuple[str, datetime.datetime, Unit, list[Unit], dict]] = []

        def add(kind, at, sender=ward, to=(home, centre), events=events, **extra):
            events.append((kind, at, sender, list(to), extra))

        roll = rng.random()
        if roll < 0.85:
            add(M.ADMISSION_NOTICE, admitted + HOUR * rng.uniform(0.3, 20))
        elif roll < 0.95:
            add(M.ADMISSION_NOTICE, admitted + HOUR * rng.uniform(25, 60))
        elif roll < 0.97:
            at = admitted + HOUR * rng.uniform(0.3, 5)
            add(M.ADMISSION_NOTICE, at, cancelled=at + HOUR)
        add(M.PLANNING_INFO, admitted + DAY * rng.uniform(0.5, 3))
        if case.care_contact_needed and rng.random() < 0.95:
            add(
                M.CARE_CONTACT_APPOINTED,
                admitted + DAY * rng.uniform(1, 4),
                sender=centre,
                to=(ward, home),
            )
        ready = admitted + DAY * rng.uniform(2, 12)
        add(M.READY_FOR_DISCHARGE, ready)
        if rng.random() < 0.05:
            add(M.READINESS_WITHDRAWN, ready + HOUR * rng.uniform(3, 30))
            ready = ready + DAY * rng.uniform(1.5, 4)
            add(M.READY_FOR_DISCHARGE, ready)
        if case.sip_needed and rng.random() < 0.9:
            add(M.SIP_SUMMONS, ready + DAY * rng.uniform(0, 3), sender=centre, to=(ward, home))
        discharged = ready + DAY * min(rng.expovariate(1 / 2.5), 25)
        late_entry = rng.random() < 0.02
        add(
            M.DISCHARGE_NOTICE,
            discharged + (DAY if late_entry else datetime.timedelta(0)),
            occurred=discharged if late_entry else None,
        )
        add(M.DISCHARGE_INFO, discharged + HOUR * rng.uniform(0, 8))
        for _ in range(rng.choice((0, 0, 1, 2))):
            add(M.EXTRA_MESSAGE, admitted + DAY * rng.uniform(0, 10), sender=home, to=(ward,))
        for kind, at, sender, to, extra in events:
            messages.append(
                Message(
                    message_type=kind,
                    patient_id=case.patient_id,
                    sender_unit=sender,
                    sender_user=data.users[sender.pk],
                    sent_at=at,
                    occurred_at=extra.get("occurred"),
                    cancelled_at=extra.get("cancelled"),
                    idempotency_key=f"bench-{len(messages)}",
                )
            )
            message_cases.append(case)
            recipients.append(to)
    stored_messages = Message.objects.bulk_create(messages, batch_size=BATCH)
    CaseMessage.objects.bulk_create(
        (
            CaseMessage(message=message, case=case)
            for message, case in zip(stored_messages, message_cases, strict=True)
        ),
        batch_size=BATCH,
    )

    deliveries = []
    participants: dict[tuple[int, int], CaseParticipant] = {}
    for case in stored:
        participants[(case.pk, case.ward_id)] = CaseParticipant(
            case_id=case.pk,
            unit_id=case.ward_id,
            role=ParticipantRole.WARD,
            joined_at=case.admitted_at,
            case_open=case.is_open,
            case_admitted_at=case.admitted_at,
        )
    for index, (message, to) in enumerate(zip(stored_messages, recipients, strict=True)):
        for unit in to:
            arrived = message.sent_at
            due = first_cutoff_after(arrived)
            fate = rng.random()
            state, acknowledged = DeliveryState.ACKNOWLEDGED, None
            if message.cancelled_at is not None:
                state = DeliveryState.CANCELLED
            elif fate < 0.82:
                acknowledged = arrived + (due - arrived) * rng.uniform(0.02, 0.98)
            elif fate < 0.94:
                acknowledged = due + HOUR * rng.uniform(0.2, 30)
            elif fate < 0.97:
                state = DeliveryState.FORWARDED
            else:
                state = DeliveryState.READ
            deliveries.append(
                Delivery(
                    message_id=message.pk,
                    unit_id=unit.pk,
                    reason_code="participant",
                    reason_text="Deltar i ärendet",
                    arrived_at=arrived,
                    due_at=due,
                    state=state,
                    acknowledged_at=acknowledged,
                    read_at=acknowledged,
                )
            )
            participants.setdefault(
                (message_cases[index].pk, unit.pk),
                CaseParticipant(
                    case_id=message_cases[index].pk,
                    unit_id=unit.pk,
                    role=ParticipantRole.ADDED,
                    joined_at=arrived,
                    case_open=message_cases[index].is_open,
                    case_admitted_at=message_cases[index].admitted_at,
                ),
            )
    Delivery.objects.bulk_create(deliveries, batch_size=BATCH)
    CaseParticipant.objects.bulk_create(participants.values(), batch_size=BATCH)
    data.cases, data.messages, data.deliveries = len(stored), len(stored_messages), len(deliveries)
    data.seconds = time.perf_counter() - started
    if verbose:
        print(
            f"generated {data.cases} cases, {data.messages} messages, {data.deliveries} "
            f"deliveries, {len(participants)} participations in {data.seconds:.0f} s"
        )
    return data


def _existing(year: int) -> RegionData:
    region = Organization.objects.get(name="Region Storlän")
    municipalities = list(Organization.objects.filter(name__startswith="Kommun ").order_by("name"))
    return RegionData(
        year=year,
        region=region,
        municipalities=municipalities,
        wards=list(Unit.objects.filter(organization=region, name__startswith="Avd ")),
        care_centres=[],
        municipal_units={},
        department=Unit.objects.get(name="Medicinkliniken"),
        cases=DischargeCase.objects.filter(region=region).count(),
        messages=Message.objects.count(),
        deliveries=Delivery.objects.count(),
    )


def median_seconds(function, runs: int) -> tuple[float, float, int]:
    """(median, max) wall seconds over `runs` calls, and the queries of one call."""
    times = []
    queries = 0
    for n in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        if n == 0:
            queries = len(captured.captured_queries)
    return statistics.median(times), max(times), queries


def reader(data: RegionData, name: str, unit: Unit, role: str) -> Client:
    user, _ = User.objects.get_or_create(
        username=name, defaults={"organization": unit.organization}
    )
    Membership.objects.get_or_create(user=user, unit=unit, role=role)
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_UNIT_KEY] = unit.pk
    session.save()
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    if args.keep and Organization.objects.filter(name="Region Storlän").exists():
        data = _existing(args.year)
    else:
        data = generate_region_year(cases=args.cases, year=args.year)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    year = Year(args.year)
    big = data.municipalities[0]
    reaches = {
        "region (report viewer)": ReportReach(data.region, None),
        f"{big.name} (report viewer)": ReportReach(big, None),
        "department, 6 wards (manager)": ReportReach(
            data.region,
            frozenset(Unit.objects.filter(parent=data.department).values_list("pk", flat=True))
            | {data.department.pk},
        ),
    }
    started = time.perf_counter()
    done = refresh(full=True)
    print(f"report facts of all {done} cases worked out in {time.perf_counter() - started:.1f} s")
    _touch_some_cases(data, 100)
    started = time.perf_counter()
    done = refresh()
    print(
        f"after 100 new messages: {done} cases recomputed in {time.perf_counter() - started:.2f} s"
    )
    med, worst, queries = median_seconds(refresh, args.runs)
    print(f"refresh with nothing new: {med * 1000:.1f} ms, {queries} queries")
    functions = {
        "admission notices": lambda r: figures.admission_notices(report_facts(r), year),
        "days as ready": lambda r: figures.ready_days(report_facts(r), year),
        "payment liability": lambda r: figures.liability(report_facts(r), year),
        "acknowledgements": lambda r: figures.acknowledgements(report_deliveries(r), year),
    }
    print(
        f"\n{data.cases} cases, {data.messages} messages, {data.deliveries} deliveries; "
        f"year {args.year}; median and max of {args.runs} runs\n"
    )
    print(f"{'report':<22} {'reach':<32} {'function':>16} {'queries':>8}")
    for label, reach in reaches.items():
        for name, function in functions.items():
            med, worst, queries = median_seconds(lambda f=function, r=reach: f(r), args.runs)
            print(f"{name:<22} {label:<32} {med * 1000:7.0f} / {worst * 1000:5.0f} ms {queries:>6}")
    clients = {
        "region (report viewer)": reader(data, "bench-rapport", data.wards[0], Role.REPORT_VIEWER),
        f"{big.name} (report viewer)": reader(
            data,
            "bench-kommun",
            data.municipal_units.get(big.pk, [None])[0]
            or Unit.objects.filter(organization=big).first(),
            Role.REPORT_VIEWER,
        ),
        "department, 6 wards (manager)": reader(data, "bench-chef", data.department, Role.MANAGER),
    }
    pages = ["admissions", "ready_days", "liability", "acknowledgements"]
    print(f"\n{'page (HTML)':<22} {'reach':<32} {'whole page':>16} {'queries':>8}")
    for label, client in clients.items():
        for page in pages:
            url = f"/rapporter/{_path(page)}?year={args.year}"

            def get(client=client, url=url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            med, worst, queries = median_seconds(get, args.runs)
            print(f"{page:<22} {label:<32} {med * 1000:7.0f} / {worst * 1000:5.0f} ms {queries:>6}")
    client = clients["region (report viewer)"]
    for fmt in ("csv", "xlsx"):
        med, worst, _ = median_seconds(
            lambda fmt=fmt: client.get(
                f"/rapporter/betalningsansvar/?year={args.year}&format={fmt}"
            ),
            args.runs,
        )
        label = f"liability {fmt}"
        print(
            f"{label:<22} {'region (report viewer)':<32} {med * 1000:7.0f} / {worst * 1000:5.0f} ms"
        )


def _touch_some_cases(data: RegionData, count: int) -> None:
    """`count` new messages on existing cases, as a morning's work would add."""
    cases = list(DischargeCase.objects.filter(region=data.region).order_by("?")[:count])
    user = User.objects.filter(username__startswith="b").first()
    stored = Message.objects.bulk_create(
        Message(
            message_type=M.EXTRA_MESSAGE,
            patient_id=case.patient_id,
            sender_unit_id=case.ward_id,
            sender_user=user,
            idempotency_key=f"bench-touch-{time.time_ns()}-{case.pk}",
        )
        for case in cases
    )
    CaseMessage.objects.bulk_create(
        CaseMessage(message=message, case=case) for message, case in zip(stored, cases, strict=True)
    )


def _path(page: str) -> str:
    return {
        "admissions": "inskrivningsmeddelanden/",
        "ready_days": "utskrivningsklara-dagar/",
        "liability": "betalningsansvar/",
        "acknowledgements": "kvittenser/",
    }[page]


if __name__ == "__main__":
    main()
