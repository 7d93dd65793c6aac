"""The demo's organisations, unit trees and users, as plain data.

Sörmland is the setting: Region Sörmland with two hospitals, primary care and psychiatry;
Katrineholms kommun with the three administrations of the seeds (VOF, SOC, BIF); the smaller
Flens kommun; a private home-care provider contracted by Katrineholm, and a private care
centre contracted by the region. The people are invented. E-mail domains end in .example so
that nothing can reach a real mailbox, and the phone numbers are made up.

Each unit's `code` is both the suffix of its HSA-id (SE + organisation number + "-" + code)
and the key users' memberships refer to, so codes are unique across the whole demo.
The builder (samplan/demo/builder.py) turns this into database rows; later parts of the demo
(patients, cases, plans) refer to units by these codes and to users by username.
"""

from __future__ import annotations

from dataclasses import dataclass

from samplan.accounts.models import Role
from samplan.organizations.models import OrganizationKind, UnitKind

# Meets the password rules (samplan/accounts/passwords.py); the same for every demo login.
DEMO_PASSWORD = "Samplan2026!"
SUPERUSER_USERNAME = "admin"

# Opening hours used by many units.
ROUND_THE_CLOCK = "Dygnet runt"
OFFICE_HOURS = "Mån–fre 08.00–16.30"
CARE_CENTRE_HOURS = "Mån–fre 08.00–17.00, telefontid 08.00–10.00"
CLINIC_HOURS = "Mån–fre 08.00–16.30, telefontid 08.30–09.30"
HOME_CARE_HOURS = "Dygnet runt; arbetsledning mån–fre 07.00–16.00"
HOME_HEALTH_CARE_HOURS = "Dygnet runt; sjuksköterska i tjänst kvällar och helger"

MALARSJUKHUSET = "Mälarsjukhuset, Rekarnevägen 1, 631 88 Eskilstuna"
KULLBERGSKA = "Kullbergska sjukhuset, Kullbergsgatan 2, 641 85 Katrineholm"
KATRINEHOLM_TOWN_HALL = "Stadshuset, Trädgårdsgatan 5, 641 80 Katrineholm"
FLEN_TOWN_HALL = "Kommunhuset, Drottninggatan 1, 642 81 Flen"


@dataclass(frozen=True)
class UnitSpec:
    code: str  # HSA-id suffix (A–Z, 0–9) and the key memberships refer to
    name: str
    kind: str
    phone: str
    email: str  # the part before "@"; the organisation gives the domain
    address: str
    hours: str
    inbox: bool
    children: tuple[UnitSpec, ...] = ()


def unit(
    code: str,
    name: str,
    kind: str,
    phone: str,
    email: str,
    address: str,
    hours: str = OFFICE_HOURS,
    *children: UnitSpec,
    inbox: bool | None = None,
) -> UnitSpec:
    """A unit; every unit except an administration node has an inbox unless told otherwise."""
    has_inbox = kind != UnitKind.ADMINISTRATION if inbox is None else inbox
    return UnitSpec(code, name, kind, phone, email, address, hours, has_inbox, children)


@dataclass(frozen=True)
class OrganisationSpec:
    key: str
    name: str
    kind: str
    org_number: str
    area_code: str
    email_domain: str
    units: tuple[UnitSpec, ...]
    contracted_by: str | None = None  # key of the contracting organisation


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    profession: str | None  # Profession.code from the catalogue (migration 0002)
    memberships: tuple[tuple[str, str], ...]  # (unit code, role); all in one organisation


A = UnitKind.ADMINISTRATION

REGION_SORMLAND = OrganisationSpec(
    key="region",
    name="Region Sörmland",
    kind=OrganizationKind.REGION,
    org_number="232100-0032",
    area_code="04",
    email_domain="regionsormland.example",
    units=(
        unit(
            "RSKANSLI", "Regionkansliet", A, "0155-24 50 00", "regionkansliet",
            "Regionhuset, Repslagaregatan 19, 611 88 Nyköping", OFFICE_HOURS,
            unit(
                "RSBREVLADA", "Region Sörmland – brevlåda för oadresserade meddelanden",
                UnitKind.OTHER, "0155-24 50 10", "samplan.brevlada",
                "Regionhuset, Repslagaregatan 19, 611 88 Nyköping",
            ),
            unit(
                "RSSYSF", "Systemförvaltning samplan", UnitKind.OTHER, "0155-24 50 20",
                "samplan.forvaltning", "Regionhuset, Repslagaregatan 19, 611 88 Nyköping",
                inbox=False,
            ),
        ),
        unit(
            "MSE", "Mälarsjukhuset", A, "016-10 30 00", "malarsjukhuset", MALARSJUKHUSET,
            ROUND_THE_CLOCK,
            unit(
                "MSEAKUT", "Akutmottagningen Mälarsjukhuset", UnitKind.EMERGENCY_DEPARTMENT,
                "016-10 31 00", "akuten.mse", MALARSJUKHUSET, ROUND_THE_CLOCK,
            ),
            unit(
                "MSEMED", "Medicinkliniken Mälarsjukhuset", A, "016-10 32 00", "medicin.mse",
                MALARSJUKHUSET, OFFICE_HOURS,
                unit(
                    "MSEAVD11", "Avdelning 11 Medicin", UnitKind.HOSPITAL_WARD_SOMATIC,
                    "016-10 32 11", "avd11.mse", MALARSJUKHUSET, ROUND_THE_CLOCK,
                ),
                unit(
                    "MSEAVD12", "Avdelning 12 Hjärtmedicin", UnitKind.HOSPITAL_WARD_SOMATIC,
                    "016-10 32 12", "avd12.mse", MALARSJUKHUSET, ROUND_THE_CLOCK,
                ),
                unit(
                    "MSEAVD14", "Avdelning 14 Geriatrik", UnitKind.HOSPITAL_WARD_SOMATIC,
                    "016-10 32 14", "avd14.mse", MALARSJUKHUSET, ROUND_THE_CLOCK,
                ),
            ),
            unit(
                "MSEAVD21", "Avdelning 21 Ortopedi", UnitKind.HOSPITAL_WARD_SOMATIC,
                "016-10 33 21", "avd21.mse", MALARSJUKHUSET, ROUND_THE_CLOCK,
            ),
            unit(
                "MSEPSY", "Psykiatriska kliniken Mälarsjukhuset", A, "016-10 35 00",
                "psykiatri.mse", MALARSJUKHUSET, OFFICE_HOURS,
                unit(
                    "MSEAVD51", "Avdelning 51 Allmänpsykiatri",
                    UnitKind.HOSPITAL_WARD_PSYCHIATRIC, "016-10 35 51", "avd51.mse",
                    MALARSJUKHUSET, ROUND_THE_CLOCK,
                ),
                unit(
                    "MSEAVD54", "Avdelning 54 Äldrepsykiatri",
                    UnitKind.HOSPITAL_WARD_PSYCHIATRIC, "016-10 35 54", "avd54.mse",
                    MALARSJUKHUSET, ROUND_THE_CLOCK,
                ),
            ),
        ),
        unit(
            "KSK", "Kullbergska sjukhuset", A, "0150-56 20 00", "kullbergska", KULLBERGSKA,
            ROUND_THE_CLOCK,
            unit(
                "KSKAKUT", "Akutmottagningen Kullbergska sjukhuset",
                UnitKind.EMERGENCY_DEPARTMENT, "0150-56 21 00", "akuten.ksk", KULLBERGSKA,
                ROUND_THE_CLOCK,
            ),
            unit(
                "KSKAVD3", "Avdelning 3 Medicin", UnitKind.HOSPITAL_WARD_SOMATIC,
                "0150-56 22 03", "avd3.ksk", KULLBERGSKA, ROUND_THE_CLOCK,
            ),
            unit(
                "KSKAVD5", "Avdelning 5 Kirurgi och ortopedi", UnitKind.HOSPITAL_WARD_SOMATIC,
                "0150-56 22 05", "avd5.ksk", KULLBERGSKA, ROUND_THE_CLOCK,
            ),
            unit(
                "KSKAVD7", "Avdelning 7 Psykiatri", UnitKind.HOSPITAL_WARD_PSYCHIATRIC,
                "0150-56 22 07", "avd7.ksk", KULLBERGSKA, ROUND_THE_CLOCK,
            ),
        ),
        unit(
            "PRIM", "Primärvården Sörmland", A, "0155-24 60 00", "primarvarden",
            "Regionhuset, Repslagaregatan 19, 611 88 Nyköping", OFFICE_HOURS,
            unit(
                "VCKNORR", "Vårdcentralen Katrineholm Norr", UnitKind.PRIMARY_CARE_CENTRE,
                "0150-56 30 00", "vc.katrineholmnorr", "Vasavägen 12, 641 36 Katrineholm",
                CARE_CENTRE_HOURS,
            ),
            unit(
                "VCKSYD", "Vårdcentralen Katrineholm Syd", UnitKind.PRIMARY_CARE_CENTRE,
                "0150-56 31 00", "vc.katrineholmsyd", "Oppundavägen 4, 641 50 Katrineholm",
                CARE_CENTRE_HOURS,
            ),
            unit(
                "VCFLEN", "Vårdcentralen Flen", UnitKind.PRIMARY_CARE_CENTRE, "0157-44 20 00",
                "vc.flen", "Sveavägen 5, 642 37 Flen", CARE_CENTRE_HOURS,
            ),
            unit(
                "VCSKIFT", "Vårdcentralen Skiftinge", UnitKind.PRIMARY_CARE_CENTRE,
                "016-10 50 00", "vc.skiftinge", "Skiftingehus 3, 632 29 Eskilstuna",
                CARE_CENTRE_HOURS,
            ),
            unit(
                "VCNYFORS", "Vårdcentralen Nyfors", UnitKind.PRIMARY_CARE_CENTRE,
                "016-10 51 00", "vc.nyfors", "Nyforsgatan 8, 633 40 Eskilstuna",
                CARE_CENTRE_HOURS,
            ),
        ),
        unit(
            "VUP", "Vuxenpsykiatrin Sörmland", A, "016-10 36 00", "vuxenpsykiatrin",
            MALARSJUKHUSET, OFFICE_HOURS,
            unit(
                "VUPKH", "Psykiatriska öppenvårdsmottagningen Katrineholm",
                UnitKind.OUTPATIENT_PSYCHIATRY, "0150-56 40 00", "psykmott.katrineholm",
                KULLBERGSKA, CLINIC_HOURS,
            ),
            unit(
                "VUPESK", "Psykiatriska öppenvårdsmottagningen Eskilstuna",
                UnitKind.OUTPATIENT_PSYCHIATRY, "016-10 36 10", "psykmott.eskilstuna",
                "Kungsgatan 47, 632 20 Eskilstuna", CLINIC_HOURS,
            ),
        ),
        unit(
            "BUP", "Barn- och ungdomspsykiatrin Sörmland (BUP)", A, "016-10 37 00", "bup",
            MALARSJUKHUSET, OFFICE_HOURS,
            unit(
                "BUPKH", "BUP-mottagningen Katrineholm", UnitKind.OUTPATIENT_PSYCHIATRY,
                "0150-56 41 00", "bup.katrineholm", KULLBERGSKA, CLINIC_HOURS,
            ),
            unit(
                "BUPESK", "BUP-mottagningen Eskilstuna", UnitKind.OUTPATIENT_PSYCHIATRY,
                "016-10 37 10", "bup.eskilstuna", "Drottninggatan 23, 632 20 Eskilstuna",
                CLINIC_HOURS,
            ),
        ),
    ),
)  # fmt: skip

KATRINEHOLM = OrganisationSpec(
    key="katrineholm",
    name="Katrineholms kommun",
    kind=OrganizationKind.MUNICIPALITY,
    org_number="212000-0340",
    area_code="0483",
    email_domain="katrineholm.example",
    units=(
        unit(
            "KKBREVLADA", "Katrineholms kommun – brevlåda för oadresserade meddelanden",
            UnitKind.OTHER, "0150-570 00", "samplan.brevlada", KATRINEHOLM_TOWN_HALL,
        ),
        unit(
            "VOF", "Vård- och omsorgsförvaltningen (VOF)", A, "0150-571 00", "vof",
            KATRINEHOLM_TOWN_HALL, OFFICE_HOURS,
            unit(
                "VOFMOTT", "Mottagningsenheten vård och omsorg", UnitKind.MUNICIPAL_INTAKE,
                "0150-571 10", "vof.mottagning", KATRINEHOLM_TOWN_HALL,
                "Mån–fre 08.00–16.30; utskrivningsärenden även helger 09.00–12.00",
            ),
            unit(
                "VOFBIST", "Biståndsenheten", A, "0150-571 20", "vof.bistand",
                KATRINEHOLM_TOWN_HALL, OFFICE_HOURS,
                unit(
                    "VOFBISTN", "Biståndshandläggning äldre, team Norr",
                    UnitKind.NEEDS_ASSESSMENT, "0150-571 21", "bistand.norr",
                    KATRINEHOLM_TOWN_HALL, "Mån–fre 08.00–16.30, telefontid 08.00–09.00",
                ),
                unit(
                    "VOFBISTS", "Biståndshandläggning äldre, team Syd",
                    UnitKind.NEEDS_ASSESSMENT, "0150-571 22", "bistand.syd",
                    KATRINEHOLM_TOWN_HALL, "Mån–fre 08.00–16.30, telefontid 08.00–09.00",
                ),
                unit(
                    "VOFLSSH", "LSS-handläggning", UnitKind.NEEDS_ASSESSMENT, "0150-571 23",
                    "lss.handlaggning", KATRINEHOLM_TOWN_HALL,
                    "Mån–fre 08.00–16.30, telefontid 13.00–14.00",
                ),
            ),
            unit(
                "VOFHT", "Hemtjänsten", A, "0150-572 00", "hemtjansten",
                "Vasavägen 20, 641 32 Katrineholm", OFFICE_HOURS,
                unit(
                    "VOFHTNORR", "Hemtjänst Norr", UnitKind.HOME_CARE, "0150-572 10",
                    "hemtjanst.norr", "Vasavägen 20, 641 32 Katrineholm", HOME_CARE_HOURS,
                ),
                unit(
                    "VOFHTSODER", "Hemtjänst Söder", UnitKind.HOME_CARE, "0150-572 20",
                    "hemtjanst.soder", "Drottninggatan 30, 641 30 Katrineholm",
                    HOME_CARE_HOURS,
                ),
                unit(
                    "VOFHTLAND", "Hemtjänst Landsbygd (Valla, Sköldinge, Björkvik)",
                    UnitKind.HOME_CARE, "0150-572 30", "hemtjanst.landsbygd",
                    "Storgatan 8, 641 93 Valla", HOME_CARE_HOURS,
                ),
            ),
            unit(
                "VOFHSV", "Hemsjukvården", A, "0150-573 00", "hemsjukvarden",
                "Vasavägen 22, 641 32 Katrineholm", OFFICE_HOURS,
                unit(
                    "VOFHSVN", "Hemsjukvården Norr", UnitKind.HOME_HEALTH_CARE, "0150-573 10",
                    "hemsjukvard.norr", "Vasavägen 22, 641 32 Katrineholm",
                    HOME_HEALTH_CARE_HOURS,
                ),
                unit(
                    "VOFHSVS", "Hemsjukvården Söder", UnitKind.HOME_HEALTH_CARE,
                    "0150-573 20", "hemsjukvard.soder", "Drottninggatan 30, 641 30 Katrineholm",
                    HOME_HEALTH_CARE_HOURS,
                ),
            ),
            unit(
                "VOFSABO", "Särskilt boende", A, "0150-574 00", "sarskiltboende",
                KATRINEHOLM_TOWN_HALL, OFFICE_HOURS,
                unit(
                    "VOFLOVAS", "Lövåsgården", UnitKind.NURSING_HOME, "0150-574 10",
                    "lovasgarden", "Lövåsvägen 3, 641 39 Katrineholm", ROUND_THE_CLOCK,
                ),
                unit(
                    "VOFSTRAND", "Strandgården", UnitKind.NURSING_HOME, "0150-574 20",
                    "strandgarden", "Strandvägen 11, 641 34 Katrineholm", ROUND_THE_CLOCK,
                ),
                unit(
                    "VOFFURU", "Furuliden", UnitKind.NURSING_HOME, "0150-574 30",
                    "furuliden", "Furugatan 6, 641 45 Katrineholm", ROUND_THE_CLOCK,
                ),
            ),
            unit(
                "VOFFS", "Funktionsstöd", A, "0150-575 00", "funktionsstod",
                KATRINEHOLM_TOWN_HALL, OFFICE_HOURS,
                unit(
                    "VOFFSGB", "Gruppbostäder LSS", UnitKind.DISABILITY_SERVICES,
                    "0150-575 10", "gruppbostader", "Backavägen 4, 641 37 Katrineholm",
                    ROUND_THE_CLOCK,
                ),
                unit(
                    "VOFFSDV", "Daglig verksamhet", UnitKind.DISABILITY_SERVICES,
                    "0150-575 20", "dagligverksamhet", "Industrigatan 14, 641 49 Katrineholm",
                    "Mån–fre 08.00–16.00",
                ),
                unit(
                    "VOFFSPA", "Personlig assistans", UnitKind.DISABILITY_SERVICES,
                    "0150-575 30", "personligassistans", KATRINEHOLM_TOWN_HALL,
                    "Mån–fre 08.00–16.30; jour dygnet runt",
                ),
            ),
        ),
        unit(
            "SOC", "Socialförvaltningen (SOC)", A, "0150-576 00", "soc",
            KATRINEHOLM_TOWN_HALL, OFFICE_HOURS,
            unit(
                "SOCMOTT", "Mottagningen individ- och familjeomsorg", UnitKind.SOCIAL_SERVICES,
                "0150-576 10", "ifo.mottagning", KATRINEHOLM_TOWN_HALL,
                "Mån–fre 08.00–16.30; socialjour övrig tid",
            ),
            unit(
                "SOCBOU", "Barn och familj", UnitKind.SOCIAL_SERVICES, "0150-576 20",
                "barnochfamilj", KATRINEHOLM_TOWN_HALL, OFFICE_HOURS,
            ),
            unit(
                "SOCVUX", "Vuxenenheten, missbruk och beroende", UnitKind.SOCIAL_SERVICES,
                "0150-576 30", "vuxenenheten", KATRINEHOLM_TOWN_HALL, OFFICE_HOURS,
            ),
            unit(
                "SOCSOPS", "Socialpsykiatri och boendestöd", UnitKind.SOCIAL_SERVICES,
                "0150-576 40", "socialpsykiatri", "Djulögatan 9, 641 30 Katrineholm",
                OFFICE_HOURS,
            ),
        ),
        unit(
            "BIF", "Bildningsförvaltningen (BIF)", A, "0150-577 00", "bif",
            KATRINEHOLM_TOWN_HALL, OFFICE_HOURS,
            unit(
                "BIFEHGR", "Elevhälsan grundskola", UnitKind.SCHOOL_HEALTH, "0150-577 10",
                "elevhalsan.grundskola", "Tallåsgatan 2, 641 38 Katrineholm",
                "Skoldagar 08.00–16.00",
            ),
            unit(
                "BIFEHGY", "Elevhälsan Duveholmsgymnasiet", UnitKind.SCHOOL_HEALTH,
                "0150-577 20", "elevhalsan.gymnasiet", "Sandbäcksgatan 4, 641 39 Katrineholm",
                "Skoldagar 08.00–16.00",
            ),
        ),
    ),
)  # fmt: skip

FLEN = OrganisationSpec(
    key="flen",
    name="Flens kommun",
    kind=OrganizationKind.MUNICIPALITY,
    org_number="212000-0332",
    area_code="0482",
    email_domain="flen.example",
    units=(
        unit(
            "FLBREVLADA", "Flens kommun – brevlåda för oadresserade meddelanden",
            UnitKind.OTHER, "0157-430 00", "samplan.brevlada", FLEN_TOWN_HALL,
        ),
        unit(
            "FLSOF", "Social- och omsorgsförvaltningen", A, "0157-431 00", "sof",
            FLEN_TOWN_HALL, OFFICE_HOURS,
            unit(
                "FLMOTT", "Mottagningsenheten", UnitKind.MUNICIPAL_INTAKE, "0157-431 10",
                "mottagning", FLEN_TOWN_HALL, OFFICE_HOURS,
            ),
            unit(
                "FLBIST", "Myndighetsenheten äldre och funktionsnedsättning",
                UnitKind.NEEDS_ASSESSMENT, "0157-431 20", "myndighet", FLEN_TOWN_HALL,
                "Mån–fre 08.00–16.30, telefontid 08.00–09.00",
            ),
            unit(
                "FLHT", "Hemtjänsten Flen", UnitKind.HOME_CARE, "0157-431 30", "hemtjanst",
                "Järnvägsgatan 12, 642 30 Flen", HOME_CARE_HOURS,
            ),
            unit(
                "FLHSV", "Hemsjukvården Flen", UnitKind.HOME_HEALTH_CARE, "0157-431 40",
                "hemsjukvard", "Järnvägsgatan 12, 642 30 Flen", HOME_HEALTH_CARE_HOURS,
            ),
            unit(
                "FLSOLB", "Solbackens särskilda boende", UnitKind.NURSING_HOME, "0157-431 50",
                "solbacken", "Solbacksvägen 2, 642 34 Flen", ROUND_THE_CLOCK,
            ),
            unit(
                "FLIFO", "Individ- och familjeomsorgen", UnitKind.SOCIAL_SERVICES,
                "0157-431 60", "ifo", FLEN_TOWN_HALL, "Mån–fre 08.00–16.30; socialjour övrig tid",
            ),
        ),
        unit(
            "FLBUF", "Barn- och utbildningsförvaltningen", A, "0157-432 00", "buf",
            FLEN_TOWN_HALL, OFFICE_HOURS,
            unit(
                "FLEH", "Elevhälsan Flen", UnitKind.SCHOOL_HEALTH, "0157-432 10",
                "elevhalsan", "Skolgatan 3, 642 33 Flen", "Skoldagar 08.00–16.00",
            ),
        ),
    ),
)  # fmt: skip

OMSORGSHUSET = OrganisationSpec(
    key="omsorgshuset",
    name="Omsorgshuset i Sörmland AB",
    kind=OrganizationKind.PRIVATE_PROVIDER,
    org_number="559123-4561",
    area_code="",
    email_domain="omsorgshuset.example",
    contracted_by="katrineholm",
    units=(
        unit(
            "OH", "Omsorgshuset i Sörmland, ledning", A, "0150-48 00 00", "info",
            "Köpmangatan 7, 641 30 Katrineholm", OFFICE_HOURS,
            unit(
                "OHHTKH", "Omsorgshuset Hemtjänst Katrineholm", UnitKind.HOME_CARE,
                "0150-48 00 10", "hemtjanst.katrineholm", "Köpmangatan 7, 641 30 Katrineholm",
                HOME_CARE_HOURS,
            ),
            unit(
                "OHHTFORS", "Omsorgshuset Hemtjänst Forssjö och Bie", UnitKind.HOME_CARE,
                "0150-48 00 20", "hemtjanst.forssjo", "Forssjövägen 1, 641 97 Katrineholm",
                HOME_CARE_HOURS,
            ),
        ),
    ),
)  # fmt: skip

# A private primary care centre (vårdval, LOV) contracted by the region: in a discharge case
# the ward, the municipality and the care centre are then three organisations.
VALLA_LAKARHUS = OrganisationSpec(
    key="vallalakarhus",
    name="Valla Läkarhus AB",
    kind=OrganizationKind.PRIVATE_PROVIDER,
    org_number="559274-3180",
    area_code="",
    email_domain="vallalakarhus.example",
    contracted_by="region",
    units=(
        unit(
            "VLH", "Valla Läkarhus, ledning", A, "0150-450 00", "info",
            "Kyrkvägen 2, 641 93 Valla", OFFICE_HOURS,
            unit(
                "VLHVC", "Valla Läkarhus vårdcentral", UnitKind.PRIMARY_CARE_CENTRE,
                "0150-450 10", "vardcentral", "Kyrkvägen 2, 641 93 Valla", CARE_CENTRE_HOURS,
            ),
        ),
    ),
)  # fmt: skip

ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    REGION_SORMLAND,
    KATRINEHOLM,
    FLEN,
    OMSORGSHUSET,
    VALLA_LAKARHUS,
)

U = Role.USER


def user(
    username: str,
    first_name: str,
    last_name: str,
    profession: str | None,
    *memberships: tuple[str, str],
) -> UserSpec:
    return UserSpec(username, first_name, last_name, profession, memberships)


USERS: tuple[UserSpec, ...] = (
    # Region Sörmland: wards, primary care, psychiatry.
    user("anna.lindqvist", "Anna", "Lindqvist", "nurse", ("MSEAVD11", U), ("MSEAVD12", U)),
    user("erik.sandberg", "Erik", "Sandberg", "physician", ("MSEAVD11", U)),
    user("lars.ostlund", "Lars", "Östlund", "nurse", ("KSKAVD3", U)),
    user("sara.nyberg", "Sara", "Nyberg", "nurse", ("KSKAVD7", U), ("MSEAVD51", U)),
    user("maria.holm", "Maria", "Holm", "nurse", ("VCKNORR", U)),
    user("johan.ekstrom", "Johan", "Ekström", "physician", ("VCKNORR", U), ("VCKSYD", U)),
    user("leila.haddad", "Leila", "Haddad", "psychologist", ("BUPKH", U)),
    user("nils.forsberg", "Nils", "Forsberg", "counsellor", ("VUPKH", U)),
    user("karin.wallin", "Karin", "Wallin", "unit_manager", ("MSEMED", Role.MANAGER)),
    user(
        "per.sjoberg", "Per", "Sjöberg", "nurse",
        ("RSBREVLADA", Role.SUPER_USER), ("KSKAKUT", U),
    ),
    user("ulrika.blom", "Ulrika", "Blom", None, ("RSSYSF", Role.LOCAL_ADMIN)),
    user("magnus.hedlund", "Magnus", "Hedlund", None, ("RSSYSF", Role.SYSTEM_ADMIN)),
    user("eva.soderberg", "Eva", "Söderberg", "nurse", ("RSKANSLI", Role.LOG_REVIEWER)),
    user("oskar.lind", "Oskar", "Lind", "planner", ("RSKANSLI", Role.REPORT_VIEWER)),
    # Katrineholms kommun: VOF, SOC, BIF.
    user(
        "fatima.hassan", "Fatima", "Hassan", "nurse", ("VOFHSVN", U), ("VOFHSVS", U),
    ),
    user("ida.karlsson", "Ida", "Karlsson", "occupational_therapist", ("VOFHSVN", U)),
    user(
        "elin.johansson", "Elin", "Johansson", "needs_assessor",
        ("VOFBISTN", U), ("VOFBISTS", U),
    ),
    user("rebecka.engstrom", "Rebecka", "Engström", "needs_assessor", ("VOFLSSH", U)),
    user(
        "mikael.andersson", "Mikael", "Andersson", "unit_manager",
        ("VOFHT", Role.MANAGER), ("VOFHTNORR", U),
    ),
    user("sanna.berglund", "Sanna", "Berglund", "nurse", ("VOFLOVAS", U)),
    user("jonas.lund", "Jonas", "Lund", "housing_coordinator", ("VOFMOTT", U)),
    user(
        "linnea.falk", "Linnea", "Falk", "unit_manager",
        ("VOFFS", Role.MANAGER), ("VOFFSGB", U),
    ),
    user("amir.rahimi", "Amir", "Rahimi", "social_worker", ("SOCBOU", U)),
    user(
        "helena.strand", "Helena", "Strand", "school_nurse", ("BIFEHGR", U), ("BIFEHGY", U),
    ),
    user("petra.wikstrom", "Petra", "Wikström", "counsellor", ("BIFEHGR", U)),
    user(
        "goran.pettersson", "Göran", "Pettersson", "planner",
        ("KKBREVLADA", Role.SUPER_USER), ("VOFMOTT", Role.SUPER_USER),
    ),
    user("annika.persson", "Annika", "Persson", None, ("VOF", Role.LOCAL_ADMIN)),
    user("thomas.nilsson", "Thomas", "Nilsson", None, ("VOF", Role.SYSTEM_ADMIN)),
    user("birgitta.olsson", "Birgitta", "Olsson", "nurse", ("VOF", Role.LOG_REVIEWER)),
    user("david.lindgren", "David", "Lindgren", "planner", ("VOF", Role.REPORT_VIEWER)),
    # Flens kommun.
    user("hanna.borg", "Hanna", "Borg", "nurse", ("FLHSV", U)),
    user("mats.eriksson", "Mats", "Eriksson", "needs_assessor", ("FLBIST", U), ("FLMOTT", U)),
    user(
        "cecilia.hall", "Cecilia", "Hall", None,
        ("FLSOF", Role.LOCAL_ADMIN), ("FLSOF", Role.SYSTEM_ADMIN),
    ),
    # Omsorgshuset i Sörmland AB (private home care, contracted by Katrineholm).
    user(
        "sofia.ek", "Sofia", "Ek", "unit_manager",
        ("OH", Role.MANAGER), ("OH", Role.LOCAL_ADMIN),
    ),
    user("ahmed.ali", "Ahmed", "Ali", "nurse", ("OHHTKH", U), ("OHHTFORS", U)),
    # Valla Läkarhus AB (private primary care, contracted by the region).
    user(
        "jan.ahlberg", "Jan", "Ahlberg", "unit_manager",
        ("VLH", Role.MANAGER), ("VLH", Role.LOCAL_ADMIN),
    ),
    user("tove.lundin", "Tove", "Lundin", "nurse", ("VLHVC", U)),
)  # fmt: skip
