"""The demo's addressing register (domain.md §4), laid out so the routing simulator shows
every step of the router with the demo's patients:

1. patient filters: home care, home health care, LSS and social services have registered some
   people, a few registrations ended;
2. residence lists: people living in Katrineholm's and Flen's nursing homes and an LSS group
   home, one of whom moved from one home to another;
3. listing: most people are listed at a care centre (samplan/demo/patients.py);
4. area rules: each municipality's intake unit, a needs-assessment team for SIP summonses, and
   in Katrineholm a postal-code range (the countryside) that goes to another team;
5. fallback: every region and municipality has its central inbox. Flen's area rule covers
   only the postal codes of its towns, so a message about someone in the countryside there
   lands in Flen's central inbox: the kind of gap the fallback exists for.

Dates are relative to the day the demo is loaded, so "current" and "ended" stay true.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samplan.addressing.models import AreaRule, FallbackInbox, PatientFilter, ResidenceEntry
from samplan.addressing.router import ReasonCode, Recipient, route
from samplan.core.message_types import MessageType
from samplan.demo.patients import FLEN, KATRINEHOLM, identity_numbers
from samplan.patients.models import Patient

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from samplan.demo.builder import Demo

# Organisation key → unit code of its central inbox for unaddressed messages.
FALLBACK_INBOXES = {"region": "RSBREVLADA", "katrineholm": "KKBREVLADA", "flen": "FLBREVLADA"}
# Who set up each organisation's part of the register (created_by on its rows).
REGISTER_KEEPERS = {
    "region": "ulrika.blom",
    "katrineholm": "annika.persson",
    "flen": "cecilia.hall",
    "omsorgshuset": "sofia.ek",
    "vallalakarhus": "jan.ahlberg",
}
# Katrineholm's nursing-home residence lists are kept by its housing coordinator, the LSS
# group homes' by the system administrator (domain.md §4).
RESIDENCE_KEEPERS = {"katrineholm": "jonas.lund", "flen": "cecilia.hall"}
LSS_RESIDENCE_KEEPER = "thomas.nilsson"

AREA_RULES_FROM = datetime.date(2024, 1, 1)


@dataclass(frozen=True)
class AreaRuleSpec:
    municipality: str
    unit: str
    message_type: str = ""  # every type
    postal_from: str = ""
    postal_to: str = ""


AREA_RULES: tuple[AreaRuleSpec, ...] = (
    # Katrineholm: the intake unit takes every message type, SIP summonses go to needs
    # assessment, and the countryside's postal codes to team Syd whatever the type.
    AreaRuleSpec(KATRINEHOLM, "VOFMOTT"),
    AreaRuleSpec(KATRINEHOLM, "VOFBISTN", message_type=MessageType.SIP_SUMMONS),
    AreaRuleSpec(KATRINEHOLM, "VOFBISTS", postal_from="64191", postal_to="64199"),
    # Flen: the intake unit for the towns' postal codes (Flen, Hälleforsnäs, Malmköping,
    # Sparreholm); SIP summonses to the needs-assessment unit for the whole municipality.
    AreaRuleSpec(FLEN, "FLMOTT", postal_from="64230", postal_to="64269"),
    AreaRuleSpec(FLEN, "FLBIST", message_type=MessageType.SIP_SUMMONS),
)


@dataclass(frozen=True)
class RegisterRow:
    person: str  # key in samplan/demo/patients.py (PATIENTS or REGISTER_ONLY)
    unit: str
    since_days: int  # started this many days before the demo was loaded
    until_days: int | None = None  # ended this many days ago; None: still going on


R = RegisterRow

PATIENT_FILTERS: tuple[RegisterRow, ...] = (
    # Home care and home health care (hemtjänst, hemsjukvård).
    R("karl_erik", "VOFHTNORR", 540),
    R("karl_erik", "VOFHSVN", 210),
    R("solveig", "VOFHTNORR", 365),
    R("solveig", "VOFHSVN", 60),
    R("elsa", "VOFHSVS", 250),
    R("rolf", "OHHTKH", 350),  # the private provider's home care
    R("rolf", "VOFHSVS", 120),
    R("ingrid", "OHHTFORS", 450),
    R("bengt", "VOFHTLAND", 300),
    R("lena", "VOFHTLAND", 100),
    R("piotr", "VOFHTSODER", 45),
    R("maj_britt", "VOFHTSODER", 400, until_days=30),  # declined further help
    R("margareta", "VOFHTSODER", 900, until_days=91),  # until she moved to Lövåsgården
    R("rune", "VOFHTNORR", 600, until_days=151),  # until he moved to Furuliden
    R("new_home_care_client", "VOFHTSODER", 10),
    # Social services (IFO) and disability services (LSS).
    R("arne", "SOCVUX", 200),
    R("kerstin", "SOCSOPS", 700),
    R("patrik", "VOFFSDV", 1900),
    R("emma", "VOFFSPA", 1000),
    R("elias", "VOFFSPA", 800),
    R("alva", "SOCBOU", 180),
    R("leo", "SOCBOU", 700, until_days=200),
    # Flen.
    R("gosta", "FLHT", 500),
    R("gosta", "FLHSV", 100),
    R("inga", "FLHT", 200, until_days=20),
    R("ulla", "FLHT", 900, until_days=301),
    R("mehmet", "FLIFO", 250),
    R("maja", "FLIFO", 90),
    R("new_flen_client", "FLHSV", 5),
)

RESIDENCE_ENTRIES: tuple[RegisterRow, ...] = (
    R("margareta", "VOFLOVAS", 90),
    R("stig", "VOFLOVAS", 400),
    R("anna_lisa", "VOFLOVAS", 1500),
    R("gunnel", "VOFSTRAND", 800),
    # Moved out of Strandgården into Furuliden: the simulator shows Strandgården for a date
    # before the move and Furuliden after it.
    R("sven", "VOFSTRAND", 700, until_days=61),
    R("sven", "VOFFURU", 60),
    R("astrid", "VOFFURU", 1200),
    R("rune", "VOFFURU", 150),
    R("patrik", "VOFFSGB", 2000),  # LSS group home
    R("ulla", "FLSOLB", 300),
)


# --- build step -------------------------------------------------------------------------------


def build_addressing(demo: Demo) -> None:
    today = timezone.localdate()
    numbers = identity_numbers(today)
    keepers = {key: demo.users[username] for key, username in REGISTER_KEEPERS.items()}
    org_key = {org.pk: key for key, org in demo.organizations.items()}

    for key, code in FALLBACK_INBOXES.items():
        FallbackInbox.objects.create(
            organization=demo.organizations[key], unit=demo.units[code], updated_by=keepers[key]
        )

    rules = []
    for spec in AREA_RULES:
        unit = demo.units[spec.unit]
        rule = AreaRule(
            municipality_code=spec.municipality,
            postal_code_from=spec.postal_from,
            postal_code_to=spec.postal_to,
            message_type=spec.message_type,
            unit=unit,
            valid_from=AREA_RULES_FROM,
            created_by=keepers[org_key[unit.organization_id]],
        )
        rule.full_clean()
        rules.append(rule)
    AreaRule.objects.bulk_create(rules)

    def period(row: RegisterRow) -> tuple[datetime.date, datetime.date | None]:
        start = today - datetime.timedelta(days=row.since_days)
        end = None if row.until_days is None else today - datetime.timedelta(days=row.until_days)
        return start, end

    filters = []
    for row in PATIENT_FILTERS:
        unit = demo.units[row.unit]
        start, end = period(row)
        filters.append(
            PatientFilter(
                unit=unit,
                identity_number=numbers[row.person],
                valid_from=start,
                valid_to=end,
                created_by=keepers[org_key[unit.organization_id]],
            )
        )
    PatientFilter.objects.bulk_create(filters)

    entries = []
    for row in RESIDENCE_ENTRIES:
        unit = demo.units[row.unit]
        start, end = period(row)
        keeper = (
            LSS_RESIDENCE_KEEPER
            if row.unit == "VOFFSGB"
            else RESIDENCE_KEEPERS[org_key[unit.organization_id]]
        )
        entries.append(
            ResidenceEntry(
                unit=unit,
                identity_number=numbers[row.person],
                moved_in=start,
                moved_out=end,
                created_by=demo.users[keeper],
            )
        )
    ResidenceEntry.objects.bulk_create(entries)


# --- "Try the addressing", printed after the demo logins ---------------------------------------

SIMULATOR_USER = "annika.persson"


@dataclass(frozen=True)
class RoutingExample:
    person: str
    what: Promise  # what the simulator shows, in a few words
    message_type: str = MessageType.ADMISSION_NOTICE


ROUTING_EXAMPLES: tuple[RoutingExample, ...] = (
    RoutingExample(
        "karl_erik", gettext_lazy("patient filters: registered with home care and home health care")
    ),
    RoutingExample(
        "margareta",
        gettext_lazy("lives at a nursing home (residence list); her home care ended at the move"),
    ),
    RoutingExample(
        "lars_goran",
        gettext_lazy("lives in the countryside: the area rule for postal codes 641 91–641 99"),
    ),
    RoutingExample(
        "evert",
        gettext_lazy("outside the postal codes of Flen's area rule: the fallback inbox"),
    ),
    RoutingExample(
        "lena",
        gettext_lazy("protected identity: the postal code is not used, nor shown"),
    ),
)


@dataclass(frozen=True)
class TriedExample:
    identity: str
    name: str
    what: str
    recipients: list[Recipient]


# People with identities of other kinds, named below the examples.
SPECIAL_IDENTITIES: tuple[tuple[str, Promise], ...] = (
    ("piotr", gettext_lazy("coordination number")),
    ("unknown", gettext_lazy("reserve number")),
    ("marianne", gettext_lazy("confidentiality marking")),
)


@dataclass(frozen=True)
class PeopleToTry:
    examples: list[TriedExample]
    special: list[tuple[str, str, str]]  # (kind of identity, identity number, name)


def people_to_try() -> PeopleToTry:
    """The example people with what the router proposes today (no sender, as the simulator
    does by default), and the people with identities of other kinds."""
    numbers = identity_numbers()
    keys = [example.person for example in ROUTING_EXAMPLES] + [k for k, _ in SPECIAL_IDENTITIES]
    patients = Patient.objects.in_bulk([numbers[key] for key in keys], field_name="identity_number")

    def patient(key: str) -> Patient:
        return patients[numbers[key]]

    def name(person: Patient) -> str:
        return f"{person.first_name} {person.last_name}"

    def number(person: Patient) -> str:
        # format_identity would write a 12-digit reservnummer with a hyphen, as a personnummer.
        return person.identity_number if person.is_reserve else person.identity_display

    examples = [
        TriedExample(
            identity=number(patient(example.person)),
            name=name(patient(example.person)),
            what=str(example.what),
            recipients=route(
                patient=patient(example.person),
                message_type=example.message_type,
                sender_unit=None,
            ),
        )
        for example in ROUTING_EXAMPLES
    ]
    special = [
        (str(label), number(patient(key)), name(patient(key))) for key, label in SPECIAL_IDENTITIES
    ]
    return PeopleToTry(examples=examples, special=special)


def format_people_to_try(people: PeopleToTry) -> str:
    """A short Swedish list for the terminal, below the demo logins."""
    out = [
        "",
        _("Try the addressing"),
        _(
            "Log in as %(username)s, choose Addressing register → Routing simulator and enter "
            "a personnummer (message type %(type)s):"
        )
        % {
            "username": SIMULATOR_USER,
            "type": MessageType(MessageType.ADMISSION_NOTICE).label,
        },
    ]
    for example in people.examples:
        out.append(f"  {example.identity}  {example.name} – {example.what}")
        proposals = ", ".join(
            f"{recipient.unit.name} ({ReasonCode(recipient.reason.code).label})"
            for recipient in example.recipients
        )
        out.append(f"      → {proposals}")
    others = "; ".join(f"{kind} {number} ({name})" for kind, number, name in people.special)
    out.append(_("Also in the demo: %(identities)s.") % {"identities": others})
    return "\n".join(out) + "\n"
