"""Builds the demo from the plain data in samplan/demo/data.py.

The build is a list of steps, each adding to the `Demo` built so far. Later parts of the demo
(cases, plans) add their own step to BUILD_STEPS and find the units, users and patients they
need in `demo.units[code]`, `demo.users[username]` and `demo.patients[key]` (the keys of
samplan/demo/patients.py). Patients, the addressing register and the discharge cases
(`demo.cases[patient key]`) have modules of their own.
"""

from __future__ import annotations

import datetime
import importlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.models import Membership, User
from samplan.demo.access_orders import build_access_orders
from samplan.demo.addressing import build_addressing
from samplan.demo.cases import build_cases
from samplan.demo.data import (
    DEMO_PASSWORD,
    ORGANISATIONS,
    SUPERUSER_USERNAME,
    USERS,
    OrganisationSpec,
    UnitSpec,
)
from samplan.demo.deviations import build_deviations
from samplan.demo.discharge import build_discharge_configuration, seed_known_daily_amounts
from samplan.demo.patients import build_patients
from samplan.demo.providers import DEMO_PROVIDER_ORG_NUMBERS, build_providers
from samplan.demo.report_history import build_report_history
from samplan.discharge.models import DischargeCase
from samplan.organizations.models import Organization, Profession, Unit
from samplan.organizations.validators import normalize_org_number
from samplan.patients.models import Patient
from samplan.sip.demo import demo_sip_seed

# Memberships began a while ago, as they would have in a running installation.
MEMBERSHIPS_STARTED_DAYS_AGO = 365


@dataclass
class Demo:
    organizations: dict[str, Organization] = field(default_factory=dict)  # by spec key
    units: dict[str, Unit] = field(default_factory=dict)  # by unit code
    users: dict[str, User] = field(default_factory=dict)  # by username
    patients: dict[str, Patient] = field(default_factory=dict)  # by key in demo/patients.py
    cases: dict[str, DischargeCase] = field(default_factory=dict)  # by patient key


def build_demo() -> Demo:
    """Creates the whole demo in one transaction (the database should hold no demo data)."""
    demo = Demo()
    with transaction.atomic():
        for step in BUILD_STEPS:
            step(demo)
    return demo


def demo_is_loaded() -> bool:
    return Organization.objects.filter(org_number__in=_demo_org_numbers()).exists()


def database_holds_only_demo_data() -> bool:
    """True when wiping the database loses nothing but an earlier demo."""
    return not Organization.objects.exclude(org_number__in=_demo_org_numbers()).exists()


def reset_database() -> None:
    """Empties every table, then puts back the catalogue data that migrations load.

    A flush rather than deleting demo rows one model at a time: it also clears what later
    parts of the product add (messages, cases, access-log rows, which the ORM refuses to
    delete), without this module having to know about them.
    """
    # Inside a transaction (tests), PostgreSQL refuses TRUNCATE while deferred foreign-key
    # checks are pending; checking them now clears the queue.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    seed_professions(Demo())
    seed_known_daily_amounts(Demo())


def _demo_org_numbers() -> list[str]:
    return [
        *(normalize_org_number(spec.org_number) for spec in ORGANISATIONS),
        *DEMO_PROVIDER_ORG_NUMBERS,  # registered through the services: samplan/demo/providers.py
    ]


# --- build steps -----------------------------------------------------------------------------


def seed_professions(demo: Demo) -> None:
    """The profession catalogue of migration 0002 (gone after a flush)."""
    catalogue = importlib.import_module(
        "samplan.organizations.migrations.0002_profession_catalogue"
    )
    for code, name, licensed in catalogue.PROFESSIONS:
        Profession.objects.update_or_create(
            code=code, defaults={"name": name, "is_licensed": licensed}
        )


def build_organisations(demo: Demo) -> None:
    for spec in ORGANISATIONS:
        organization = Organization(
            name=spec.name,
            kind=spec.kind,
            # Normalised first: the field's max_length is checked before clean() drops the hyphen.
            org_number=normalize_org_number(spec.org_number),
            area_code=spec.area_code,
            contracted_by=demo.organizations[spec.contracted_by] if spec.contracted_by else None,
        )
        organization.full_clean()  # the same rules as the administration UI
        organization.save()
        demo.organizations[spec.key] = organization
        for unit_spec in spec.units:
            _build_unit(demo, spec, organization, unit_spec, parent=None)


def _build_unit(
    demo: Demo,
    org_spec: OrganisationSpec,
    organization: Organization,
    spec: UnitSpec,
    parent: Unit | None,
) -> None:
    if spec.code in demo.units:
        raise ValueError(f"Demo unit code {spec.code} is used twice.")
    unit = Unit(
        organization=organization,
        parent=parent,
        name=spec.name,
        kind=spec.kind,
        hsa_id=f"SE{organization.org_number}-{spec.code}",
        has_inbox=spec.inbox,
        phone=spec.phone,
        email=f"{spec.email}@{org_spec.email_domain}",
        visiting_address=spec.address,
        opening_hours=spec.hours,
    )
    unit.full_clean()
    unit.save()
    demo.units[spec.code] = unit
    for child in spec.children:
        _build_unit(demo, org_spec, organization, child, parent=unit)


def build_users(demo: Demo) -> None:
    validate_password(DEMO_PASSWORD)
    # Hashed once and shared: hashing per user would make the demo take seconds longer.
    password_hash = make_password(DEMO_PASSWORD)
    professions = {p.code: p for p in Profession.objects.all()}
    started = timezone.localdate() - datetime.timedelta(days=MEMBERSHIPS_STARTED_DAYS_AGO)
    per_organisation: Counter[int] = Counter()
    memberships = []
    for number, spec in enumerate(USERS, start=1):
        units = [demo.units[code] for code, _role in spec.memberships]
        organization = units[0].organization
        if any(u.organization_id != organization.pk for u in units):
            raise ValueError(f"Demo user {spec.username} has units in two organisations.")
        per_organisation[organization.pk] += 1
        user = User.objects.create(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@{units[0].email.split('@')[1]}",
            mobile=f"070-555 {number // 100:02d} {number % 100:02d}",
            organization=organization,
            profession=professions[spec.profession] if spec.profession else None,
            hsa_id=f"SE{organization.org_number}-P{per_organisation[organization.pk]:04d}",
            password=password_hash,
        )
        demo.users[spec.username] = user
        memberships += [
            Membership(user=user, unit=demo.units[code], role=role, valid_from=started)
            for code, role in spec.memberships
        ]
    Membership.objects.bulk_create(memberships)
    demo.users[SUPERUSER_USERNAME] = User.objects.create(
        username=SUPERUSER_USERNAME,
        first_name="Demo",
        last_name="Administratör",
        email=f"{SUPERUSER_USERNAME}@samplan.example",
        is_superuser=True,
        is_staff=True,
        password=password_hash,
    )


def build_sip_plans(demo: Demo) -> None:
    """SIPs in every state, one for a child and one started from a discharge case."""
    demo_sip_seed(demo)


BUILD_STEPS: list[Callable[[Demo], None]] = [
    seed_professions,
    build_organisations,
    build_users,
    build_discharge_configuration,  # samplan/demo/discharge.py
    build_patients,  # samplan/demo/patients.py
    build_addressing,  # samplan/demo/addressing.py
    build_report_history,  # samplan/demo/report_history.py: closed before the current cases
    build_cases,  # samplan/demo/cases.py
    build_sip_plans,  # samplan/sip/demo.py
    build_access_orders,  # samplan/demo/access_orders.py
    build_deviations,  # samplan/demo/deviations.py
    build_providers,  # samplan/demo/providers.py
]


# --- the table of demo logins ------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    profession: str
    organization: str
    memberships: tuple[tuple[str, str], ...]  # (role, unit), in Swedish when printed in Swedish


def demo_logins() -> list[DemoLogin]:
    """Every demo login with its roles and units, in the order of data.USERS, admin first."""
    order = {spec.username: i for i, spec in enumerate(USERS)}
    users = (
        User.objects.filter(username__in=[SUPERUSER_USERNAME, *order])
        .select_related("organization", "profession")
        .prefetch_related(
            Prefetch("memberships", Membership.objects.select_related("unit").order_by("pk"))
        )
    )
    logins = [
        DemoLogin(
            username=user.username,
            name=user.get_full_name(),
            profession=user.profession.name if user.profession else "",
            organization=user.organization.name if user.organization else "",
            memberships=tuple((m.get_role_display(), m.unit.name) for m in user.memberships.all()),
        )
        for user in users
    ]
    return sorted(logins, key=lambda login: order.get(login.username, -1))


def format_demo_logins(logins: list[DemoLogin]) -> str:
    """A plain-text table, grouped by organisation, for the terminal that runs `make demo`."""
    headings = (_("Username"), _("Name"), _("Profession"), _("Role"), _("Unit"))
    groups: dict[str, list[tuple[str, ...]]] = {}
    for login in logins:
        organization = login.organization or _("The installation's operator")
        pairs = login.memberships or ((_("Administers everything"), "–"),)
        for index, (role, unit) in enumerate(pairs):
            person = (
                (login.username, login.name, login.profession or "–") if index == 0 else ("",) * 3
            )
            groups.setdefault(organization, []).append((*person, role, unit))
    rows = [row for group in groups.values() for row in group]
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=False)]

    def line(cells: tuple[str, ...]) -> str:
        return "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [
        _("Demo logins. The password for every login is: %(password)s")
        % {"password": DEMO_PASSWORD},
    ]
    for organization, group in groups.items():
        out += ["", organization, line(headings), line(tuple("-" * w for w in widths))]
        out += [line(row) for row in group]
    return "\n".join(out) + "\n"
