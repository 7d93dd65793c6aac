"""The demo's patients: invented people in Katrineholm and Flen, mostly old, a few children.

Identity numbers follow the series of Skatteverket's published test numbers
(testpersonnummer and testsamordningsnummer, https://www.dataportal.se/sv/datasets/6_67959):
each birth date has the birth number 238 for a woman and 239 for a man. Those numbers are kept
back from real people, so a demo can never show someone's real personnummer next to an
invented name and address. Two demo people therefore never share a birth date and sex.

Phone numbers are from the block PTS keeps for fiction (070-174 06 05 to 070-174 06 99), and
every street address is made up.

The addressing register (samplan/demo/addressing.py) registers these people with home care,
nursing homes and so on, and refers to them by the keys below.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from stdnum import luhn

from samplan.patients.identity import IdentityKind, parse_identity
from samplan.patients.models import Patient, Protection, ReserveCheck, ReserveNumberFormat
from samplan.patients.reserve_formats import region_patterns

if TYPE_CHECKING:
    from samplan.demo.builder import Demo

KATRINEHOLM = "0483"
FLEN = "0482"

WOMAN, MAN = "F", "M"
# Skatteverket's test series: birth number 238 for women, 239 for men.
TEST_BIRTH_NUMBERS = {WOMAN: 238, MAN: 239}

# Region Sörmland's reservnummer format, the first of domain.md §3's examples. Configured so
# the region's reserve-number page shows a format in use; numbers in it are also read by the
# default formats, so every form accepts the demo's reserve number.
SORMLAND_RESERVE_FORMAT = {
    "name": "99ÅÅNNNNNNNK",
    "regex": r"99\d{10}",
    "check_digit": ReserveCheck.LUHN,
}
RESERVE_SERIAL = 4711

PTS_FICTION_PHONE_FIRST = 5  # 070-174 06 05


def skatteverket_test_number(born: datetime.date, sex: str, *, coordination: bool = False) -> str:
    """A personnummer (or, with coordination, a samordningsnummer: day of birth + 60) in
    Skatteverket's test series, as stored: 12 digits."""
    day = born.day + 60 if coordination else born.day
    ten_without_check = f"{born:%y%m}{day:02d}{TEST_BIRTH_NUMBERS[sex]}"
    return f"{born:%Y}{ten_without_check[2:]}{luhn.calc_check_digit(ten_without_check)}"


def demo_reserve_number(today: datetime.date) -> str:
    """A reservnummer issued this year: 99 + year + 7 digits + a Luhn digit over the last 10."""
    base = f"99{today:%y}{RESERVE_SERIAL:07d}"
    return base + luhn.calc_check_digit(base[2:])


@dataclass(frozen=True)
class PatientSpec:
    key: str  # how the addressing register and later demo parts refer to the person
    first_name: str
    last_name: str
    sex: str
    born: datetime.date | None  # None for the unidentified person with a reservnummer
    municipality: str = ""  # kommunkod of the folkbokföring
    postal_code: str = ""
    street: str = ""
    city: str = ""
    listed_at: str | None = None  # unit code of the primary care centre
    protection: str = Protection.NONE
    kind: str = IdentityKind.PERSONAL


D = datetime.date


def _residents_of(municipality: str, default_city: str) -> Callable[..., PatientSpec]:
    """A short way to write the people of one municipality in the table below."""

    def resident(
        key: str,
        first_name: str,
        last_name: str,
        sex: str,
        born: D,
        postal_code: str,
        street: str,
        *,
        city: str = default_city,
        listed_at: str | None = None,
        protection: str = Protection.NONE,
        kind: str = IdentityKind.PERSONAL,
    ) -> PatientSpec:
        return PatientSpec(
            key, first_name, last_name, sex, born, municipality, postal_code, street, city,
            listed_at, protection, kind,
        )  # fmt: skip

    return resident


katrineholm = _residents_of(KATRINEHOLM, "Katrineholm")
flen = _residents_of(FLEN, "Flen")

F, M = WOMAN, MAN
NORR, SYD, VCFLEN, VALLA = "VCKNORR", "VCKSYD", "VCFLEN", "VLHVC"

PATIENTS: tuple[PatientSpec, ...] = (
    # Katrineholm, at home with help from home care and home health care.
    katrineholm("karl_erik", "Karl-Erik", "Johansson", M, D(1936, 3, 14),
                "64136", "Vasavägen 31", listed_at=NORR),
    katrineholm("solveig", "Solveig", "Dahl", F, D(1936, 12, 28),
                "64130", "Köpmangatan 12", listed_at=NORR),
    katrineholm("elsa", "Elsa", "Persson", F, D(1933, 6, 11),
                "64150", "Oppundavägen 19", listed_at=SYD),
    katrineholm("rolf", "Rolf", "Gustafsson", M, D(1944, 2, 21),
                "64132", "Drottninggatan 41", listed_at=NORR),
    katrineholm("ingrid", "Ingrid", "Karlsson", F, D(1937, 12, 4),
                "64197", "Forssjövägen 8", city="Forssjö", listed_at=SYD),
    katrineholm("bengt", "Bengt", "Nilsson", M, D(1940, 9, 17),
                "64193", "Storgatan 22", city="Valla", listed_at=SYD),
    katrineholm("maj_britt", "Maj-Britt", "Olsson", F, D(1939, 4, 15),
                "64145", "Furugatan 17", listed_at=SYD),
    # Katrineholm, no help at home: only the listing and the area rules route them.
    katrineholm("gote", "Göte", "Larsson", M, D(1935, 10, 27),
                "64140", "Bievägen 5", listed_at=NORR),
    katrineholm("lars_goran", "Lars-Göran", "Hägg", M, D(1943, 3, 3),
                "64191", "Sköldinge Prästgård 2", city="Sköldinge", listed_at=SYD),
    # Listed at the private care centre in Valla, in the countryside (the area rule for
    # 641 91–641 99): the demo leaves her without a case, for a new one to be opened.
    katrineholm("gunvor", "Gunvor", "Ahlgren", F, D(1938, 5, 17),
                "64193", "Kyrkvägen 14", city="Valla", listed_at=VALLA),
    # Not listed anywhere: a care report about him finds no care centre.
    katrineholm("lennart", "Lennart", "Svensson", M, D(1942, 8, 8),
                "64134", "Strandvägen 40"),
    katrineholm("birgit", "Birgit", "Holmberg", F, D(1932, 1, 19),
                "64139", "Lövåsvägen 21", listed_at=NORR),
    # Katrineholm, living in nursing homes (the residence list).
    katrineholm("margareta", "Margareta", "Eriksson", F, D(1934, 7, 2),
                "64139", "Lövåsvägen 3", listed_at=SYD),
    katrineholm("gunnel", "Gunnel", "Andersson", F, D(1931, 11, 23),
                "64134", "Strandvägen 11", listed_at=NORR),
    katrineholm("sven", "Sven", "Pettersson", M, D(1938, 1, 30),
                "64145", "Furugatan 6", listed_at=SYD),
    katrineholm("astrid", "Astrid", "Lindberg", F, D(1929, 5, 8),
                "64145", "Furugatan 6", listed_at=SYD),
    katrineholm("rune", "Rune", "Jakobsson", M, D(1934, 10, 10),
                "64145", "Furugatan 6", listed_at=NORR),
    katrineholm("stig", "Stig", "Axelsson", M, D(1930, 12, 12),
                "64139", "Lövåsvägen 3", listed_at=NORR),
    # 101 years old: written with "+" in the 10-digit form.
    katrineholm("anna_lisa", "Anna-Lisa", "Berg", F, D(1925, 2, 9),
                "64139", "Lövåsvägen 3", listed_at=NORR),
    # Katrineholm, social services and disability services (LSS).
    katrineholm("arne", "Arne", "Bergström", M, D(1946, 11, 2),
                "64137", "Backavägen 14", listed_at=NORR),
    katrineholm("kerstin", "Kerstin", "Lundgren", F, D(1948, 3, 26),
                "64130", "Djulögatan 27", listed_at=NORR),
    katrineholm("patrik", "Patrik", "Sjöström", M, D(1979, 5, 23),
                "64137", "Backavägen 4", listed_at=NORR),
    katrineholm("emma", "Emma", "Nordin", F, D(1988, 10, 30),
                "64150", "Oppundavägen 33", listed_at=SYD),
    # Protected identities: the router never uses their postal code. With skyddad
    # folkbokföring samplan holds no street address at all.
    katrineholm("lena", "Lena", "Söder", F, D(1950, 9, 3),
                "64195", "", listed_at=SYD, protection=Protection.PROTECTED_REGISTRATION),
    # A samordningsnummer: not in the population register; the municipality and address are
    # where he lives while working here, as the ward wrote them down.
    katrineholm("piotr", "Piotr", "Kowalski", M, D(1958, 9, 14),
                "64132", "Vasavägen 8", kind=IdentityKind.COORDINATION),
    # Children, for coordinated individual plans (SIP).
    katrineholm("alva", "Alva", "Lindström", F, D(2014, 4, 22),
                "64136", "Rosenholmsvägen 9", listed_at=NORR),
    katrineholm("leo", "Leo", "Sundberg", M, D(2011, 9, 9),
                "64150", "Oppundavägen 7", listed_at=SYD),
    katrineholm("elias", "Elias", "Nyström", M, D(2009, 6, 14),
                "64137", "Tallåsgatan 16", listed_at=NORR),
    # Flens kommun.
    flen("gosta", "Gösta", "Hedström", M, D(1936, 5, 5),
         "64234", "Sveavägen 14", listed_at=VCFLEN),
    flen("ulla", "Ulla", "Magnusson", F, D(1933, 8, 19),
         "64234", "Solbacksvägen 2", listed_at=VCFLEN),
    flen("inga", "Inga", "Wikander", F, D(1941, 1, 12),
         "64260", "Mejerigatan 3", city="Malmköping", listed_at=VCFLEN),
    flen("evert", "Evert", "Sandström", M, D(1939, 2, 2),
         "64295", "Bettna Byväg 4", city="Bettna", listed_at=VCFLEN),
    flen("mehmet", "Mehmet", "Yilmaz", M, D(1965, 7, 19),
         "64237", "Järnvägsgatan 30", listed_at=VCFLEN),
    flen("marianne", "Marianne", "Ström", F, D(1947, 4, 28),
         "64233", "Sveavägen 40", listed_at=VCFLEN, protection=Protection.CONFIDENTIALITY_MARKED),
    flen("maja", "Maja", "Åberg", F, D(2016, 1, 28),
         "64232", "Skolgatan 11", listed_at=VCFLEN),
    # Found unconscious and not yet identified: a reservnummer from the hospital, no address.
    PatientSpec("unknown", "Okänd", "Man", M, None, kind=IdentityKind.RESERVE),
)  # fmt: skip

# People in the addressing register who are not (yet) patients in samplan: a unit registers
# its clients before the first message about them, so the simulator can show such a person.
REGISTER_ONLY: dict[str, tuple[datetime.date, str]] = {
    "new_home_care_client": (D(1945, 6, 30), WOMAN),
    "new_flen_client": (D(1938, 11, 5), MAN),
}


def identity_number(spec: PatientSpec, today: datetime.date) -> str:
    if spec.kind == IdentityKind.RESERVE:
        return demo_reserve_number(today)
    assert spec.born is not None
    return skatteverket_test_number(
        spec.born, spec.sex, coordination=spec.kind == IdentityKind.COORDINATION
    )


def identity_numbers(today: datetime.date | None = None) -> dict[str, str]:
    """Every demo person's stored identity number, by key (patients and register-only)."""
    today = today or timezone.localdate()
    numbers = {spec.key: identity_number(spec, today) for spec in PATIENTS}
    for key, (born, sex) in REGISTER_ONLY.items():
        numbers[key] = skatteverket_test_number(born, sex)
    return numbers


# --- build step -------------------------------------------------------------------------------


def build_patients(demo: Demo) -> None:
    region = demo.organizations["region"]
    reserve_format = ReserveNumberFormat(region=region, **SORMLAND_RESERVE_FORMAT)
    reserve_format.full_clean()
    reserve_format.save()
    patterns = region_patterns(region)
    today = timezone.localdate()
    for number, spec in enumerate(PATIENTS):
        # Parsed as a form would: the demo holds only numbers the product itself accepts.
        identity = parse_identity(identity_number(spec, today), reserve_patterns=patterns)
        if identity.kind != spec.kind:
            raise ValueError(f"Demo patient {spec.key} is a {identity.kind}, not a {spec.kind}.")
        patient = Patient(
            identity_number=identity.number,
            identity_kind=identity.kind,
            reserve_issuer=region if identity.kind == IdentityKind.RESERVE else None,
            birth_date=identity.birth_date,
            first_name=spec.first_name,
            last_name=spec.last_name,
            protection=spec.protection,
            registered_municipality=spec.municipality,
            postal_code=spec.postal_code,
            street_address=spec.street,
            city=spec.city,
            phone=f"070-174 06 {PTS_FICTION_PHONE_FIRST + number:02d}" if spec.street else "",
            listed_care_centre=demo.units[spec.listed_at] if spec.listed_at else None,
        )
        patient.full_clean()
        patient.save()
        demo.patients[spec.key] = patient
