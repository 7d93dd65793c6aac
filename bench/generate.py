"""Fill a database with a realistic region's year of samplan data, at a chosen scale.

Scale 1 is one large region over one year: 30 municipalities and their unit trees, 8
hospitals, about 10,000 users, 46,000 patients with valid personnummer, the addressing
register (patient filters, residence lists, area rules, fallback inboxes), about 60,000
discharge cases through every state with their messages (about 600,000), deliveries (about
1.5 million, acknowledged at realistic times, some late, forwarded, returned or still open),
case events, about 5 million access-log rows, and about 10,000 coordinated individual plans
(SIP: for a quarter of the cases that need one, and stand-alone) in every state, with consent,
summons, answers, reminders, versions, interventions, signatures and their history.
Everything scales linearly with --scale (the unit tree too, with small minimums), so the
volume per unit stays that of a real region and a page's figures at a small scale are
comparable.

    # SQLite, a small scale (bench/output/bench.sqlite3, replaced):
    .venv/bin/python bench/generate.py --scale 0.05
    # PostgreSQL (an empty database; it is migrated first):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE samplan_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench \\
        .venv/bin/python bench/generate.py --scale 1

Every user's password is benchenv.BENCH_PASSWORD. The data ends at --end (default: now), so
the newest cases are open and the newest deliveries unacknowledged, as on a working day. The
same --seed, --scale and --end (and the same steps: --skip-access-log changes the SIP rows)
give the same rows.

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
from samplan.core.localtime import STOCKHOLM
from samplan.core.message_types import MessageType
from samplan.discharge.models import (
    CaseEvent,
    CaseEventKind,
    CaseMessage,
    CaseParticipant,
    DailyAmount,
    DischargeCase,
    ParticipantRole,
)
from samplan.discharge.process import OPEN_STATES, TRANSITIONS, CaseState
from samplan.messaging.counts import received_counts_rebuild
from samplan.messaging.models import AlertSettings, Delivery, DeliveryState, Message
from samplan.organizations.models import (
    Agreement,
    Organization,
    OrganizationKind,
    Profession,
    Unit,
    UnitKind,
)
from samplan.organizations.terms import DEFAULT_TERMS, AgreementTerms, CareType, first_cutoff_after
from samplan.patients.identity import IdentityKind
from samplan.patients.models import Consent, ConsentGiver, ConsentScope, Patient, Protection
from samplan.sip.models import (
    Answer,
    CloseReason,
    EventKind,
    InterventionStatus,
    MeetingMode,
    MessageKind,
    PlanState,
    SignatureMethod,
    SipContact,
    SipEvent,
    SipIntervention,
    SipMessage,
    SipParticipant,
    SipPlan,
    SipSignature,
    SipVersion,
    VersionReason,
)
from samplan.sip.models import ParticipantRole as SipRole

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
            # Five-digit postal codes: 600-990 for the first 40 municipalities (scale 1 has
            # 30), then 100-590, so scale 3's 90 municipalities fit too.
            postal_prefix=600 + m * 10 if m < 40 else 100 + (m - 40) * 10,
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
    """As samplan.organizations.agreements.terms_between, from memory: the agreement of the region
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
    # The API's change feed pages on (unit, changed_at, id): the time of the delivery's
    # last change, as the app keeps it (and as messaging's migration 0006 backfilled it).
    "changed_at",
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
            CaseParticipant,
            ["id", "case", "unit", "role", "joined_at", "left_at", "case_open", "case_admitted_at"],
        )
        self.events = writer.table(
            CaseEvent, ["id", "case", "at", "kind", "user", "unit", "detail"]
        )
        self.messages = writer.table(Message, MESSAGE_FIELDS)
        # A case's messages are linked by the case (messaging knows nothing of cases).
        self.case_messages = writer.table(CaseMessage, ["message", "case"])
        self.deliveries = writer.table(Delivery, DELIVERY_FIELDS)
        self.ids = world.ids
        self.busy_until: list[datetime.datetime] = []
        self.summons_deliveries: list[tuple] = []  # the current case's SIP summons
        # Readmissions (pick_patient): the latest discharges as (discharged at, patient index),
        # and a generator of their own for the choice.
        self.recent_discharges: list[tuple[datetime.datetime, int]] = []
        self.readmit_rng = random.Random(world.rng.getrandbits(64))

    def next_id(self, name: str) -> int:
        self.ids[name] += 1
        return self.ids[name]

    def flush(self, writer: Writer) -> None:
        writer.flush(
            self.cases,
            self.participants,
            self.events,
            self.messages,
            self.case_messages,
            self.deliveries,
        )

    # Times ----------------------------------------------------------------------------------

    def working_time(self, after: datetime.datetime, within_hours: float) -> datetime.datetime:
        return working_time(self.rng, after, within_hours)

    # One case -------------------------------------------------------------------------------

    def pick_patient(self, admitted: datetime.datetime) -> PatientInfo:
        """A patient not in hospital at `admitted` (one open case per patient). Some
        admissions bring back a person discharged in the last 30 days: with the people a
        uniform pick brings back by chance (about 8 % of discharges), about 15 % of the
        discharges are followed by a new case within 30 days, as for the older patients
        discharge planning is mostly about (Socialstyrelsen's indicator for people 65+)."""
        patients = self.world.patients
        if self.recent_discharges and self.readmit_rng.random() < READMISSION_SHARE:
            for _ in range(10):
                at, index = self.readmit_rng.choice(self.recent_discharges)
                if admitted - READMISSION_WINDOW < at < admitted and self.busy_until[index] == at:
                    return patients[index]
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
                    state in OPEN_STATES,
                    admitted,
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
                message.refers_to.pk if message.refers_to else None,
                message.cancelled_at,
                f"bench-{message.pk}",
            )
            self.case_messages.add(message.pk, case_id)
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
        if withdrawn_at is None and state not in OPEN_STATES:
            self.recent_discharges.append((self.busy_until[patient.pk - 1], patient.pk - 1))
            if len(self.recent_discharges) > RECENT_DISCHARGES:
                del self.recent_discharges[: RECENT_DISCHARGES // 2]
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
            handled_at
            or ack_at
            or (message.cancelled_at if state == DeliveryState.CANCELLED else None)
            or read_at
            or arrived,
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


READMISSION_SHARE = 0.11  # admissions that bring back someone discharged in the last 30 days
READMISSION_WINDOW = 30 * DAY
RECENT_DISCHARGES = 16_000  # enough for more than 30 days of discharges at scale 1


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


# --- SIP ---------------------------------------------------------------------------------------

# Of the cases marked sip_needed that can carry a plan (a summons was sent, or the case is open
# with a care centre to start one), the share that gets a plan: about a quarter of them all.
SIP_CASE_SHARE = 0.3
# Plans not tied to a case, started by primary care, psychiatry or a municipality.
SIP_STANDALONE_AT_SCALE_1 = 6000
SIP_MAX_VERSIONS = 3

SIP_PURPOSES = {
    "case": [
        "Samordna vård och omsorg inför hemgång från sjukhuset.",
        "Planera insatser från vårdcentral, hemsjukvård och hemtjänst efter utskrivningen.",
        "Personen behöver stöd från flera huvudmän när hen skrivs ut.",
    ],
    "primary": [
        "Insatser från vårdcentralen, hemsjukvården och hemtjänsten behöver samordnas.",
        "Upprepade fall i hemmet; stödet behöver planeras tillsammans.",
        "Många kontakter med vården och kommunen; personen vill ha en gemensam plan.",
    ],
    "psychiatry": [
        "Samordna psykiatrisk öppenvård, boendestöd och sysselsättning.",
        "Personen har insatser från psykiatrin och socialtjänsten som behöver samordnas.",
        "Planera stödet efter en längre tids psykisk ohälsa.",
    ],
    "municipality": [
        "Behov av samordnade insatser från kommunen och regionen.",
        "Ökat omsorgsbehov; hemsjukvård, hemtjänst och vårdcentral behöver planera tillsammans.",
        "Personen och anhöriga har bett om ett gemensamt planeringsmöte.",
    ],
}
SIP_PERSON_GOALS = [
    "Bo kvar hemma.",
    "Klara morgnarna själv.",
    "Kunna gå ut på promenad varje dag.",
    "Ha kontakt med familj och vänner.",
    "Känna sig trygg på nätterna.",
    "Orka mer i vardagen.",
    "Komma tillbaka till daglig verksamhet.",
    "Slippa åka in akut.",
]
SIP_GOALS = [
    "Bo kvar hemma med stöd och känna sig trygg.",
    "Klara vardagen hemma och träffa vänner varje vecka.",
    "Gå ut på en promenad varje dag och undvika fall.",
    "Ha en fast kontakt i vården och veta vem som gör vad.",
    "Ta sina läkemedel rätt och slippa åka in akut.",
    "Ha en meningsfull sysselsättning och en ordnad ekonomi.",
]
SIP_QUESTIONS = [
    "Vilka insatser behövs, och vem gör vad?",
    "Hur ska läkemedelshanteringen fungera hemma?",
    "Vem blir samordningsansvarig?",
    "Behövs hjälpmedel i hemmet?",
    "Hur når personen vården på kvällar och helger?",
]
SIP_INVITED = ["Dottern", "Sonen", "Make/maka", "God man", "Kontaktperson från föreningen"]
SIP_OTHERS_DO = [
    "Dottern handlar varje vecka.",
    "En besöksvän från föreningen kommer på onsdagar.",
    "Grannen hjälper till med posten.",
    "Sonen följer med på läkarbesök.",
]
SIP_PARTICIPATION = [
    "Personen deltog i mötet och instämmer i planen.",
    "Personen deltog via telefon och vill i första hand bo kvar hemma.",
    "Personen deltog och vill ha besök på förmiddagarna.",
    "Personen deltog delvis och har godkänt planen i efterhand.",
]
SIP_RELATIVES = [
    "Dottern deltog och vill bli informerad vid förändringar.",
    "Anhöriga deltog via video.",
    "Make/maka deltog och sköter inköpen.",
    "Inga anhöriga deltog.",
]
SIP_FOLLOW_UP_HOW = [
    "Nytt SIP-möte på vårdcentralen.",
    "Uppföljning per telefon med alla enheter.",
    "Videomöte med alla enheter och personen.",
    "Hembesök med samordningsansvarig.",
]
SIP_DECLINE_REASONS = [
    "Personen har inga insatser från vår enhet.",
    "Behovet hanteras inom befintliga insatser.",
    "Fel enhet; kontakta hemtjänstgruppen i personens område.",
    "Vi kan inte delta på föreslagen tid; vi lämnar underlag skriftligt.",
]
SIP_CLOSE_TEXTS = {
    CloseReason.GOALS_REACHED: ["Målen är nådda; insatserna fortsätter utan SIP.", ""],
    CloseReason.NOT_NEEDED: ["Samordningen sköts inom ordinarie kontakter.", ""],
    CloseReason.PERSON_DECLINED: ["Personen vill inte ha någon plan.", ""],
    CloseReason.CONSENT_WITHDRAWN: [""],
    CloseReason.MOVED: ["Personen har flyttat till en annan region.", ""],
    CloseReason.DIED: [""],
    CloseReason.OTHER: [
        "Kallade enheter har inte svarat; ny plan vid behov.",
        "Planen ersätts av en plan från en annan enhet.",
        "Planen blev inte klar; ny plan vid behov.",
    ],
}
# What each kind of unit takes on in a plan: (intervention, profession code or None).
SIP_INTERVENTIONS = {
    UnitKind.PRIMARY_CARE_CENTRE: [
        ("Läkemedelsgenomgång", "physician"),
        ("Kontroll av blodtryck och vikt varje månad", "nurse"),
        ("Hembesök av distriktssköterska", "nurse"),
        ("Fast vårdkontakt per telefon", "nurse"),
    ],
    UnitKind.OUTPATIENT_PSYCHIATRY: [
        ("Samtalskontakt varannan vecka", "psychologist"),
        ("Läkarbesök för uppföljning av läkemedel", "physician"),
        ("Stöd i att hantera oro och sömn", "nurse"),
    ],
    UnitKind.HOME_CARE: [
        ("Hemtjänst morgon och kväll", None),
        ("Hjälp med inköp och städning", None),
        ("Trygghetslarm och tillsyn på natten", None),
    ],
    UnitKind.HOME_HEALTH_CARE: [
        ("Såromläggning två gånger i veckan", "nurse"),
        ("Utprovning av hjälpmedel i hemmet", "occupational_therapist"),
        ("Rehabilitering i hemmet", "physiotherapist"),
        ("Dosett fylls varje vecka", "nurse"),
    ],
    UnitKind.NURSING_HOME: [("Korttidsplats under återhämtningen", None)],
    UnitKind.NEEDS_ASSESSMENT: [
        ("Utredning av behovet av hemtjänst", "needs_assessor"),
        ("Ansökan om särskilt boende handläggs", "needs_assessor"),
    ],
    UnitKind.DISABILITY_SERVICES: [
        ("Boendestöd tre dagar i veckan", None),
        ("Daglig verksamhet på förmiddagarna", None),
    ],
    UnitKind.SOCIAL_SERVICES: [
        ("Stödsamtal hos socialsekreterare", "social_worker"),
        ("Hjälp att söka bostad", "housing_coordinator"),
    ],
    UnitKind.MUNICIPAL_INTAKE: [("Planering av insatser vid hemgång", "planner")],
    UnitKind.HOSPITAL_WARD_SOMATIC: [("Information om läkemedel och egenvård", "nurse")],
    UnitKind.HOSPITAL_WARD_PSYCHIATRIC: [("Information om läkemedel och egenvård", "nurse")],
}
SIP_OTHER_INTERVENTIONS = [("Samordning av kontakterna", None)]
# Swedish labels as samplan shows them (the product's language; fixed here so the rows do
# not depend on whether the translations are compiled).
SIP_STATUS_LABELS = {
    InterventionStatus.PLANNED: "Planerad",
    InterventionStatus.ONGOING: "Pågår",
    InterventionStatus.DONE: "Genomförd",
    InterventionStatus.CANCELLED: "Avbruten",
}
SIP_MODE_LABELS = {
    MeetingMode.IN_PERSON: "fysiskt möte",
    MeetingMode.VIDEO: "videomöte",
    MeetingMode.PHONE: "telefonmöte",
}
SIP_GIVER_LABELS = {
    ConsentGiver.PERSON: "Den enskilde",
    ConsentGiver.LEGAL_REPRESENTATIVE: "Legal ställföreträdare",
}
# The order of the plan's fields in a save's changes (samplan.sip.content.FIELD_LABELS).
SIP_FIELD_ORDER = [
    "goals",
    "intervention",
    "others_do",
    "responsible_principal",
    "coordinator",
    "contact",
    "participation",
    "relatives_views",
    "follow_up_date",
    "follow_up_how",
]
NEVER = datetime.datetime.max.replace(tzinfo=UTC)


@dataclass
class PlanSeed:
    """A plan to generate: who starts it when, for whom, and whom it summons."""

    created_at: datetime.datetime
    patient: int
    initiator: int
    user: int
    kind: str  # a key of SIP_PURPOSES
    summoned: list[int]
    case: SipCase | None = None


@dataclass
class SipUnit:
    """A summoned unit of the plan being generated, with its answer."""

    pk: int  # the SipParticipant's id
    unit: int
    added_at: datetime.datetime
    delivery: int | None = None
    due_at: datetime.datetime | None = None
    answer: str = Answer.NOT_SENT
    answered_at: datetime.datetime = NEVER  # NEVER: not (yet) answered
    answered_by: int | None = None
    attendees: str = ""
    decline_reason: str = ""
    reminded_at: datetime.datetime | None = None
    reminder_count: int = 0


@dataclass
class PlanVersion:
    """A version of the plan being generated; `text` holds SipVersion's text fields."""

    pk: int
    number: int
    reason: str
    based_on: int | None
    created_at: datetime.datetime
    created_by: int
    text: dict
    interventions: list[dict] = field(default_factory=list)
    contacts: list[tuple[int, str, str]] = field(default_factory=list)  # unit, name, phone
    revision: int = 1
    updated_at: datetime.datetime | None = None
    updated_by: int | None = None
    locked_at: datetime.datetime | None = None
    locked_by: int | None = None
    follow_up_reminded_at: datetime.datetime | None = None


class SipBuilder:
    """Generates one plan's life (samplan.sip.process), then rows for every SIP table.

    A plan is started, gets consent, sends its summons (a case's plan takes the case's SIP
    summons), the units answer by the cut-off (reminded once a day while late), the parties
    write the first version in a few saves and sign it, the coordinator finalises it, and at
    the follow-up date a new version is made or the plan is closed. Whatever would happen
    after --end (or after the person dies, moves or withdraws consent) does not.
    """

    def __init__(self, world: World, writer: Writer) -> None:
        self.world = world
        self.rng = world.rng
        self.consents = writer.table(
            Consent,
            [
                "id",
                "patient",
                "given_by",
                "given_by_name",
                "given_by_relation",
                "given_at",
                "scope",
                "scope_text",
                "exclusions",
                "recorded_at",
                "recorded_by",
                "recorded_by_unit",
                "withdrawn_at",
                "withdrawn_by",
                "withdrawn_by_unit",
                "withdrawn_reason",
            ],
        )
        self.messages = writer.table(Message, MESSAGE_FIELDS)
        self.deliveries = writer.table(Delivery, DELIVERY_FIELDS)
        self.plans = writer.table(
            SipPlan,
            [
                "id",
                "patient",
                "initiator_unit",
                "initiated_by",
                "created_at",
                "case",
                "state",
                "purpose",
                "person_goals",
                "questions",
                "proposed_coordinator",
                "meeting_at",
                "meeting_mode",
                "meeting_place",
                "meeting_link",
                "invited_others",
                "revision",
                "consent",
                "current_version",
                "next_follow_up",
                "closed_at",
                "closed_by",
                "close_reason",
                "close_text",
                "creation_key",
            ],
        )
        self.versions = writer.table(
            SipVersion,
            [
                "id",
                "plan",
                "number",
                "reason",
                "based_on",
                "created_at",
                "created_by",
                "revision",
                "updated_at",
                "updated_by",
                "goals",
                "others_do",
                "responsible_principal",
                "coordinator",
                "coordinator_unit",
                "participation",
                "relatives_views",
                "follow_up_date",
                "follow_up_how",
                "locked_at",
                "locked_by",
                "follow_up_reminded_at",
            ],
        )
        self.participants = writer.table(
            SipParticipant,
            [
                "id",
                "plan",
                "unit",
                "role",
                "answer",
                "added_at",
                "delivery",
                "due_at",
                "answered_at",
                "answered_by",
                "attendees",
                "decline_reason",
                "reminded_at",
                "reminder_count",
            ],
        )
        self.interventions = writer.table(
            SipIntervention,
            [
                "id",
                "version",
                "position",
                "what",
                "unit",
                "principal",
                "profession",
                "starts_on",
                "ends_on",
                "status",
            ],
        )
        self.contacts = writer.table(SipContact, ["id", "version", "unit", "name", "phone"])
        self.signatures = writer.table(
            SipSignature, ["id", "version", "revision", "unit", "user", "signed_at", "method"]
        )
        self.links = writer.table(SipMessage, ["id", "plan", "message", "kind"])
        self.events = writer.table(
            SipEvent, ["id", "plan", "version", "at", "kind", "user", "unit", "revision", "detail"]
        )
        professions = Profession.objects.values_list("pk", "code", "name")
        self.professions = {code: pk for pk, code, _name in professions}
        self.profession_names = {pk: name for pk, _code, name in professions}
        self.principals = {org.pk: org for org in world.principal.values()}
        self.states: dict[str, int] = defaultdict(int)

    def next_id(self, name: str) -> int:
        self.world.ids[name] += 1
        return self.world.ids[name]

    def flush(self, writer: Writer) -> None:
        # One transaction: a plan points at its current version and the version at its plan,
        # so the deferred foreign-key checks (SQLite, and PostgreSQL with the triggers on)
        # pass at commit, when both rows are there.
        with transaction.atomic():
            writer.flush(
                self.consents,
                self.messages,
                self.deliveries,
                self.plans,
                self.versions,
                self.participants,
                self.interventions,
                self.contacts,
                self.signatures,
                self.links,
                self.events,
            )

    # Small helpers ----------------------------------------------------------------------------

    def working(self, after: datetime.datetime, hours: float) -> datetime.datetime:
        return working_time(self.rng, after, hours)

    def user_of(self, unit: int) -> int:
        return self.world.user_of(unit)

    def unit_name(self, unit: int) -> str:
        return self.world.units[unit].name

    def principal_of(self, unit: int) -> Organization:
        return self.world.principal[self.world.org_of_unit[unit]]

    def person_name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def phone(self) -> str:
        rng = self.rng
        return f"010-{rng.randrange(100, 1000)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}"

    def intervention_line(self, item: dict) -> str:
        """As samplan.sip.content.intervention_line, for a save's changes."""
        period = ""
        if item["starts_on"] or item["ends_on"]:
            start = item["starts_on"].isoformat() if item["starts_on"] else ""
            stop = item["ends_on"].isoformat() if item["ends_on"] else ""
            period = f"{start}–{stop}"
        profession = item["profession"]
        parts = [
            item["what"],
            self.unit_name(item["unit"]),
            self.profession_names[profession] if profession else "",
            period,
            SIP_STATUS_LABELS[item["status"]],
        ]
        return " · ".join(part for part in parts if part)

    def snapshot(self, version: PlanVersion) -> dict[tuple[str, str], str]:
        """Every field of a version as samplan.sip.content.snapshot gives it."""
        text = version.text
        entries = {("goals", ""): text["goals"]}
        for number, item in enumerate(version.interventions, start=1):
            entries[("intervention", str(number))] = self.intervention_line(item)
        entries[("others_do", "")] = text["others_do"]
        principal = text["responsible_principal"]
        entries[("responsible_principal", "")] = (
            self.principals[principal].name if principal else ""
        )
        coordinator = text["coordinator"]
        entries[("coordinator", "")] = (
            f"{self.world.user_names[coordinator]}, {self.unit_name(text['coordinator_unit'])}"
            if coordinator
            else ""
        )
        for unit, name, phone in version.contacts:
            entries[("contact", self.unit_name(unit))] = ", ".join(p for p in (name, phone) if p)
        entries[("participation", "")] = text["participation"]
        entries[("relatives_views", "")] = text["relatives_views"]
        date = text["follow_up_date"]
        entries[("follow_up_date", "")] = date.isoformat() if date else ""
        entries[("follow_up_how", "")] = text["follow_up_how"]
        return entries

    def changes(self, before: dict, after: dict) -> list[dict[str, str]]:
        """Only what differs, in the order samplan.sip.content.compare gives."""
        keys = sorted(
            set(before) | set(after),
            key=lambda k: (SIP_FIELD_ORDER.index(k[0]), int(k[1]) if k[1].isdigit() else 0, k[1]),
        )
        return [
            {"field": f, "arg": a, "old": before.get((f, a), ""), "new": after.get((f, a), "")}
            for f, a in keys
            if before.get((f, a), "") != after.get((f, a), "")
        ]

    def send(
        self,
        message_type: str,
        sender: int,
        user: int,
        patient: int,
        at: datetime.datetime,
        text: str,
        content: dict,
        idempotency_key: str,
        refers_to: int | None = None,
    ) -> int:
        pk = self.next_id("message")
        self.messages.add(
            pk,
            uuid.UUID(int=self.rng.getrandbits(128), version=4),
            message_type,
            patient,
            sender,
            user,
            at,
            text,
            content,
            refers_to,
            None,
            idempotency_key,
        )
        return pk

    def deliver(
        self,
        message: int,
        sender: int,
        unit: int,
        code: str,
        reason: str,
        at: datetime.datetime,
        acknowledged: datetime.datetime,
        by: int | None,
    ) -> tuple[int, datetime.datetime]:
        """One delivery, acknowledged at `acknowledged` (read first) if that is before the end,
        else new or opened. Returns its id and its cut-off."""
        rng, end = self.rng, self.world.end
        pk = self.next_id("delivery")
        due = first_cutoff_after(at, terms_between(self.world, sender, unit))
        state, read_at, read_by, ack_at, ack_by = DeliveryState.NEW, None, None, None, None
        if acknowledged <= end:
            state, ack_at, ack_by = DeliveryState.ACKNOWLEDGED, acknowledged, by
            read_at = max(at, acknowledged - datetime.timedelta(minutes=rng.randrange(0, 30)))
            read_by = by
        elif rng.random() < 0.4:
            state, read_at = DeliveryState.READ, at + (end - at) * rng.random()
            read_by = self.user_of(unit)
        self.deliveries.add(
            pk,
            message,
            unit,
            code,
            reason,
            state,
            at,
            due,
            read_at,
            read_by,
            ack_at,
            ack_by,
            None,
            None,
            None,
            "",
            ack_at or read_at or at,
        )
        return pk, due

    # Seeds --------------------------------------------------------------------------------------

    def seeds(self) -> list[PlanSeed]:
        """The plans of the year, oldest first: from cases, and stand-alone."""
        world, rng, end = self.world, self.rng, self.world.end
        seeds = []
        for case in world.sip_cases:
            summons = case.summons
            if summons is None and not (case.is_open and case.care_centre):
                continue  # no summons and none can come: no plan to show
            if rng.random() >= SIP_CASE_SHARE:
                continue
            if summons is not None:
                lower = max(case.opened_at, summons.at - 2 * DAY)
                created = lower + (summons.at - lower) * rng.uniform(0.2, 0.9)
                initiator, user = summons.sender, summons.user
                summoned = [d[1] for d in summons.deliveries if d[9] is None]
            else:
                created = case.opened_at + (end - case.opened_at) * rng.uniform(0.3, 0.95)
                initiator = case.care_centre
                user = world.user_of(initiator)
                summoned = [
                    u
                    for u in case.units
                    if u != initiator
                    and world.units[u].kind
                    in (UnitKind.HOME_CARE, UnitKind.HOME_HEALTH_CARE, UnitKind.MUNICIPAL_INTAKE)
                ]
            seeds.append(PlanSeed(created, case.patient, initiator, user, "case", summoned, case))
        psychiatry = [
            u.pk for u in world.units.values() if u.kind == UnitKind.OUTPATIENT_PSYCHIATRY
        ]
        days = (world.end - world.start).days
        for _ in range(world.count(SIP_STANDALONE_AT_SCALE_1, 4)):
            patient = rng.choice(world.patients)
            muni = world.municipalities[patient.municipality]
            care_centre = patient.listed or rng.choice(muni.care_centres or world.care_centres).pk
            home_care = next(
                (u for u in patient.filter_units if world.units[u].kind == UnitKind.HOME_CARE),
                rng.choice(muni.home_care).pk,
            )
            home_health = next(
                (
                    u
                    for u in patient.filter_units
                    if world.units[u].kind == UnitKind.HOME_HEALTH_CARE
                ),
                rng.choice(muni.home_health).pk,
            )
            assessment, disability, social = (u.pk for u in muni.other_units)
            roll = rng.random()
            if roll < 0.4:
                kind, initiator = "primary", care_centre
                wanted = [home_care, home_health, assessment, rng.choice(psychiatry)]
                weights = [0.7, 0.6, 0.4, 0.15]
            elif roll < 0.65:
                kind, initiator = "psychiatry", rng.choice(psychiatry)
                wanted = [social, care_centre, disability, home_care]
                weights = [0.7, 0.6, 0.5, 0.3]
            else:
                kind = "municipality"
                initiator = rng.choices(
                    [assessment, social, disability, home_health], [5, 2, 2, 2]
                )[0]
                wanted = [care_centre, rng.choice(psychiatry), home_health, home_care]
                weights = [0.85, 0.3, 0.4, 0.4]
            summoned = []
            for unit, weight in zip(wanted, weights, strict=True):
                if unit != initiator and unit not in summoned and rng.random() < weight:
                    summoned.append(unit)
            if not summoned:
                summoned.append(next(u for u in wanted if u != initiator))
            day = world.start.astimezone(STOCKHOLM).date() + datetime.timedelta(
                days=rng.randrange(days)
            )
            if day.weekday() >= 5:
                day -= datetime.timedelta(days=day.weekday() - 4)  # on the Friday
            created = datetime.datetime.combine(
                day, datetime.time(8), tzinfo=STOCKHOLM
            ) + datetime.timedelta(minutes=rng.randrange(0, 540))
            created = created.astimezone(UTC)
            if created >= end - HOUR:
                continue
            seeds.append(
                PlanSeed(created, patient.pk, initiator, world.user_of(initiator), kind, summoned)
            )
        seeds.sort(key=lambda s: s.created_at)
        return seeds

    # One plan -----------------------------------------------------------------------------------

    def build(self, seed: PlanSeed) -> None:
        rng, end = self.rng, self.world.end
        plan = self.next_id("sip_plan")
        created, initiator, starter = seed.created_at, seed.initiator, seed.user
        case = seed.case
        summons = case.summons if case else None
        self.plan_events: list[tuple] = []
        self.plan_id = plan
        self.last = created
        self.stalled = False

        # Whatever ends the plan early: the person dies, moves or withdraws consent.
        stop = end
        interrupt = None
        if rng.random() < 0.1:
            interrupt = rng.choices(
                [
                    CloseReason.DIED,
                    CloseReason.MOVED,
                    CloseReason.CONSENT_WITHDRAWN,
                    CloseReason.PERSON_DECLINED,
                    CloseReason.NOT_NEEDED,
                ],
                [3, 2, 2, 2, 1],
            )[0]
            stop = min(end, created + DAY * rng.uniform(5, 300))

        # The initiative.
        mode = rng.choices(list(MeetingMode), [55, 35, 10])[0]
        if summons is not None:
            meeting_at, mode = summons.meeting_at, MeetingMode.VIDEO
        else:
            meeting_day = (created + DAY * rng.randrange(4, 21)).astimezone(STOCKHOLM).date()
            if meeting_day.weekday() >= 5:
                meeting_day += datetime.timedelta(days=7 - meeting_day.weekday())
            meeting_at = (
                datetime.datetime.combine(meeting_day, datetime.time(9), tzinfo=STOCKHOLM)
                + datetime.timedelta(minutes=30 * rng.randrange(0, 13))
            ).astimezone(UTC)
        initiative = {
            "purpose": rng.choice(SIP_PURPOSES[seed.kind]),
            "person_goals": rng.choice(SIP_PERSON_GOALS),
            "questions": rng.choice(SIP_QUESTIONS) if rng.random() < 0.7 else "",
            "proposed_coordinator": f"{self.person_name()}, {self.unit_name(initiator)}"
            if rng.random() < 0.6
            else "",
            "meeting_at": meeting_at if rng.random() < 0.9 or summons else None,
            "meeting_mode": mode,
            "meeting_place": self.unit_name(initiator)
            if mode == MeetingMode.IN_PERSON and rng.random() < 0.7
            else "Hemma hos personen"
            if mode == MeetingMode.IN_PERSON
            else "",
            "meeting_link": f"https://video.bench.example/sip/{plan}"
            if mode == MeetingMode.VIDEO
            else self.phone()
            if mode == MeetingMode.PHONE
            else "",
            "invited_others": rng.choice(SIP_INVITED) if rng.random() < 0.3 else "",
        }
        revision = 1
        first = PlanVersion(
            pk=self.next_id("sip_version"),
            number=1,
            reason=VersionReason.INITIAL,
            based_on=None,
            created_at=created,
            created_by=starter,
            text={
                "goals": initiative["person_goals"],
                "others_do": "",
                "responsible_principal": None,
                "coordinator": None,
                "coordinator_unit": None,
                "participation": "",
                "relatives_views": "",
                "follow_up_date": None,
                "follow_up_how": "",
            },
        )
        versions = [first]
        self.event(created, EventKind.CREATED, starter, initiator, first.pk, 1)
        initiator_participant = self.next_id("sip_participant")
        units = [SipUnit(self.next_id("sip_participant"), unit, created) for unit in seed.summoned]
        if units:
            self.event(
                created,
                EventKind.UNITS_CHOSEN,
                starter,
                initiator,
                units=[self.unit_name(u.unit) for u in units],
            )

        # Consent: mostly at the start; a case's summons was sent under one.
        if summons is not None:
            recorded = created + (summons.at - created) * rng.uniform(0.05, 0.5)
        else:
            roll = rng.random()
            recorded = (
                created + datetime.timedelta(minutes=rng.uniform(2, 20))
                if roll < 0.85
                else self.working(created, rng.uniform(24, 240))
                if roll < 0.95
                else NEVER
            )
        consent = None
        withdrawn_at = NEVER
        giver = ConsentGiver.PERSON if rng.random() < 0.9 else ConsentGiver.LEGAL_REPRESENTATIVE
        if recorded <= stop:
            consent = self.next_id("consent")
            self.event(
                recorded,
                EventKind.CONSENT_RECORDED,
                starter,
                initiator,
                given_by=SIP_GIVER_LABELS[giver],
            )
            if interrupt == CloseReason.CONSENT_WITHDRAWN and stop < end:
                withdrawn_at = min(stop, max(recorded + HOUR, stop - HOUR * rng.uniform(1, 48)))
        elif interrupt == CloseReason.CONSENT_WITHDRAWN:
            interrupt = CloseReason.PERSON_DECLINED

        # Summons.
        if summons is not None:
            sent_at = summons.at
        elif case is None and consent is not None:
            # Mostly within three days; now and then weeks later (the meeting is hard to set).
            delay = rng.uniform(1, 72) if rng.random() < 0.85 else rng.uniform(72, 24 * 28)
            sent_at = self.working(max(created, recorded), delay)
        else:
            sent_at = NEVER  # a case's plan waits for the case's summons
        if withdrawn_at < sent_at:
            sent_at = NEVER  # nothing is sent once the consent is withdrawn
        if sent_at <= stop and rng.random() < 0.1:
            at = created + (sent_at - created) * rng.uniform(0.1, 0.9)
            revision = 2
            self.event(
                at,
                EventKind.INITIATIVE_CHANGED,
                starter,
                initiator,
                fields=[rng.choice(["meeting_at", "questions", "invited_others"])],
            )
        state = PlanState.INITIATIVE
        summons_message = None
        if sent_at <= stop:
            state = PlanState.PLANNING
            summons_message = self.summon(seed, plan, units, initiative, sent_at, stop)
            self.event(
                sent_at,
                EventKind.SUMMONS_SENT,
                starter,
                initiator,
                units=[self.unit_name(u.unit) for u in units],
                message=summons_message,
            )
            for u in units:
                if u.answered_at > stop:
                    u.answer, u.answered_at, u.answered_by = Answer.PENDING, NEVER, None
                    u.attendees = u.decline_reason = ""
                    continue
                late = u.answered_at > u.due_at
                if u.answer == Answer.ACCEPTED:
                    self.event(
                        u.answered_at,
                        EventKind.ACCEPTED,
                        u.answered_by,
                        u.unit,
                        attendees=u.attendees,
                        late=late,
                    )
                else:
                    self.event(
                        u.answered_at,
                        EventKind.DECLINED,
                        u.answered_by,
                        u.unit,
                        reason=u.decline_reason,
                        late=late,
                    )

        # Writing, signing, finalising, following up.
        closed = None  # (at, user, unit, reason, text)
        parties = [initiator] + [u.unit for u in units if u.answer == Answer.ACCEPTED]
        unanswered = any(u.answer == Answer.PENDING for u in units)
        if state == PlanState.PLANNING and len(parties) > 1:
            answers = [u.answered_at for u in units if u.answered_at != NEVER]
            start = max([meeting_at or sent_at + 2 * DAY, sent_at + HOUR, *answers])
            coordinator_unit = initiator if rng.random() < 0.6 else rng.choice(parties[1:])
            target = self.first_text(first, parties, coordinator_unit, start)
            version = first
            while True:
                finalised = self.write(version, target, parties, start, stop, unanswered)
                if not finalised:
                    break
                state = PlanState.FINALISED
                # A change before the follow-up now and then; else the follow-up date.
                follow_up = version.text["follow_up_date"]
                locked_at = version.locked_at
                days_left = (follow_up - locked_at.date()).days
                may_grow = version.number < SIP_MAX_VERSIONS
                reason = VersionReason.FOLLOW_UP
                if may_grow and rng.random() < 0.08 and days_left > 10:
                    reason = VersionReason.CHANGE
                    at = self.working(locked_at + 3 * DAY, 24 * (days_left - 5))
                else:
                    reminder = (
                        datetime.datetime.combine(follow_up, datetime.time(0), tzinfo=STOCKHOLM)
                        + datetime.timedelta(minutes=rng.uniform(1, 59))
                    ).astimezone(UTC)
                    if reminder > stop:
                        break
                    if reminder < withdrawn_at:
                        self.follow_up_reminder(seed, version, reminder, stop)
                    at = self.working(reminder, rng.uniform(24, 21 * 24))
                    decision = rng.random()
                    if not may_grow or decision >= 0.6:
                        # Closed after the follow-up, or left finalised (follow-up overdue).
                        if decision < 0.9 and at <= stop:
                            why = rng.choices(
                                [CloseReason.GOALS_REACHED, CloseReason.NOT_NEEDED], [7, 3]
                            )[0]
                            closed = (
                                at,
                                version.text["coordinator"],
                                version.text["coordinator_unit"],
                                why,
                                rng.choice(SIP_CLOSE_TEXTS[why]),
                            )
                        break
                if at > stop:
                    break
                version = self.new_version(plan, version, reason, parties, at)
                versions.append(version)
                state = PlanState.PLANNING
                target = self.next_text(version, parties, at)
                start = at
        # Plans that do not get far: everyone declined, or units never answered.
        if closed is None and state == PlanState.PLANNING:
            answered = [u for u in units if u.answer != Answer.PENDING]
            if len(parties) == 1 and len(answered) == len(units):
                at = self.working(max(self.last, *(u.answered_at for u in units)), 24 * 10)
                if at <= stop:
                    closed = (at, starter, initiator, CloseReason.NOT_NEEDED, "")
            elif unanswered:
                at = self.working(max(self.last, sent_at + DAY * rng.uniform(14, 45)), 8)
                if at <= stop:
                    text = SIP_CLOSE_TEXTS[CloseReason.OTHER][0]
                    closed = (at, starter, initiator, CloseReason.OTHER, text)
            elif self.stalled and rng.random() < 0.6:
                at = self.working(self.last + DAY * rng.uniform(30, 120), 8)
                if at <= stop:
                    text = SIP_CLOSE_TEXTS[CloseReason.OTHER][2]
                    closed = (at, starter, initiator, CloseReason.OTHER, text)
        elif closed is None and state == PlanState.INITIATIVE and consent is None:
            at = self.working(created + DAY * rng.uniform(20, 60), 8)
            if at <= stop and rng.random() < 0.7:
                reason = CloseReason.PERSON_DECLINED
                closed = (at, starter, initiator, reason, rng.choice(SIP_CLOSE_TEXTS[reason]))
        if closed is None and interrupt is not None and stop < end:
            closed = (
                max(stop, self.last + datetime.timedelta(minutes=5)),
                starter,
                initiator,
                interrupt,
                rng.choice(SIP_CLOSE_TEXTS[interrupt]),
            )
        if closed is not None and closed[0] > end:
            closed = None
        if closed is not None:
            at, user, unit, reason, text = closed
            state = PlanState.CLOSED
            self.event(at, EventKind.CLOSED, user, unit, reason=reason, text=text)
        if summons_message is not None:
            closed_at = closed[0] if closed else NEVER
            self.reminders(seed, plan, units, summons_message, min(closed_at, withdrawn_at))

        # Rows.
        if consent is not None:
            representative = giver == ConsentGiver.LEGAL_REPRESENTATIVE
            self.consents.add(
                consent,
                seed.patient,
                giver,
                self.person_name() if representative else "",
                rng.choice(["god man", "förvaltare"]) if representative else "",
                recorded - DAY * rng.uniform(0, 3),
                ConsentScope.SIP,
                "Samordnad individuell plan med de kallade enheterna.",
                "",
                recorded,
                starter,
                initiator,
                withdrawn_at if withdrawn_at <= end else None,
                starter if withdrawn_at <= end else None,
                initiator if withdrawn_at <= end else None,
                "Personen har återkallat sitt samtycke." if withdrawn_at <= end else "",
            )
        current = versions[-1]
        self.plans.add(
            plan,
            seed.patient,
            initiator,
            starter,
            created,
            case.pk if case else None,
            state,
            *initiative.values(),
            revision,
            consent if summons_message is not None else None,
            current.pk,
            current.text["follow_up_date"] if state == PlanState.FINALISED else None,
            closed[0] if closed else None,
            closed[1] if closed else None,
            closed[3] if closed else "",
            closed[4] if closed else "",
            f"{rng.getrandbits(128):032x}",
        )
        self.states[state] += 1
        for version in versions:
            text = version.text
            self.versions.add(
                version.pk,
                plan,
                version.number,
                version.reason,
                version.based_on,
                version.created_at,
                version.created_by,
                version.revision,
                version.updated_at or version.created_at,
                version.updated_by or version.created_by,
                *text.values(),
                version.locked_at,
                version.locked_by,
                version.follow_up_reminded_at,
            )
            for position, item in enumerate(version.interventions, start=1):
                self.interventions.add(
                    self.next_id("sip_intervention"), version.pk, position, *item.values()
                )
            for unit, name, phone in version.contacts:
                self.contacts.add(self.next_id("sip_contact"), version.pk, unit, name, phone)
        self.participants.add(
            initiator_participant,
            plan,
            initiator,
            SipRole.INITIATOR,
            Answer.ACCEPTED,
            created,
            None,
            None,
            created,
            starter,
            "",
            "",
            None,
            0,
        )
        for u in units:
            self.participants.add(
                u.pk,
                plan,
                u.unit,
                SipRole.SUMMONED,
                u.answer,
                u.added_at,
                u.delivery,
                u.due_at,
                None if u.answered_at == NEVER else u.answered_at,
                u.answered_by,
                u.attendees,
                u.decline_reason,
                u.reminded_at,
                u.reminder_count,
            )
        self.plan_events.sort(key=lambda e: e[0])
        for at, kind, user, unit, version, revision, detail in self.plan_events:
            self.events.add(
                self.next_id("sip_event"), plan, version, at, kind, user, unit, revision, detail
            )

    def event(
        self,
        at: datetime.datetime,
        kind: str,
        user: int | None,
        unit: int | None,
        version: int | None = None,
        revision: int | None = None,
        **detail: object,
    ) -> None:
        self.plan_events.append((at, kind, user, unit, version, revision, detail))
        self.last = max(self.last, at)

    def summon(
        self,
        seed: PlanSeed,
        plan: int,
        units: list[SipUnit],
        initiative: dict,
        at: datetime.datetime,
        stop: datetime.datetime,
    ) -> int:
        """The summons and each unit's answer. A case's plan takes the case's SIP summons and
        reads the answers from its deliveries (acknowledged: answered; forwarded or returned:
        declined as the wrong unit); a stand-alone plan sends its own."""
        rng = self.rng
        summons = seed.case.summons if seed.case else None
        if summons is not None:
            by_unit = {d[1]: d for d in summons.deliveries if d[9] is None}
            for u in units:
                pk, _unit, state, _arrived, due, ack_at, ack_by, handled_at, handled_by, _f = (
                    by_unit[u.unit]
                )
                u.delivery, u.due_at = pk, due
                if state == DeliveryState.ACKNOWLEDGED:
                    self.answer(u, ack_at, ack_by, rng.random() < 0.88)
                elif state in (DeliveryState.FORWARDED, DeliveryState.RETURNED):
                    self.answer(u, handled_at, handled_by, False)
                    u.decline_reason = "Kallelsen hör till en annan enhet."
            self.links.add(self.next_id("sip_message"), plan, summons.message, MessageKind.SUMMONS)
            return summons.message
        initiator = seed.initiator
        meeting = ""
        if initiative["meeting_at"]:
            local = initiative["meeting_at"].astimezone(STOCKHOLM)
            parts = [f"{local:%Y-%m-%d %H:%M}", SIP_MODE_LABELS[initiative["meeting_mode"]]]
            parts += [p for p in (initiative["meeting_place"], initiative["meeting_link"]) if p]
            meeting = f"Föreslaget möte: {', '.join(parts)}\n"
        text = (
            "Kallelse till samordnad individuell plan (SIP).\n"
            f"Från: {self.unit_name(initiator)}.\n\n"
            f"Syfte: {initiative['purpose']}\n"
            + (f"Frågor till mötet: {initiative['questions']}\n" if initiative["questions"] else "")
            + meeting
            + (
                f"Föreslagen samordningsansvarig: {initiative['proposed_coordinator']}\n"
                if initiative["proposed_coordinator"]
                else ""
            )
            + (
                f"Andra som bjuds in: {initiative['invited_others']}\n"
                if initiative["invited_others"]
                else ""
            )
            + "\nÖppna planen under SIP och acceptera (ange vem som deltar) eller neka (ange "
            "skäl) före brytpunkten kl. 12.00."
        )
        content = {
            "sip_plan": plan,
            **initiative,
            "meeting_at": initiative["meeting_at"].isoformat() if initiative["meeting_at"] else "",
        }
        del content["person_goals"]
        message = self.send(
            M.SIP_SUMMONS,
            initiator,
            seed.user,
            seed.patient,
            at,
            text,
            content,
            f"bench-sip-{plan}",
        )
        reason = f"Kallad till SIP av {self.unit_name(initiator)}"
        for u in units:
            due = first_cutoff_after(at, terms_between(self.world, initiator, u.unit))
            roll = rng.random()
            if roll < 0.02:
                answered = NEVER
            elif roll < 0.11:
                answered = due + HOUR * rng.uniform(0.5, 50)
            else:
                answered = max(
                    at + (due - at) * rng.uniform(0.05, 0.95), at + datetime.timedelta(minutes=2)
                )
            user = self.user_of(u.unit)
            self.answer(u, answered, user, rng.random() < 0.9)
            # An answer acknowledges the summons (sip_answer); a plan closed first leaves it.
            u.delivery, u.due_at = self.deliver(
                message,
                initiator,
                u.unit,
                "sip_summoned",
                reason,
                at,
                answered if answered <= stop else NEVER,
                user,
            )
        self.links.add(self.next_id("sip_message"), plan, message, MessageKind.SUMMONS)
        return message

    def answer(self, u: SipUnit, at: datetime.datetime, user: int, accept: bool) -> None:
        u.answered_at, u.answered_by = at, user
        if accept:
            u.answer = Answer.ACCEPTED
            role = self.rng.choice(["sjuksköterska", "enhetschef", "handläggare", "läkare"])
            u.attendees = f"{self.person_name()}, {role}"
        else:
            u.answer = Answer.DECLINED
            u.decline_reason = self.rng.choice(SIP_DECLINE_REASONS)

    def reminders(
        self,
        seed: PlanSeed,
        plan: int,
        units: list[SipUnit],
        summons: int,
        until: datetime.datetime,
    ) -> None:
        """Once a day to each summoned unit whose answer is late (summons_reminders_send, run
        hourly): the first run after the cut-off, then the first run of each new day."""
        rng, end = self.rng, self.world.end
        # The summons' sender: the initiator (a case's plan is started by the unit that sent
        # the case's summons, as its sender).
        sender, user = seed.initiator, seed.user
        for u in units:
            if u.due_at is None:
                continue
            stop = min(u.answered_at, until, end)
            at = u.due_at + datetime.timedelta(minutes=rng.uniform(1, 60))
            while at < stop:
                day = at.astimezone(STOCKHOLM).date()
                due = f"{u.due_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}"
                message = self.send(
                    M.EXTRA_MESSAGE,
                    sender,
                    user,
                    seed.patient,
                    at,
                    f"Påminnelse: {self.unit_name(u.unit)} har inte svarat på kallelsen till en "
                    "samordnad individuell plan (SIP). Svaret skulle ha kommit senast "
                    f"{due}.\nÖppna planen under SIP och acceptera (ange vem som deltar) eller "
                    "neka (ange skäl).",
                    {},
                    f"sip-reminder-{u.pk}-{day.isoformat()}",
                    refers_to=summons,
                )
                self.deliver(
                    message,
                    sender,
                    u.unit,
                    "sip_reminder",
                    "Har inte svarat på kallelse till SIP",
                    at,
                    u.answered_at,
                    u.answered_by,
                )
                self.links.add(self.next_id("sip_message"), plan, message, MessageKind.REMINDER)
                self.event(
                    at,
                    EventKind.REMINDER_SENT,
                    None,
                    None,
                    units=[self.unit_name(u.unit)],
                    message=message,
                )
                u.reminded_at, u.reminder_count = at, u.reminder_count + 1
                midnight = datetime.datetime.combine(day + DAY, datetime.time(0), tzinfo=STOCKHOLM)
                at = (midnight + datetime.timedelta(minutes=rng.uniform(1, 59))).astimezone(UTC)

    def follow_up_reminder(
        self, seed: PlanSeed, version: PlanVersion, at: datetime.datetime, stop: datetime.datetime
    ) -> None:
        """The coordinator's unit is told on the follow-up date (follow_up_reminders_send)."""
        unit, user = version.text["coordinator_unit"], version.text["coordinator"]
        how = version.text["follow_up_how"]
        message = self.send(
            M.EXTRA_MESSAGE,
            unit,
            user,
            seed.patient,
            at,
            f"Uppföljning: version {version.number} av en samordnad individuell plan (SIP) ska "
            f"följas upp {version.text['follow_up_date']:%Y-%m-%d}.\n"
            + (f"Hur: {how}\n" if how else "")
            + "Öppna planen under SIP och gör en ny version för uppföljningen.",
            {},
            f"sip-follow-up-{version.pk}",
        )
        acknowledged = self.working(at, self.rng.uniform(2, 48))
        self.deliver(
            message,
            unit,
            unit,
            "sip_follow_up",
            "Samordningsansvarigs enhet för en SIP som ska följas upp",
            at,
            acknowledged if acknowledged <= stop else NEVER,
            self.user_of(unit),
        )
        self.links.add(self.next_id("sip_message"), self.plan_id, message, MessageKind.FOLLOW_UP)
        version.follow_up_reminded_at = at
        self.event(
            at,
            EventKind.FOLLOW_UP_REMINDER_SENT,
            None,
            None,
            version.pk,
            units=[self.unit_name(unit)],
            message=message,
        )

    # The plan's text ------------------------------------------------------------------------------

    def new_intervention(self, unit: int, start: datetime.datetime, taken: set[str]) -> dict:
        rng = self.rng
        choices = SIP_INTERVENTIONS.get(self.world.units[unit].kind, SIP_OTHER_INTERVENTIONS)
        fresh = [c for c in choices if c[0] not in taken] or choices
        what, profession = rng.choice(fresh)
        taken.add(what)
        starts_on = (start + DAY * rng.randrange(0, 15)).astimezone(STOCKHOLM).date()
        ends_on = (
            starts_on + datetime.timedelta(days=rng.randrange(30, 181))
            if rng.random() < 0.5
            else None
        )
        return {
            "what": what,
            "unit": unit,
            "principal": self.principal_of(unit).pk,
            "profession": self.professions[profession] if profession else None,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "status": InterventionStatus.ONGOING
            if rng.random() < 0.3
            else InterventionStatus.PLANNED,
        }

    def first_text(
        self,
        version: PlanVersion,
        parties: list[int],
        coordinator_unit: int,
        start: datetime.datetime,
    ) -> list[dict]:
        """What the parties write into the first version, save by save (each a dict of what
        the save sets)."""
        rng = self.rng
        order = parties[:]
        rng.shuffle(order)
        taken: set[str] = set()
        interventions = [
            self.new_intervention(order[i % len(order)], start, taken)
            for i in range(rng.randint(2, 6))
        ]
        goals = rng.choice([g for g in SIP_GOALS if g != version.text["goals"]])
        how = rng.choice(SIP_FOLLOW_UP_HOW)
        follow_up = (start + DAY * rng.randrange(60, 181)).astimezone(STOCKHOLM).date()
        groups = [
            {
                "goals": goals,
                "responsible_principal": self.principal_of(coordinator_unit).pk,
                "coordinator": self.user_of(coordinator_unit),
                "coordinator_unit": coordinator_unit,
                "interventions": interventions,
            },
            {
                "contacts": [(u, self.person_name(), self.phone()) for u in sorted(parties)],
                "participation": rng.choice(SIP_PARTICIPATION),
                "others_do": rng.choice(SIP_OTHERS_DO) if rng.random() < 0.5 else "",
            },
            {
                "follow_up_date": follow_up,
                "follow_up_how": how,
                "relatives_views": rng.choice(SIP_RELATIVES) if rng.random() < 0.6 else "",
            },
            {"follow_up_how": rng.choice([h for h in SIP_FOLLOW_UP_HOW if h != how])},
        ]
        return self.saves(groups)

    def next_text(
        self, version: PlanVersion, parties: list[int], at: datetime.datetime
    ) -> list[dict]:
        """A follow-up or a change: statuses move on, an intervention may be added, a new
        follow-up date."""
        rng = self.rng
        interventions = []
        for item in version.interventions:
            item = dict(item)
            roll = rng.random()
            if item["status"] == InterventionStatus.PLANNED:
                item["status"] = (
                    InterventionStatus.ONGOING
                    if roll < 0.6
                    else InterventionStatus.DONE
                    if roll < 0.8
                    else InterventionStatus.CANCELLED
                    if roll < 0.85
                    else InterventionStatus.PLANNED
                )
            elif item["status"] == InterventionStatus.ONGOING and roll < 0.5:
                item["status"] = InterventionStatus.DONE
            interventions.append(item)
        unchanged = interventions == version.interventions
        if len(interventions) < 6 and (unchanged or rng.random() < 0.4):
            taken = {item["what"] for item in interventions}
            interventions.append(self.new_intervention(rng.choice(parties), at, taken))
        elif unchanged:  # six, none moved on: the first still open one is done
            item = next(
                (i for i in interventions if i["status"] != InterventionStatus.DONE),
                interventions[0],
            )
            item["status"] = (
                InterventionStatus.DONE
                if item["status"] != InterventionStatus.DONE
                else InterventionStatus.ONGOING
            )
        follow_up = (at + DAY * rng.randrange(60, 181)).astimezone(STOCKHOLM).date()
        groups = [
            {"interventions": interventions},
            {"follow_up_date": follow_up, "follow_up_how": rng.choice(SIP_FOLLOW_UP_HOW)},
            {
                "participation": rng.choice(
                    [p for p in SIP_PARTICIPATION if p != version.text["participation"]]
                )
            },
        ]
        if rng.random() < 0.2:
            groups[0]["goals"] = rng.choice(SIP_GOALS)
        return self.saves(groups)

    def saves(self, groups: list[dict]) -> list[dict]:
        """The groups of changes spread over one to as many saves as there are groups."""
        count = self.rng.randint(1, len(groups))
        saves = [dict() for _ in range(count)]
        for index, group in enumerate(groups):
            saves[min(index, count - 1)].update(group)
        return saves

    def new_version(
        self, plan: int, locked: PlanVersion, reason: str, parties: list[int], at: datetime.datetime
    ) -> PlanVersion:
        """The next version, copied from the locked one (samplan.sip.versions._copy_version)."""
        unit = self.rng.choice(parties)
        user = self.user_of(unit)
        version = PlanVersion(
            pk=self.next_id("sip_version"),
            number=locked.number + 1,
            reason=reason,
            based_on=locked.pk,
            created_at=at,
            created_by=user,
            text=dict(locked.text),
            interventions=[dict(item) for item in locked.interventions],
            contacts=list(locked.contacts),
        )
        self.event(
            at,
            EventKind.VERSION_CREATED,
            user,
            unit,
            version.pk,
            version.revision,
            number=version.number,
            reason=reason,
        )
        self.saver = (unit, user)
        return version

    def write(
        self,
        version: PlanVersion,
        saves: list[dict],
        parties: list[int],
        start: datetime.datetime,
        stop: datetime.datetime,
        unanswered: bool,
    ) -> bool:
        """The parties save the version (each save a SAVED event with its changes), sign it,
        and the coordinator finalises it. Returns whether it was finalised before `stop`."""
        rng = self.rng
        at = start
        signed_at = {}
        for index, values in enumerate(saves):
            if index == 0 and version.reason == VersionReason.CHANGE:
                unit, user = self.saver  # the save that made the change made the version
            else:
                at = self.working(at, rng.uniform(0.5, 4) if index == 0 else rng.uniform(1, 72))
                unit = rng.choice(parties)
                user = self.user_of(unit)
            if at > stop:
                return False
            before = self.snapshot(version)
            for name, value in values.items():
                if name == "interventions":
                    version.interventions = value
                elif name == "contacts":
                    version.contacts = value
                else:
                    version.text[name] = value
            version.revision += 1
            version.updated_at, version.updated_by = at, user
            self.event(
                at,
                EventKind.SAVED,
                user,
                unit,
                version.pk,
                version.revision,
                changes=self.changes(before, self.snapshot(version)),
            )
            # Now and then a party signs a draft that is saved again later: the signature
            # stays in the history but no longer counts.
            if index < len(saves) - 1 and rng.random() < 0.15:
                early = self.working(at, 4)
                signer = rng.choice(parties)
                if early <= stop:
                    self.sign(version, signer, early)
                    signed_at[signer] = None
                    at = early  # the next save comes after it
        last = at
        # Now and then a party never signs (away, or does not agree): the plan stays in
        # planning until someone closes it.
        holdout = rng.choice(parties) if rng.random() < 0.12 else None
        self.stalled = holdout is not None
        for party in parties:
            if party == holdout:
                continue
            moment = self.working(last, rng.uniform(0.5, 96))
            if moment <= stop:
                self.sign(version, party, moment)
                signed_at[party] = moment
        if unanswered or any(signed_at.get(p) is None for p in parties):
            return False
        coordinator = version.text["coordinator"]
        finalised = self.working(max(signed_at.values()), rng.uniform(0.5, 48))
        if finalised > stop:
            return False
        version.locked_at, version.locked_by = finalised, coordinator
        self.event(
            finalised,
            EventKind.FINALISED,
            coordinator,
            version.text["coordinator_unit"],
            version.pk,
            version.revision,
            number=version.number,
        )
        return True

    def sign(self, version: PlanVersion, unit: int, at: datetime.datetime) -> None:
        user = self.user_of(unit)
        method = SignatureMethod.SMART_CARD if self.rng.random() < 0.7 else SignatureMethod.PASSWORD
        self.signatures.add(
            self.next_id("sip_signature"), version.pk, version.revision, unit, user, at, method
        )
        self.event(at, EventKind.SIGNED, user, unit, version.pk, version.revision, method=method)


def build_sip_plans(world: World, writer: Writer) -> None:
    """SIP plans (samplan.sip) for about a quarter of the cases marked sip_needed, and
    stand-alone plans started by primary care, psychiatry and the municipalities (6,000 at
    scale 1), through every state: with consent, summons, answers, reminders, versions,
    interventions, contacts, signatures, follow-up reminders and the history of events."""
    started = time.perf_counter()
    builder = SipBuilder(world, writer)
    seeds = builder.seeds()
    world.sip_cases = []  # no longer needed
    for index, seed in enumerate(seeds, start=1):
        builder.build(seed)
        if index % 500 == 0:
            builder.flush(writer)
            if index % 5000 == 0:
                progress("sip plans", index, len(seeds), started)
    builder.flush(writer)
    states = ", ".join(f"{count:,} {state}" for state, count in sorted(builder.states.items()))
    progress(
        "sip plans",
        len(seeds),
        len(seeds),
        started,
        f"({states}; {builder.versions.count:,} versions, "
        f"{builder.interventions.count:,} interventions, {builder.events.count:,} events, "
        f"{builder.messages.count:,} messages)",
    )


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
    Consent,
    SipPlan,
    SipVersion,
    SipParticipant,
    SipIntervention,
    SipContact,
    SipSignature,
    SipMessage,
    SipEvent,
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
        "--only-deviations",
        action="store_true",
        help="add only the deviations to a database generated before (bench/deviation_data.py)",
    )
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
    if options.only_deviations:
        from deviation_data import build_deviations

        build_deviations(seed=options.seed)
        analyze()
        print(f"done in {time.perf_counter() - started:.0f} s")
        return
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
    from deviation_data import build_deviations  # their own sequences give their ids

    build_deviations(seed=options.seed, end=end)
    step = time.perf_counter()
    # Mottagna's maintained counts (the services keep them; COPY bypasses the services).
    units = received_counts_rebuild()
    print(f"delivery counts: {units:,} units, {time.perf_counter() - step:.0f} s")
    step = time.perf_counter()
    analyze()
    print(f"analyze: {time.perf_counter() - step:.0f} s")
    writer.report()
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
