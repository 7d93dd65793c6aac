"""Fill a database with a realistic region's year of samplan data, at a chosen scale.

Scale 1 is one large region over one year: 30 municipalities and their unit trees, 8
hospitals, about 10,000 users, 46,000 patients with valid personnummer, the addressing
register (patient filters, residence lists, area rules, fallback inboxes), about 60,000
discharge cases through every state with their messages (about 600,000), deliveries (about
1.5 million, acknowledged at realistic times, some late, forwarded, returned or still open),
case events, and about 5 million access-log rows. Everything scales linearly with --scale
(the unit tree too, with small minimums), so the volume per unit stays that of a real region
and a page's figures at a small scale are comparable.

    # SQLite, a small scale (bench/output/bench.sqlite3, replaced):
    .venv/bin/python bench/generate.py --scale 0.05
    # PostgreSQL (an empty database; it is migrated first):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE samplan_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench \\
        .venv/bin/python bench/generate.py --scale 1

Every user's password is benchenv.BENCH_PASSWORD. The data ends at --end (default: now), so
the newest cases are open and the newest deliveries unacknowledged, as on a working day. The
same --seed, --scale and --end give the same rows.

Writing: the large tables are streamed in batches, on PostgreSQL through COPY (--method copy,
the default there) or Django's bulk_create (--method orm, the only one on SQLite); memory stays
bounded by the batch (--batch cases at a time). Ids are given by the generator, so the
database must be empty; sequences are reset at the end, then ANALYZE.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
import uuid
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import BENCH_PASSWORD, DEFAULT_SQLITE, database_url, setup_django

if __name__ == "__main__" and database_url() == f"sqlite:///{DEFAULT_SQLITE}":
    # A fresh SQLite file each time: the generator needs an empty database.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DEFAULT_SQLITE}{suffix}").unlink(missing_ok=True)
setup_django()
# ruff: noqa: E402  (Django must be set up before the models are imported)

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from stdnum import luhn

from samplan.accounts.models import Membership, Role, User
from samplan.addressing.models import AreaRule, FallbackInbox, PatientFilter, ResidenceEntry
from samplan.auditlog.chain import HEAD_PK, row_hash
from samplan.auditlog.flags import default_hours
from samplan.auditlog.models import AccessLogChain, AccessLogEntry
from samplan.core.message_types import MessageType
from samplan.discharge.deadlines import first_cutoff_after
from samplan.discharge.models import (
    Agreement,
    CaseEvent,
    CaseEventKind,
    CaseParticipant,
    DailyAmount,
    DischargeCase,
    ParticipantRole,
)
from samplan.discharge.process import OPEN_STATES, TRANSITIONS, CaseState
from samplan.discharge.terms import DEFAULT_TERMS, STOCKHOLM, AgreementTerms, CareType
from samplan.messaging.models import AlertSettings, Delivery, DeliveryState, Message
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind
from samplan.patients.identity import IdentityKind
from samplan.patients.models import Patient, Protection

M = MessageType
UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

FIRST_NAMES = [
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Kristina",
    "Lena",
    "Sara",
    "Emma",
    "Ingrid",
    "Marie",
    "Birgitta",
    "Margareta",
    "Elisabeth",
    "Johanna",
    "Linnéa",
    "Elsa",
    "Astrid",
    "Ulla",
    "Gunnel",
    "Britt",
    "Karl",
    "Erik",
    "Lars",
    "Anders",
    "Johan",
    "Per",
    "Nils",
    "Lennart",
    "Olof",
    "Hans",
    "Bengt",
    "Gustav",
    "Sven",
    "Mikael",
    "Peter",
    "Stig",
    "Göran",
    "Arne",
    "Åke",
    "Rolf",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Lindström",
    "Olofsson",
    "Lindqvist",
    "Lindgren",
    "Berg",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Lind",
    "Lundgren",
    "Lundqvist",
    "Mattsson",
    "Berglund",
    "Fredriksson",
    "Sandberg",
    "Henriksson",
    "Forsberg",
    "Sjöberg",
    "Wallin",
    "Engström",
    "Danielsson",
    "Håkansson",
    "Eklund",
    "Åberg",
    "Öberg",
]
TOWN_HEADS = [
    "Ek",
    "Björk",
    "Sjö",
    "Lind",
    "Berg",
    "Ås",
    "Norr",
    "Sö",
    "Väst",
    "Öst",
    "Gran",
    "Al",
    "Hög",
    "Lund",
    "Mo",
    "Sand",
    "Hav",
    "Ros",
]
TOWN_TAILS = ["by", "köping", "hult", "torp", "vik", "sala", "stad", "dal", "ryd", "holm"]
STREETS = [
    "Storgatan",
    "Kyrkogatan",
    "Skolgatan",
    "Parkvägen",
    "Björkvägen",
    "Ringvägen",
    "Industrigatan",
]
WARD_SPECIALITIES = (
    "Medicin",
    "Kirurgi",
    "Ortopedi",
    "Geriatrik",
    "Kardiologi",
    "Neurologi",
    "Infektion",
    "Lungmedicin",
    "Onkologi",
    "Strokeenhet",
    "Njurmedicin",
    "Akutvårdsavdelning",
    "Urologi",
    "Hematologi",
)


# --- Writing rows ------------------------------------------------------------------------------


class Table:
    """Rows for one model, buffered and written in one COPY or bulk_create per flush.

    `fields` are the field names the generator gives, in the order of each row tuple; every
    other column gets its model default (evaluated once: a constant per run), so COPY, which
    bypasses Django's defaults, writes complete rows.
    """

    def __init__(self, writer: Writer, model: type[models.Model], fields: Sequence[str]) -> None:
        self.writer = writer
        self.model = model
        meta = model._meta
        given = [meta.get_field(name) for name in fields]
        rest = [
            f
            for f in meta.concrete_fields
            if f not in given and not (f.primary_key and f.auto_created)
        ]
        now = writer.now
        self.constants = tuple(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            # A callable default is evaluated once: a constant per run.
            else f.get_default()
            for f in rest
        )
        self.fields = [*given, *rest]
        self.attnames = [f.attname for f in self.fields]
        self.columns = [f.column for f in self.fields]
        self.json = [isinstance(f, models.JSONField) for f in self.fields]
        self.rows: list[tuple] = []
        self.count = 0
        self.seconds = 0.0

    def add(self, *values: object) -> None:
        self.rows.append(values + self.constants)

    def flush(self) -> None:
        if not self.rows:
            return
        started = time.perf_counter()
        if self.writer.method == "copy":
            self._copy()
        else:
            with transaction.atomic():  # one commit per flush, not one per batch
                # The plain QuerySet method: the access log's manager refuses bulk inserts
                # so nothing in the app skips the chain; chained() builds the chain here.
                models.QuerySet(self.model).bulk_create(
                    (self.model(**dict(zip(self.attnames, row, strict=True))) for row in self.rows),
                    batch_size=self.writer.orm_batch,
                )
        self.seconds += time.perf_counter() - started
        self.count += len(self.rows)
        self.rows = []

    def _copy(self) -> None:
        from psycopg.types.json import Jsonb

        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        table = connection.ops.quote_name(self.model._meta.db_table)
        json_at = [i for i, is_json in enumerate(self.json) if is_json]
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in self.rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = Jsonb(row[i])
                copy.write_row(row)


class Writer:
    def __init__(self, method: str, now: datetime.datetime) -> None:
        self.method = method
        self.now = now
        self.orm_batch = 2000 if connection.vendor == "postgresql" else 500
        self.tables: list[Table] = []

    def table(self, model: type[models.Model], fields: Sequence[str]) -> Table:
        table = Table(self, model, fields)
        self.tables.append(table)
        return table

    def flush(self, *tables: Table) -> None:
        """Flush in the order given: rows referred to first (foreign keys are checked)."""
        for table in tables:
            table.flush()

    def report(self) -> None:
        for table in self.tables:
            if table.count:
                rate = table.count / table.seconds if table.seconds else 0
                print(
                    f"  {table.model._meta.db_table}: {table.count:,} rows written in "
                    f"{table.seconds:.1f} s ({rate:,.0f} rows/s, {self.method})"
                )


def progress(label: str, done: int, total: int, started: float, extra: str = "") -> None:
    elapsed = time.perf_counter() - started
    share = done / total if total else 1
    print(f"  {label}: {done:,}/{total:,} ({share:.0%}) {elapsed:.0f} s {extra}", flush=True)


# --- The world: what later steps need to know of earlier ones ----------------------------------


@dataclass
class MunicipalityInfo:
    org: Organization
    intake: Unit
    central: Unit
    home_care: list[Unit]
    home_health: list[Unit]
    nursing_homes: list[Unit]
    other_units: list[Unit]
    postal_prefix: int
    care_centres: list[Unit] = field(default_factory=list)
    weight: float = 1.0


@dataclass
class PatientInfo:
    pk: int
    identity: str
    municipality: int  # index into World.municipalities
    listed: int | None  # care centre unit id
    filter_units: tuple[int, ...]
    residence: int | None
    protected: bool


@dataclass
class World:
    scale: float
    rng: random.Random
    start: datetime.datetime
    end: datetime.datetime
    region: Organization | None = None
    region_central: Unit | None = None
    municipalities: list[MunicipalityInfo] = field(default_factory=list)
    wards: list[Unit] = field(default_factory=list)
    ward_weights: list[float] = field(default_factory=list)
    care_centres: list[Unit] = field(default_factory=list)
    units: dict[int, Unit] = field(default_factory=dict)
    org_of_unit: dict[int, int] = field(default_factory=dict)
    org_inboxes: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    principal: dict[int, Organization] = field(default_factory=dict)  # org id → region/muni
    terms: dict[int, AgreementTerms] = field(default_factory=dict)  # municipality id → terms
    unit_users: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    user_hsa: dict[int, str] = field(default_factory=dict)
    user_names: dict[int, str] = field(default_factory=dict)
    # The last id given per table (ids are given by the generator, so later steps go on).
    ids: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    patients: list[PatientInfo] = field(default_factory=list)
    cases: list[CaseSummary] = field(default_factory=list)
    sip_cases: list[SipCase] = field(default_factory=list)

    def count(self, at_scale_1: float, minimum: int = 1) -> int:
        return max(minimum, round(at_scale_1 * self.scale))

    def user_of(self, unit_id: int) -> int:
        return self.rng.choice(self.unit_users[unit_id])


def org_number(prefix: str, index: int) -> str:
    base = f"{prefix}{index:06d}"[:9]
    return base + luhn.calc_check_digit(base)


def town_name(index: int) -> str:
    head = TOWN_HEADS[index % len(TOWN_HEADS)]
    tail = TOWN_TAILS[(index // len(TOWN_HEADS) + index) % len(TOWN_TAILS)]
    return head + tail


# --- Organisations, units, agreements, the register's rules ------------------------------------


def build_structure(world: World) -> None:
    """Organisations and unit trees with the ORM (about a thousand rows at scale 1)."""
    rng = world.rng
    region = Organization.objects.create(
        name="Region Bänkland",
        kind=OrganizationKind.REGION,
        org_number=org_number("232", 1),
        area_code="99",
    )
    world.region = region
    region_admin = Unit.objects.create(
        organization=region, name="Regionledningen", kind=UnitKind.ADMINISTRATION
    )
    world.region_central = Unit.objects.create(
        organization=region,
        parent=region_admin,
        name="Regionens centrala brevlåda",
        kind=UnitKind.OTHER,
        has_inbox=True,
        phone="010-100 00 00",
    )
    FallbackInbox.objects.create(organization=region, unit=world.region_central)

    for h in range(world.count(8)):
        town = town_name(h)
        hospital = Unit.objects.create(
            organization=region,
            parent=region_admin,
            name=f"{town} lasarett",
            kind=UnitKind.ADMINISTRATION,
        )
        Unit.objects.create(
            organization=region,
            parent=hospital,
            name=f"Akutmottagningen {town}",
            kind=UnitKind.EMERGENCY_DEPARTMENT,
            has_inbox=True,
        )
        for w in range(15):
            psychiatric = w >= 13
            speciality = "Psykiatri" if psychiatric else WARD_SPECIALITIES[w % 14]
            ward = Unit.objects.create(
                organization=region,
                parent=hospital,
                name=f"Avd {10 + w} {speciality} {town}",
                kind=UnitKind.HOSPITAL_WARD_PSYCHIATRIC
                if psychiatric
                else UnitKind.HOSPITAL_WARD_SOMATIC,
                has_inbox=True,
                phone=f"010-{100 + h} {10 + w:02d} 00",
            )
            world.wards.append(ward)
            # Medicine and geriatrics send most of the cases.
            world.ward_weights.append(3.0 if w % 14 in (0, 3) else 0.6 if psychiatric else 1.0)
    primary_care = Unit.objects.create(
        organization=region,
        parent=region_admin,
        name="Primärvården",
        kind=UnitKind.ADMINISTRATION,
    )
    world.care_centres = [
        Unit.objects.create(
            organization=region,
            parent=primary_care,
            name=f"Vårdcentralen {town_name(c + 3)} {c}",
            kind=UnitKind.PRIMARY_CARE_CENTRE,
            has_inbox=True,
        )
        for c in range(world.count(120, 2))
    ]
    psychiatry = Unit.objects.create(
        organization=region, parent=region_admin, name="Psykiatrin", kind=UnitKind.ADMINISTRATION
    )
    for p in range(world.count(15)):
        Unit.objects.create(
            organization=region,
            parent=psychiatry,
            name=f"Psykiatriska öppenvården {p + 1}",
            kind=UnitKind.OUTPATIENT_PSYCHIATRY,
            has_inbox=True,
        )

    count = world.count(30, 2)
    # Municipalities differ in size: a few large towns, many small ones.
    weights = [1.0 / (1 + i) ** 0.8 for i in range(count)]
    for m in range(count):
        code = f"99{m + 1:02d}"
        name = town_name(m + 5)
        org = Organization.objects.create(
            name=f"{name} kommun",
            kind=OrganizationKind.MUNICIPALITY,
            org_number=org_number("212", m + 1),
            area_code=code,
        )
        size = weights[m] / weights[0]
        care = Unit.objects.create(
            organization=org, name="Vård- och omsorgsförvaltningen", kind=UnitKind.ADMINISTRATION
        )
        social = Unit.objects.create(
            organization=org, name="Socialförvaltningen", kind=UnitKind.ADMINISTRATION
        )

        def unit(parent: Unit, name: str, kind: str, org: Organization = org) -> Unit:
            return Unit.objects.create(
                organization=org, parent=parent, name=name, kind=kind, has_inbox=True
            )

        info = MunicipalityInfo(
            org=org,
            intake=unit(care, f"Mottagningsenheten {name}", UnitKind.MUNICIPAL_INTAKE),
            central=unit(care, f"Central brevlåda {name}", UnitKind.OTHER),
            home_care=[
                unit(care, f"Hemtjänst {name} {g + 1}", UnitKind.HOME_CARE)
                for g in range(max(2, round(14 * size)))
            ],
            home_health=[
                unit(care, f"Hemsjukvården {name} {g + 1}", UnitKind.HOME_HEALTH_CARE)
                for g in range(max(1, round(3 * size)))
            ],
            nursing_homes=[
                unit(care, f"{town_name(g + m)}gården", UnitKind.NURSING_HOME)
                for g in range(max(1, round(9 * size)))
            ],
            other_units=[
                unit(care, f"Biståndshandläggning {name}", UnitKind.NEEDS_ASSESSMENT),
                unit(care, f"Funktionsstöd {name}", UnitKind.DISABILITY_SERVICES),
                unit(social, f"Individ- och familjeomsorgen {name}", UnitKind.SOCIAL_SERVICES),
            ],
            postal_prefix=600 + m * 10,
            weight=weights[m],
        )
        FallbackInbox.objects.create(organization=org, unit=info.central)
        world.municipalities.append(info)
        # A private home-care provider in every fifth municipality.
        if m % 5 == 0:
            provider = Organization.objects.create(
                name=f"Omsorg {name} AB",
                kind=OrganizationKind.PRIVATE_PROVIDER,
                org_number=org_number("556", m + 1),
                contracted_by=org,
            )
            top = Unit.objects.create(
                organization=provider, name=f"Omsorg {name} AB", kind=UnitKind.ADMINISTRATION
            )
            info.home_care += [
                unit(top, f"Omsorg {name} hemtjänst {g + 1}", UnitKind.HOME_CARE, provider)
                for g in range(3)
            ]
        # Agreements with the region: the defaults, some with a later cut-off or more hours,
        # so deadlines differ between municipalities as they do in real regions.
        cutoff = datetime.time(13, 0) if m % 7 == 3 else datetime.time(12, 0)
        hours = 36 if m % 9 == 4 else 24
        Agreement.objects.create(
            region=region,
            municipality=org,
            reference=f"Överenskommelse {name}",
            valid_from=(world.start - 800 * DAY).date(),
            cutoff_time=cutoff,
            admission_notice_hours=hours,
        )
        world.terms[org.pk] = AgreementTerms(cutoff=cutoff, admission_notice_hours=hours)
        # Area rules: the intake unit for everything; some home-care groups by postal code.
        AreaRule.objects.create(
            municipality_code=code, unit=info.intake, valid_from=(world.start - 800 * DAY).date()
        )
        for g, group in enumerate(info.home_care[:3]):
            low = (info.postal_prefix + g) * 100
            AreaRule.objects.create(
                municipality_code=code,
                postal_code_from=f"{low:05d}",
                postal_code_to=f"{low + 99:05d}",
                message_type=M.CARE_REPORT,
                unit=group,
                valid_from=(world.start - 400 * DAY).date(),
            )
    # Care centres belong to the municipalities they lie in (listing follows residence).
    for c, centre in enumerate(world.care_centres):
        world.municipalities[c % count].care_centres.append(centre)
    for year in range(world.start.year - 1, world.end.year + 1):
        DailyAmount.objects.get_or_create(
            year=year, defaults={"amount": 9300 + 300 * (year - 2022), "source": "Bench data"}
        )

    for unit in Unit.objects.select_related("organization__contracted_by"):
        world.units[unit.pk] = unit
        world.org_of_unit[unit.pk] = unit.organization_id
        org = unit.organization
        world.principal[org.pk] = org.contracted_by if org.contracted_by_id else org
        if unit.has_inbox:
            world.org_inboxes[org.pk].append(unit.pk)
    inboxes = [u for u in world.units.values() if u.has_inbox]
    AlertSettings.objects.bulk_create(
        AlertSettings(unit=u, enabled=True, email_addresses=[f"enhet{u.pk}@bench.example"])
        for u in inboxes
        if rng.random() < 0.3
    )
    print(
        f"structure: {Organization.objects.count()} organisations, {len(world.units)} units "
        f"({len(inboxes)} with an inbox), {len(world.wards)} wards, "
        f"{len(world.municipalities)} municipalities"
    )


def terms_between(world: World, first_unit: int, second_unit: int) -> AgreementTerms:
    """As samplan.discharge.selectors.terms_between, from memory: the agreement of the region
    and the municipality involved, else the defaults (every agreement covers the period)."""
    kinds = {}
    for unit_id in (first_unit, second_unit):
        principal = world.principal[world.org_of_unit[unit_id]]
        kinds.setdefault(principal.kind, principal)
    municipality = kinds.get(OrganizationKind.MUNICIPALITY)
    if OrganizationKind.REGION not in kinds or municipality is None:
        return DEFAULT_TERMS
    return world.terms[municipality.pk]


# --- Users and memberships ---------------------------------------------------------------------

USERS_PER_KIND = {
    UnitKind.HOSPITAL_WARD_SOMATIC: 25,
    UnitKind.HOSPITAL_WARD_PSYCHIATRIC: 20,
    UnitKind.EMERGENCY_DEPARTMENT: 15,
    UnitKind.PRIMARY_CARE_CENTRE: 12,
    UnitKind.OUTPATIENT_PSYCHIATRY: 8,
    UnitKind.HOME_CARE: 6,
    UnitKind.HOME_HEALTH_CARE: 8,
    UnitKind.NURSING_HOME: 6,
    UnitKind.MUNICIPAL_INTAKE: 6,
    UnitKind.NEEDS_ASSESSMENT: 8,
    UnitKind.DISABILITY_SERVICES: 4,
    UnitKind.SOCIAL_SERVICES: 6,
    UnitKind.OTHER: 3,
}


def build_users(world: World, writer: Writer) -> None:
    """About 10,000 users at scale 1, one known password hashed once; memberships in force."""
    rng = world.rng
    started = time.perf_counter()
    # A fixed salt: the same --seed gives the same rows, hashes included.
    password = make_password(BENCH_PASSWORD, salt="samplanbench")
    users = writer.table(
        User,
        [
            "id",
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "organization",
            "hsa_id",
            "mobile",
            "date_joined",
            "is_active",
        ],
    )
    memberships = writer.table(
        Membership, ["id", "user", "unit", "role", "valid_from", "created_at"]
    )
    target = world.count(10_000, 20)
    inboxes = [u for u in world.units.values() if u.has_inbox]
    weights = {u.pk: USERS_PER_KIND.get(u.kind, 3) for u in inboxes}
    factor = target * 0.97 / sum(weights.values())
    joined = world.start - 400 * DAY
    valid_from = joined.date()
    next_user = 1
    next_membership = 1

    def add_user(unit: Unit, role: str) -> int:
        nonlocal next_user, next_membership
        pk = next_user
        next_user += 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        org = world.units[unit.pk].organization
        hsa = f"SE{org.org_number}-B{pk:05d}"
        users.add(
            pk,
            f"u{pk:05d}",
            password,
            first,
            last,
            f"u{pk:05d}@bench.example",
            org.pk,
            hsa,
            f"070-{rng.randrange(1000000, 9999999)}",
            joined,
            True,
        )
        memberships.add(next_membership, pk, unit.pk, role, valid_from, joined)
        next_membership += 1
        world.user_hsa[pk] = hsa
        world.user_names[pk] = f"{first} {last}"
        if role in (Role.USER, Role.SUPER_USER):
            world.unit_users[unit.pk].append(pk)
        return pk

    for unit in inboxes:
        for _ in range(max(1, round(weights[unit.pk] * factor))):
            pk = add_user(unit, Role.USER)
            # Some staff work in two units of the same organisation.
            if rng.random() < 0.12:
                siblings = [
                    u
                    for u in inboxes
                    if u.organization_id == unit.organization_id and u.kind == unit.kind
                ]
                other = rng.choice(siblings)
                if other.pk != unit.pk:
                    memberships.add(next_membership, pk, other.pk, Role.USER, valid_from, joined)
                    next_membership += 1
                    world.unit_users[other.pk].append(pk)
    # Administrators and log reviewers in each organisation's top unit.
    for org in Organization.objects.all():
        top = next(
            u for u in world.units.values() if u.organization_id == org.pk and u.parent_id is None
        )
        for role, how_many in (
            (Role.LOCAL_ADMIN, 2),
            (Role.SYSTEM_ADMIN, 1),
            (Role.LOG_REVIEWER, 2),
            (Role.MANAGER, 1),
        ):
            for _ in range(how_many):
                add_user(top, role)
        # Super users of the central inbox forward misaddressed messages.
        central = next(
            (
                u
                for u in world.units.values()
                if u.organization_id == org.pk and u.kind == UnitKind.OTHER
            ),
            None,
        )
        if central is not None:
            add_user(central, Role.SUPER_USER)
    writer.flush(users, memberships)
    progress("users", users.count, users.count, started, f"({memberships.count:,} memberships)")


# --- Patients and the addressing register ------------------------------------------------------


def personnummer(
    rng: random.Random, seen: set[str], *, coordination: bool = False
) -> tuple[str, datetime.date]:
    """A valid 12-digit personnummer (or samordningsnummer: day + 60), not used before."""
    while True:
        # Mostly old people: born 1925–1960, some younger.
        year = rng.randint(1925, 1960) if rng.random() < 0.8 else rng.randint(1961, 2006)
        born = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        day = born.day + 60 if coordination else born.day
        base = f"{born:%y%m}{day:02d}{rng.randrange(1000):03d}"
        number = f"{born:%Y}{base[2:]}{luhn.calc_check_digit(base)}"
        if number not in seen:
            seen.add(number)
            return number, born


def build_patients(world: World, writer: Writer) -> None:
    """Patients with valid identity numbers; the register rows that route them."""
    rng = world.rng
    started = time.perf_counter()
    patients = writer.table(
        Patient,
        [
            "id",
            "identity_number",
            "identity_kind",
            "first_name",
            "last_name",
            "birth_date",
            "protection",
            "registered_municipality",
            "postal_code",
            "street_address",
            "city",
            "listed_care_centre",
        ],
    )
    filters = writer.table(
        PatientFilter, ["id", "unit", "identity_number", "valid_from", "valid_to"]
    )
    residents = writer.table(
        ResidenceEntry, ["id", "unit", "identity_number", "moved_in", "moved_out"]
    )
    seen: set[str] = set()
    total = world.count(46_000, 50)
    weights = [m.weight for m in world.municipalities]
    filter_id = residence_id = 0
    first_day = world.start.date()
    for pk in range(1, total + 1):
        m_index = rng.choices(range(len(world.municipalities)), weights)[0]
        muni = world.municipalities[m_index]
        roll = rng.random()
        if roll < 0.002:
            base = f"99{world.end:%y}{pk:07d}"
            number, born, kind = base + luhn.calc_check_digit(base[2:]), None, IdentityKind.RESERVE
        else:
            coordination = roll < 0.02
            number, born = personnummer(rng, seen, coordination=coordination)
            kind = IdentityKind.COORDINATION if coordination else IdentityKind.PERSONAL
        protected = rng.random() < 0.005
        listed = (
            rng.choice(muni.care_centres or world.care_centres).pk if rng.random() < 0.92 else None
        )
        postal = f"{muni.postal_prefix + rng.randrange(10):03d}{rng.randrange(100):02d}"
        patients.add(
            pk,
            number,
            kind,
            rng.choice(FIRST_NAMES),
            rng.choice(LAST_NAMES),
            born,
            Protection.PROTECTED_REGISTRATION if protected else Protection.NONE,
            muni.org.area_code,
            postal,
            f"{rng.choice(STREETS)} {rng.randrange(1, 80)}",
            muni.org.name.removesuffix(" kommun"),
            listed,
        )
        filter_units: list[int] = []
        # Home care and home health care register their clients (personnummerfilter).
        if rng.random() < 0.45:
            filter_units.append(rng.choice(muni.home_care).pk)
            if rng.random() < 0.4:
                filter_units.append(rng.choice(muni.home_health).pk)
        for unit_id in filter_units:
            filter_id += 1
            filters.add(
                filter_id,
                unit_id,
                number,
                first_day - datetime.timedelta(days=rng.randrange(30, 1500)),
                None,
            )
        residence = None
        if rng.random() < 0.12:
            residence = rng.choice(muni.nursing_homes).pk
            residence_id += 1
            residents.add(
                residence_id,
                residence,
                number,
                first_day - datetime.timedelta(days=rng.randrange(10, 2000)),
                None,
            )
        world.patients.append(
            PatientInfo(pk, number, m_index, listed, tuple(filter_units), residence, protected)
        )
        if pk % 20_000 == 0:
            writer.flush(patients, filters, residents)
    # People the register knows who have not (yet) been in hospital: most of the register.
    for index in range(world.count(90_000)):
        muni = world.municipalities[index % len(world.municipalities)]
        number, _born = personnummer(rng, seen)
        filter_id += 1
        start = first_day - datetime.timedelta(days=rng.randrange(0, 1500))
        end = (
            start + datetime.timedelta(days=rng.randrange(30, 900)) if rng.random() < 0.3 else None
        )
        filters.add(filter_id, rng.choice(muni.home_care + muni.home_health).pk, number, start, end)
        if index % 8 == 0:
            residence_id += 1
            residents.add(residence_id, rng.choice(muni.nursing_homes).pk, number, start, end)
        if index % 20_000 == 0:
            writer.flush(patients, filters, residents)
    writer.flush(patients, filters, residents)
    progress(
        "patients",
        patients.count,
        total,
        started,
        f"({filters.count:,} patient filters, {residents.count:,} residents)",
    )


# --- Discharge cases, messages, deliveries -----------------------------------------------------


@dataclass
class CaseSummary:
    """What the access-log generator needs of a case, kept for the whole run (small)."""

    pk: int
    patient: int
    units: tuple[int, ...]
    start: datetime.datetime
    end: datetime.datetime
    first_message: int
    message_times: array  # sent times (POSIX seconds), ids first_message + index


@dataclass
class SipCase:
    """A case marked sip_needed, for the SIP step (about a quarter of the cases, small).

    `summons` is the case's SIP summons as written (None when none was sent): the plan
    started from the case takes it as its own summons, as samplan.sip does through case_send.
    """

    pk: int
    patient: int
    care_centre: int | None
    units: tuple[int, ...]  # the case's participating units
    opened_at: datetime.datetime
    is_open: bool
    summons: SummonsSent | None


@dataclass
class SummonsSent:
    message: int
    sender: int
    user: int
    at: datetime.datetime
    meeting_at: datetime.datetime
    # (id, unit, state, arrived_at, due_at, acknowledged_at, acknowledged_by, handled_at,
    # handled_by, forwarded_from) of each delivery
    deliveries: list[tuple]


@dataclass
class Sent:
    """A message being generated, before it is written."""

    pk: int
    message_type: str
    sender: int
    user: int
    at: datetime.datetime
    recipients: list[tuple[int, str, str]]  # unit, reason code, reason text
    content: dict
    text: str = ""
    refers_to: int | None = None
    cancelled_at: datetime.datetime | None = None
    delivered: set[int] = field(default_factory=set)  # one delivery per unit and message


MESSAGE_FIELDS = [
    "id",
    "uuid",
    "message_type",
    "patient",
    "sender_unit",
    "sender_user",
    "sent_at",
    "text",
    "content",
    "case",
    "refers_to",
    "cancelled_at",
    "idempotency_key",
]
DELIVERY_FIELDS = [
    "id",
    "message",
    "unit",
    "reason_code",
    "reason_text",
    "state",
    "arrived_at",
    "due_at",
    "read_at",
    "read_by",
    "acknowledged_at",
    "acknowledged_by",
    "forwarded_from",
    "handled_at",
    "handled_by",
    "return_reason",
]


def working_time(
    rng: random.Random, after: datetime.datetime, within_hours: float
) -> datetime.datetime:
    """A time after `after` when staff are at work (07–17 local, mostly)."""
    moment = after + datetime.timedelta(hours=rng.uniform(0.05, within_hours))
    local = moment.astimezone(STOCKHOLM)
    if not 7 <= local.hour < 17 and rng.random() < 0.85:
        day = local.date() + (DAY if local.hour >= 17 else datetime.timedelta())
        local = datetime.datetime.combine(
            day, datetime.time(7), tzinfo=STOCKHOLM
        ) + datetime.timedelta(minutes=rng.randrange(0, 600))
        moment = local.astimezone(UTC)
    return max(moment, after + datetime.timedelta(minutes=1))


class CaseBuilder:
    """Generates one case's life: the script of its messages, then rows for every table."""

    def __init__(self, world: World, writer: Writer) -> None:
        self.world = world
        self.rng = world.rng
        self.cases = writer.table(
            DischargeCase,
            [
                "id",
                "patient",
                "ward",
                "care_type",
                "admitted_at",
                "services_need_assessed_at",
                "estimated_discharge_date",
                "state",
                "region",
                "municipality",
                "care_contact_needed",
                "sip_needed",
                "services_refused",
                "opened_by",
                "opened_at",
                "closed_at",
                "withdrawn_reason",
            ],
        )
        self.participants = writer.table(
            CaseParticipant, ["id", "case", "unit", "role", "joined_at", "left_at"]
        )
        self.events = writer.table(
            CaseEvent, ["id", "case", "at", "kind", "user", "unit", "detail"]
        )
        self.messages = writer.table(Message, MESSAGE_FIELDS)
        self.deliveries = writer.table(Delivery, DELIVERY_FIELDS)
        self.ids = world.ids
        self.busy_until: list[datetime.datetime] = []
        self.summons_deliveries: list[tuple] = []  # the current case's SIP summons

    def next_id(self, name: str) -> int:
        self.ids[name] += 1
        return self.ids[name]

    def flush(self, writer: Writer) -> None:
        writer.flush(self.cases, self.participants, self.events, self.messages, self.deliveries)

    # Times ----------------------------------------------------------------------------------

    def working_time(self, after: datetime.datetime, within_hours: float) -> datetime.datetime:
        return working_time(self.rng, after, within_hours)

    # One case -------------------------------------------------------------------------------

    def pick_patient(self, admitted: datetime.datetime) -> PatientInfo:
        """A patient not in hospital at `admitted` (one open case per patient)."""
        patients = self.world.patients
        for _ in range(20):
            index = self.rng.randrange(len(patients))
            if self.busy_until[index] < admitted:
                return patients[index]
        start = self.rng.randrange(len(patients))
        for offset in range(len(patients)):
            index = (start + offset) % len(patients)
            if self.busy_until[index] < admitted:
                return patients[index]
        raise RuntimeError("every patient is in hospital: too few patients for the cases")

    def build(self, admitted: datetime.datetime) -> None:
        world, rng = self.world, self.rng
        end = world.end
        patient = self.pick_patient(admitted)
        muni = world.municipalities[patient.municipality]
        ward = rng.choices(world.wards, world.ward_weights)[0]
        case_id = self.next_id("case")
        care_type = (
            CareType.PSYCHIATRIC
            if ward.kind == UnitKind.HOSPITAL_WARD_PSYCHIATRIC
            else CareType.SOMATIC
        )
        los = min(60.0, max(0.6, rng.lognormvariate(1.7, 0.6)))  # days; median ~5.5
        discharge_at = admitted + datetime.timedelta(days=los)
        withdrawn = rng.random() < 0.04
        sip_needed = rng.random() < 0.25
        ward_user = world.user_of(ward.pk)
        opened_at = admitted + datetime.timedelta(minutes=rng.randrange(10, 180))
        assessed = (
            admitted + datetime.timedelta(hours=rng.uniform(20, 60))
            if rng.random() < 0.05
            else None
        )

        # The municipal units the register routes to, and the care centre.
        routed: list[tuple[int, str, str]] = [
            (u, "patient_filter", "Personnummerfilter") for u in patient.filter_units
        ]
        if patient.residence:
            routed.append((patient.residence, "residence", "Boendelista"))
        if patient.listed:
            routed.append((patient.listed, "listing", "Listning"))
        # The municipality's area rule (every message type) always adds its intake unit.
        routed.append((muni.intake.pk, "area_rule", "Områdesregel"))
        municipal_units = [u for u, code, _ in routed if code != "listing"]
        care_centre = patient.listed

        script: list[Sent] = []
        participants: dict[int, list] = {ward.pk: [ParticipantRole.WARD, opened_at, None]}
        events: list[tuple] = [(opened_at, CaseEventKind.OPENED, ward_user, ward.pk, {})]

        def send(message_type: str, sender: int, at: datetime.datetime, recipients=None, **content):
            if at > end:
                return None
            if recipients is None:
                recipients = [
                    (u, "participant", "Deltar i ärendet")
                    for u, (_role, joined, left) in participants.items()
                    if u != sender
                    and joined <= at
                    and (left is None or left > at)
                    and world.units[u].has_inbox
                ]
            if not recipients:
                return None
            message = Sent(
                pk=0,
                message_type=message_type,
                sender=sender,
                user=world.user_of(sender),
                at=at,
                recipients=recipients,
                content=content,
                text=content.pop("text", ""),
            )
            script.append(message)
            return message

        # 0. Status report from the municipality (the person had services before).
        if patient.filter_units and rng.random() < 0.5:
            sender = patient.filter_units[0]
            send(
                M.STATUS_REPORT,
                sender,
                self.working_time(admitted, 20),
                [(ward.pk, "participant", "Avdelningen i ärendet")],
                living="Ordinärt boende",
                services="Hemtjänst morgon och kväll",
            )
            participants.setdefault(sender, [ParticipantRole.MUNICIPALITY, admitted, None])
        # 1. Admission notice: within 24 h mostly, late sometimes.
        start = assessed or admitted
        notice_at = start + datetime.timedelta(
            hours=rng.uniform(0.3, 20) if rng.random() < 0.9 else rng.uniform(24, 60)
        )
        notice = send(
            M.ADMISSION_NOTICE,
            ward.pk,
            notice_at,
            routed,
            ward_phone=ward.phone,
            admitted_at=admitted.isoformat(),
            ward=ward.name,
        )
        if notice is not None:
            for unit_id, code, _text in routed:
                role = (
                    ParticipantRole.CARE_CENTRE
                    if code == "listing"
                    else ParticipantRole.MUNICIPALITY
                )
                if unit_id not in participants:
                    participants[unit_id] = [role, notice_at, None]
                    events.append(
                        (
                            notice_at,
                            CaseEventKind.PARTICIPANT_ADDED,
                            ward_user,
                            ward.pk,
                            {"unit_name": world.units[unit_id].name},
                        )
                    )
        in_hospital_until = discharge_at
        withdrawn_at = None
        if withdrawn:
            withdrawn_at = admitted + datetime.timedelta(days=los * rng.uniform(0.2, 0.9))
            in_hospital_until = withdrawn_at
        # A transfer to another ward now and then: the case moves with the person.
        if rng.random() < 0.03 and los > 2:
            moved_at = admitted + datetime.timedelta(days=los * 0.3)
            if moved_at < min(end, in_hospital_until):
                new_ward = rng.choices(world.wards, world.ward_weights)[0]
                if new_ward.pk != ward.pk:
                    participants[ward.pk][2] = moved_at
                    participants[new_ward.pk] = [ParticipantRole.WARD, moved_at, None]
                    events.append(
                        (
                            moved_at,
                            CaseEventKind.TRANSFERRED,
                            ward_user,
                            ward.pk,
                            {"from_ward": ward.name, "to_ward": new_ward.name},
                        )
                    )
                    ward = new_ward
                    ward_user = world.user_of(ward.pk)
        # 2. Planning information, both ways; extra messages and care reports.
        stay = (in_hospital_until - notice_at).total_seconds()
        for _ in range(max(0, round(rng.gauss(3.0, 1.3)))):
            at = notice_at + datetime.timedelta(seconds=rng.uniform(0.1, 0.9) * max(stay, 3600))
            sender = (
                ward.pk
                if rng.random() < 0.8 or not municipal_units
                else rng.choice(municipal_units)
            )
            send(
                M.PLANNING_INFO,
                sender,
                self.working_time(at, 2),
                needs="Hjälp med förflyttning och personlig hygien",
                adl="Behöver stöd i ADL",
                text="Planeringsunderlag",
            )
        for _ in range(max(0, round(rng.gauss(1.2, 1.0)))):
            at = notice_at + datetime.timedelta(seconds=rng.uniform(0.1, 1.0) * max(stay, 3600))
            at = self.working_time(at, 2)
            senders = [u for u, (_r, joined, _l) in participants.items() if joined <= at]
            send(M.EXTRA_MESSAGE, rng.choice(senders), at, text="Vi ringer i morgon.")
        if municipal_units and rng.random() < 0.4:
            at = notice_at + datetime.timedelta(seconds=rng.uniform(0.2, 0.8) * max(stay, 3600))
            send(
                M.CARE_REPORT,
                municipal_units[0],
                self.working_time(at, 3),
                [(ward.pk, "participant", "Avdelningen i ärendet")]
                + ([(care_centre, "listing", "Listning")] if care_centre else []),
                text="Vårdrapport från hemsjukvården",
                author="Sjuksköterska",
                author_profession="Sjuksköterska",
            )
        # 3. Care contact, 4. ready for discharge, 5. SIP summons.
        ready_at = None
        contact_at = None
        if care_centre and not withdrawn and rng.random() < 0.85:
            contact_at = self.working_time(notice_at, max(1, stay / 3600 * 0.6))
            if send(
                M.CARE_CONTACT_APPOINTED,
                care_centre,
                contact_at,
                name="Eva Sjöberg",
                profession="Distriktssköterska",
                phone="010-200 00 00",
            ):
                participants[care_centre][0] = ParticipantRole.CARE_CONTACT
        if not withdrawn and rng.random() < 0.92:
            ready_at = admitted + datetime.timedelta(days=los * rng.uniform(0.55, 0.9))
            if rng.random() < 0.05:
                first = send(M.READY_FOR_DISCHARGE, ward.pk, ready_at)
                back = ready_at + datetime.timedelta(hours=rng.uniform(4, 30))
                if first and send(
                    M.READINESS_WITHDRAWN,
                    ward.pk,
                    back,
                    reason="Nytillkommen infektion",
                    text="Nytillkommen infektion",
                ):
                    ready_at = back + (discharge_at - back) * 0.5
            send(M.READY_FOR_DISCHARGE, ward.pk, ready_at, judged_at=ready_at.isoformat())
            if sip_needed and care_centre:
                late = rng.random() < 0.1
                summons_at = ready_at + datetime.timedelta(
                    hours=rng.uniform(75, 120) if late else rng.uniform(1, 60)
                )
                send(
                    M.SIP_SUMMONS,
                    care_centre,
                    self.working_time(summons_at, 1),
                    meeting_at=(summons_at + 2 * DAY).isoformat(),
                    place="Video",
                )
        # 6–7. Discharge, information at discharge; or withdrawal.
        if withdrawn:
            send(
                M.CASE_WITHDRAWN,
                ward.pk,
                withdrawn_at,
                reason=rng.choice(["no_longer_needed", "deceased", "moved_region"]),
            )
        else:
            send(M.DISCHARGE_NOTICE, ward.pk, discharge_at, discharged_at=discharge_at.isoformat())
            info_at = discharge_at + datetime.timedelta(
                hours=rng.uniform(0.1, 6) if rng.random() < 0.95 else rng.uniform(24, 40)
            )
            send(M.DISCHARGE_INFO, ward.pk, info_at, text="Läkemedelslista och ordinationer")

        # Keep what the process accepts (samplan.discharge.process), in time order: a message
        # the state would refuse (say, a second ready notice after discharge) is not sent.
        script.sort(key=lambda s: s.at)
        state = CaseState.ADMITTED
        accepted = []
        for message in script:
            if message.message_type == M.ADMISSION_NOTICE:
                accepted.append(message)
                continue
            new = TRANSITIONS[state].get(message.message_type)
            if new is None:
                continue
            accepted.append(message)
            if new != state:
                events.append(
                    (
                        message.at,
                        CaseEventKind.STATE_CHANGED,
                        message.user,
                        message.sender,
                        {"old": state, "new": new},
                    )
                )
                state = new
        script = accepted
        # A sender now and then cancels a message it sent (makulering), while the person is
        # still in hospital.
        for message in list(script):
            if message.message_type in (M.PLANNING_INFO, M.EXTRA_MESSAGE) and rng.random() < 0.03:
                at = message.at + datetime.timedelta(minutes=rng.randrange(5, 240))
                if at >= in_hospital_until:
                    continue
                cancellation = send(
                    M.CANCELLATION,
                    message.sender,
                    at,
                    [
                        (u, "cancellation", "Fick det makulerade meddelandet")
                        for u, _c, _t in message.recipients
                    ],
                    text="Fel patient",
                )
                if cancellation is not None:
                    message.cancelled_at = at
                    cancellation.refers_to = message
        script.sort(key=lambda s: s.at)
        closed_at = None
        if state == CaseState.DISCHARGED and rng.random() < 0.9:
            # Closed when nothing more comes: after the last message.
            closed_at = max(
                discharge_at + datetime.timedelta(days=rng.uniform(1, 10)), script[-1].at + HOUR
            )
            if closed_at <= end:
                events.append(
                    (
                        closed_at,
                        CaseEventKind.CLOSED,
                        ward_user,
                        ward.pk,
                        {"old": state, "new": CaseState.CLOSED},
                    )
                )
                state = CaseState.CLOSED
            else:
                closed_at = None
        if rng.random() < 0.1 and notice is not None:
            at = self.working_time(notice_at, 30)
            if at <= end:
                events.append(
                    (
                        at,
                        CaseEventKind.UPDATED,
                        ward_user,
                        ward.pk,
                        {"changes": {"estimated_discharge_date": [None, str(discharge_at.date())]}},
                    )
                )

        # Rows.
        region_id = world.region.pk
        self.cases.add(
            case_id,
            patient.pk,
            ward.pk,
            care_type,
            admitted,
            assessed,
            (admitted + datetime.timedelta(days=los + rng.uniform(-2, 2))).date(),
            state,
            region_id,
            muni.org.pk,
            True,
            sip_needed,
            rng.random() < 0.02,
            ward_user,
            opened_at,
            closed_at,
            next((m.content["reason"] for m in script if m.message_type == M.CASE_WITHDRAWN), ""),
        )
        for unit_id, (role, joined, left) in participants.items():
            if joined <= end:
                self.participants.add(
                    self.next_id("participant"),
                    case_id,
                    unit_id,
                    role,
                    joined,
                    left if left is not None and left <= end else None,
                )
        for at, kind, user, unit_id, detail in sorted(events, key=lambda e: e[0]):
            if at <= end:
                self.events.add(self.next_id("event"), case_id, at, kind, user, unit_id, detail)
        first_message = self.ids["message"] + 1
        self.summons_deliveries = []
        times = array("d")
        for message in script:
            message.pk = self.next_id("message")
            times.append(message.at.timestamp())
        for message in script:
            self.messages.add(
                message.pk,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                message.message_type,
                patient.pk,
                message.sender,
                message.user,
                message.at,
                message.text,
                message.content,
                case_id,
                message.refers_to.pk if message.refers_to else None,
                message.cancelled_at,
                f"bench-{message.pk}",
            )
            message.delivered = {unit_id for unit_id, _code, _text in message.recipients}
            for unit_id, code, text in message.recipients:
                self.delivery(message, unit_id, code, text)
        if sip_needed:
            summons = next((m for m in script if m.message_type == M.SIP_SUMMONS), None)
            world.sip_cases.append(
                SipCase(
                    pk=case_id,
                    patient=patient.pk,
                    care_centre=care_centre,
                    units=tuple(participants),
                    opened_at=opened_at,
                    is_open=state in OPEN_STATES,
                    summons=None
                    if summons is None
                    else SummonsSent(
                        message=summons.pk,
                        sender=summons.sender,
                        user=summons.user,
                        at=summons.at,
                        meeting_at=datetime.datetime.fromisoformat(summons.content["meeting_at"]),
                        deliveries=self.summons_deliveries,
                    ),
                )
            )
        # The person is busy in hospital until discharge (one open case per patient).
        self.busy_until[patient.pk - 1] = (
            end + DAY if state in OPEN_STATES else closed_at or withdrawn_at or discharge_at
        )
        world.cases.append(
            CaseSummary(
                pk=case_id,
                patient=patient.pk,
                units=tuple(participants),
                start=admitted,
                end=min(end, closed_at or withdrawn_at or discharge_at + 5 * DAY),
                first_message=first_message,
                message_times=times,
            )
        )

    def delivery(
        self,
        message: Sent,
        unit_id: int,
        code: str,
        text: str,
        forwarded_from: int | None = None,
        arrived: datetime.datetime | None = None,
    ) -> None:
        """One delivery and its fate: acknowledged in time mostly, late, forwarded, returned,
        cancelled with its message, or still open at the end of the period."""
        world, rng = self.world, self.rng
        pk = self.next_id("delivery")
        arrived = arrived or message.at
        due = first_cutoff_after(arrived, terms_between(world, message.sender, unit_id))
        roll = rng.random()
        fate = "ack"
        if forwarded_from is None and roll < 0.01:
            fate = "forward"
        elif forwarded_from is None and roll < 0.015:
            fate = "return"
        elif roll < 0.10:
            fate = "late"
        elif roll < 0.102:
            fate = "forgotten"
        if fate == "late":
            acted = due + datetime.timedelta(hours=rng.uniform(0.5, 50))
        elif fate == "forgotten":
            acted = world.end + 1000 * DAY
        else:
            acted = arrived + (due - arrived) * rng.uniform(0.05, 0.95)
            acted = max(acted, arrived + datetime.timedelta(minutes=2))
        user = world.user_of(unit_id)
        read_at = max(arrived, acted - datetime.timedelta(minutes=rng.randrange(0, 30)))
        state, handled_at, handled_by, return_reason = DeliveryState.ACKNOWLEDGED, None, None, ""
        ack_at, ack_by = acted, user
        if message.cancelled_at is not None and message.cancelled_at < acted:
            state, ack_at, ack_by = DeliveryState.CANCELLED, None, None
            if read_at > message.cancelled_at:
                read_at = None
        elif acted > world.end:
            state, ack_at, ack_by = DeliveryState.NEW, None, None
            read_at = None
            if rng.random() < 0.4:  # opened, not yet acknowledged
                state = DeliveryState.READ
                read_at = arrived + (world.end - arrived) * rng.random()
        elif fate in ("forward", "return"):
            state = DeliveryState.FORWARDED if fate == "forward" else DeliveryState.RETURNED
            ack_at, ack_by, handled_at, handled_by = None, None, acted, user
        self.deliveries.add(
            pk,
            message.pk,
            unit_id,
            code,
            text,
            state,
            arrived,
            due,
            read_at,
            user if read_at else None,
            ack_at,
            ack_by,
            forwarded_from,
            handled_at,
            handled_by,
            return_reason if fate != "return" else "Fel hemtjänstgrupp",
        )
        message.delivered.add(unit_id)
        if message.message_type == M.SIP_SUMMONS:
            self.summons_deliveries.append(
                (
                    pk,
                    unit_id,
                    state,
                    arrived,
                    due,
                    ack_at,
                    ack_by,
                    handled_at,
                    handled_by,
                    forwarded_from,
                )
            )
        if state == DeliveryState.FORWARDED:
            others = [
                u
                for u in world.org_inboxes[world.org_of_unit[unit_id]]
                if u not in message.delivered
            ]
            if others:
                target = rng.choice(others)
                self.delivery(message, target, "forwarded", "Vidarebefordrat", pk, acted)
        elif state == DeliveryState.RETURNED:
            principal = world.principal[world.org_of_unit[unit_id]]
            fallback = next(
                (m.central.pk for m in world.municipalities if m.org.pk == principal.pk),
                world.region_central.pk,
            )
            if fallback not in message.delivered:
                self.delivery(
                    message, fallback, "returned_copy", "Returnerat som felsänt", pk, acted
                )


def admission_times(world: World, count: int) -> list[datetime.datetime]:
    """Admissions over the year: more on weekdays and in the daytime, any hour."""
    rng = world.rng
    hour_weights = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 5, 5, 5, 4, 4, 3, 2, 2, 1]
    days = (world.end - world.start).days
    times = []
    for _ in range(count):
        day = world.start.astimezone(STOCKHOLM).date() + datetime.timedelta(
            days=rng.randrange(days)
        )
        if day.weekday() >= 5 and rng.random() < 0.3:
            day -= datetime.timedelta(days=day.weekday() - 4)  # fewer at weekends
        hour = rng.choices(range(24), hour_weights)[0]
        local = datetime.datetime.combine(
            day, datetime.time(hour, rng.randrange(60)), tzinfo=STOCKHOLM
        )
        times.append(local.astimezone(UTC))
    return sorted(t for t in times if t < world.end - HOUR)


def build_cases(world: World, writer: Writer, chunk: int) -> None:
    started = time.perf_counter()
    builder = CaseBuilder(world, writer)
    builder.busy_until = [world.start - 1000 * DAY] * len(world.patients)
    admissions = admission_times(world, world.count(60_000, 20))
    for index, admitted in enumerate(admissions, start=1):
        builder.build(admitted)
        if index % chunk == 0:
            builder.flush(writer)
            if index % (chunk * 10) == 0:
                progress(
                    "cases",
                    index,
                    len(admissions),
                    started,
                    f"({builder.messages.count:,} messages, "
                    f"{builder.deliveries.count:,} deliveries)",
                )
    builder.flush(writer)
    progress(
        "cases",
        len(admissions),
        len(admissions),
        started,
        f"({builder.messages.count:,} messages, {builder.deliveries.count:,} deliveries, "
        f"{builder.participants.count:,} participants, {builder.events.count:,} events)",
    )


# --- The access log ----------------------------------------------------------------------------

ACCESS_LOG_FIELDS = [
    "id",
    "at",
    "user",
    "user_hsa_id",
    "unit",
    "organization",
    "patient",
    "searched_identity",
    "action",
    "object_type",
    "object_id",
    "detail",
    "client_address",
    # Added by chained(): the flags the generator knows, and the hash chain.
    "not_participant",
    "outside_hours",
    "seq",
    "prev_hash",
    "hash",
]


class AccessLogDay:
    """The rows of one day, collected unordered, then sorted by time."""

    def __init__(self, world: World, day: datetime.date) -> None:
        self.world = world
        self.rng = world.rng
        self.day = day
        self.start = datetime.datetime.combine(day, datetime.time(0), tzinfo=STOCKHOLM)
        self.work_start = datetime.datetime.combine(day, datetime.time(7), tzinfo=STOCKHOLM)
        self.rows: list[tuple] = []

    def at_work(self) -> datetime.datetime:
        """07–17 local mostly; evenings, nights and weekends less often."""
        if self.rng.random() < 0.04:
            moment = self.start + datetime.timedelta(seconds=self.rng.uniform(0, 86400))
        else:
            moment = self.work_start + datetime.timedelta(seconds=self.rng.uniform(0, 36000))
        return min(moment.astimezone(UTC), self.world.end)

    def add(
        self,
        at: datetime.datetime,
        unit: int,
        patient: int | None,
        action: str,
        *,
        user: int | None = None,
        object_type: str = "",
        object_id: str = "",
        detail: str = "",
        searched: str = "",
    ) -> None:
        world = self.world
        user = user or world.user_of(unit)
        self.rows.append(
            (
                at,
                user,
                world.user_hsa.get(user, ""),
                unit,
                world.org_of_unit[unit],
                patient,
                searched,
                action,
                object_type,
                object_id,
                detail,
                # The documentation range (RFC 5737): stored text, never an address reached.
                f"192.0.2.{self.rng.randrange(1, 255)}",
            )
        )


def access_log_rows(world: World) -> Iterable[tuple]:
    """The access log of the year, day by day and in time order within each day: one row per
    patient a list showed (Översikt, Mottagna), per case or message opened, per search.

    Yields plain tuples in ACCESS_LOG_FIELDS order (id first), in the order a real log is
    written, so that columns computed row by row from the previous row (such as a hash chain)
    can be added here without touching the rest of the generator. The rates are tuned so that
    scale 1 gives about 5 million rows.
    """
    rng = world.rng
    cases = sorted(world.cases, key=lambda c: c.start)
    inbox_units = [pk for pk, u in world.units.items() if u.has_inbox and world.unit_users[pk]]
    next_case = 0
    active: list[CaseSummary] = []
    pk = 0
    day = world.start.astimezone(STOCKHOLM).date()
    while day <= world.end.astimezone(STOCKHOLM).date():
        log = AccessLogDay(world, day)
        day_end = (log.start + DAY).astimezone(UTC)
        while next_case < len(cases) and cases[next_case].start < day_end:
            active.append(cases[next_case])
            next_case += 1
        active = [c for c in active if c.end >= log.start]
        by_unit: dict[int, list[CaseSummary]] = defaultdict(list)
        for case in active:
            for unit in case.units:
                by_unit[unit].append(case)
                if rng.random() < 0.3:
                    at = log.at_work()
                    if at >= case.start:
                        log.add(
                            at,
                            unit,
                            case.patient,
                            "view",
                            object_type="dischargecase",
                            object_id=str(case.pk),
                        )
                if rng.random() < 0.4:
                    at = log.at_work()
                    sent = [i for i, t in enumerate(case.message_times) if t <= at.timestamp()]
                    if sent:
                        log.add(
                            at,
                            unit,
                            case.patient,
                            "view",
                            object_type="message",
                            object_id=str(case.first_message + rng.choice(sent)),
                        )
        # Lists: most units with cases open Översikt and Mottagna once a day (the other views
        # are of pages after the first, or reach a case from elsewhere); each opening logs the
        # patients on the first page (at most 20).
        for unit, unit_cases in by_unit.items():
            if rng.random() < 0.75:
                at = log.at_work()
                user = world.user_of(unit)
                for list_name in ("Översikt", "Mottagna"):
                    shown = (
                        unit_cases[-20:]
                        if list_name == "Översikt"
                        else rng.sample(unit_cases, min(len(unit_cases), 20))
                    )
                    for case in shown:
                        log.add(
                            at, unit, case.patient, "view", user=user, detail=f"{list_name}, page 1"
                        )
        # Searches by personnummer (Sök patient), most for people samplan knows.
        for _ in range(max(1, len(inbox_units) // 7)):
            patient = rng.choice(world.patients)
            found = rng.random() < 0.7
            log.add(
                log.at_work(),
                rng.choice(inbox_units),
                patient.pk if found else None,
                "search",
                searched=patient.identity,
            )
        log.rows.sort(key=lambda r: r[0])
        for values in log.rows:
            pk += 1
            yield (pk, *values)
        day += DAY


RELATED = {name: f"{name}_id" for name in ("user", "unit", "organization", "patient")}


def chained(rows: Iterable[tuple], head: AccessLogChain) -> Iterator[tuple]:
    """Add the flags the generator knows and the hash chain (seq, prev_hash, hash) to rows
    in ACCESS_LOG_FIELDS order, exactly as samplan.auditlog.chain.append would, and move
    `head` along, so `accesslog_verify` accepts the generated log."""
    names = ACCESS_LOG_FIELDS[1:13]
    hours = default_hours()
    seq, previous = head.seq, head.last_hash
    for pk, *values in rows:
        row = dict(zip(names, values, strict=True))
        seq += 1
        # A search for a person samplan does not know, or outside the usual hours: the flags
        # the review pages filter on. The rest (protected identity, many patients) stay off.
        not_participant = row["action"] == "search" and row["patient"] is None
        outside_hours = not hours.covers(row["at"])
        hashed = {
            **{RELATED.get(name, name): value for name, value in row.items()},
            "seq": seq,
            "not_participant": not_participant,
            "protected_identity": False,
            "outside_hours": outside_hours,
            "many_patients": False,
            "prev_hash": previous,
        }
        previous = row_hash(hashed)
        yield (pk, *values, not_participant, outside_hours, seq, hashed["prev_hash"], previous)
    head.seq, head.last_hash = seq, previous


def build_access_log(world: World, writer: Writer) -> None:
    started = time.perf_counter()
    table = writer.table(AccessLogEntry, ACCESS_LOG_FIELDS)
    expected = world.count(5_000_000)
    head = AccessLogChain(pk=HEAD_PK)
    for values in chained(access_log_rows(world), head):
        table.add(*values)
        if len(table.rows) >= 50_000:
            writer.flush(table)
            if table.count % 500_000 == 0:
                progress("access log", table.count, expected, started)
    writer.flush(table)
    AccessLogChain.objects.update_or_create(
        pk=HEAD_PK, defaults={"seq": head.seq, "last_hash": head.last_hash}
    )
    progress("access log", table.count, expected, started)


# --- SIP -------------------------------------------------------------------------------------


def build_sip_plans(world: World, writer: Writer) -> None:
    """HOOK: SIP plans with versions, summonses and signatures.

    The sip app is not on this branch; when it lands, fill in its tables here (plans for
    about a quarter of the cases with sip_needed, plus stand-alone plans, each with two or
    three versions). Until then this step is skipped.
    """
    if not apps.is_installed("samplan.sip"):
        print("sip: skipped (the samplan.sip app is not installed)")
        return
    print("sip: skipped (samplan.sip is installed, but this generator does not fill it yet)")


# --- Main --------------------------------------------------------------------------------------


WRITTEN_MODELS = [
    User,
    Membership,
    Patient,
    PatientFilter,
    ResidenceEntry,
    DischargeCase,
    CaseParticipant,
    CaseEvent,
    Message,
    Delivery,
    AccessLogEntry,
]


def foreign_key_checks(enabled: bool) -> bool:
    """On PostgreSQL, switch the per-row foreign-key triggers off for the load (they are
    most of COPY's cost); verify_foreign_keys() checks every key afterwards, set-wise.
    Returns whether the switch was made (it needs a superuser)."""
    if connection.vendor != "postgresql":
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET session_replication_role = {'origin' if enabled else 'replica'}")
    except Exception as error:  # not a superuser: load with the checks on
        print(f"foreign-key triggers stay on ({error})")
        return False
    return True


def verify_foreign_keys() -> None:
    """Every foreign key of the written tables points at a row: one anti-join per key."""
    started = time.perf_counter()
    quote = connection.ops.quote_name
    broken = []
    with connection.cursor() as cursor:
        for model in WRITTEN_MODELS:
            for fk in model._meta.concrete_fields:
                if not isinstance(fk, models.ForeignKey):
                    continue
                target = fk.target_field
                cursor.execute(
                    f"SELECT count(*) FROM {quote(model._meta.db_table)} c "
                    f"WHERE c.{quote(fk.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"{quote(target.model._meta.db_table)} p "
                    f"WHERE p.{quote(target.column)} = c.{quote(fk.column)})"
                )
                missing = cursor.fetchone()[0]
                if missing:
                    broken.append(f"{model._meta.db_table}.{fk.column}: {missing}")
    if broken:
        sys.exit("foreign keys pointing nowhere: " + "; ".join(broken))
    print(f"foreign keys verified: {time.perf_counter() - started:.0f} s")


def reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), WRITTEN_MODELS)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Also sets the visibility map, so counts can be index-only scans as they would
            # be on a database that has run for a while.
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=0.05, help="1 = a large region's year")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--end",
        type=datetime.datetime.fromisoformat,
        default=None,
        help="end of the generated year (ISO time, default now)",
    )
    parser.add_argument(
        "--method",
        choices=["copy", "orm"],
        default=None,
        help="how the large tables are written (copy: PostgreSQL only)",
    )
    parser.add_argument("--batch", type=int, default=1000, help="cases per written batch")
    parser.add_argument("--skip-access-log", action="store_true")
    parser.add_argument(
        "--keep-fk-checks",
        action="store_true",
        help="COPY with PostgreSQL's per-row foreign-key checks on (slower; for comparison)",
    )
    options = parser.parse_args()
    method = options.method or ("copy" if connection.vendor == "postgresql" else "orm")
    if method == "copy" and connection.vendor != "postgresql":
        sys.exit("--method copy needs PostgreSQL.")
    end = options.end or datetime.datetime.now(UTC).replace(second=0, microsecond=0)
    if end.tzinfo is None:
        end = end.replace(tzinfo=STOCKHOLM)
    end = end.astimezone(UTC)
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; scale {options.scale}, "
        f"seed {options.seed}, end {end:%Y-%m-%d %H:%M} UTC, method {method}"
    )
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if Organization.objects.exists() or User.objects.exists():
        sys.exit("The database is not empty: give an empty (or new) database.")
    world = World(
        scale=options.scale, rng=random.Random(options.seed), start=end - 365 * DAY, end=end
    )
    writer = Writer(method, end)
    unchecked = method == "copy" and not options.keep_fk_checks and foreign_key_checks(False)
    build_structure(world)
    build_users(world, writer)
    build_patients(world, writer)
    build_cases(world, writer, options.batch)
    if not options.skip_access_log:
        build_access_log(world, writer)
    build_sip_plans(world, writer)
    if unchecked:
        foreign_key_checks(True)
        verify_foreign_keys()
    reset_sequences()
    step = time.perf_counter()
    analyze()
    print(f"analyze: {time.perf_counter() - step:.0f} s")
    writer.report()
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
