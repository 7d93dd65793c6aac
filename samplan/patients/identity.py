"""Swedish identity numbers: personnummer, samordningsnummer and reservnummer (domain.md §3).

`parse_identity` accepts what people type (10 or 12 digits, with "-", "+" or nothing, with
spaces) and returns the stored form: 12 digits YYYYMMDDNNNC for personnummer and
samordningsnummer, the reserve number's own normalised form for reservnummer. Invalid input
raises IdentityError with a plain message naming what is wrong (format, date, check digit).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from personnummer.personnummer import Personnummer, PersonnummerException
from stdnum import luhn


class IdentityKind:
    PERSONAL = "personal"  # personnummer
    COORDINATION = "coordination"  # samordningsnummer: day of birth + 60
    RESERVE = "reserve"  # reservnummer: a region's temporary id

    CHOICES = (PERSONAL, COORDINATION, RESERVE)


class IdentityError(ValidationError):
    """A ValidationError whose message says what is wrong with the number."""


@dataclass(frozen=True)
class ReservePattern:
    """One region's reservnummer format: a regular expression and, if it has one, its check."""

    name: str
    regex: str
    check: str = "none"  # "none" or "luhn": Luhn over the last 10 digits

    def matches(self, value: str) -> bool:
        return re.fullmatch(self.regex, value) is not None

    def check_passes(self, value: str) -> bool:
        if self.check == "luhn":
            digits = re.sub(r"\D", "", value)
            return len(digits) >= 10 and luhn.is_valid(digits[-10:])
        return True


# The two formats of domain.md §3, used when a region has configured none of its own:
# "99" + year (2 digits) + 7 digits + a Luhn check digit; and birth date + 2 letters + 2 digits.
DEFAULT_RESERVE_PATTERNS = (
    ReservePattern(name="99ÅÅNNNNNNNK", regex=r"99\d{10}", check="luhn"),
    ReservePattern(name="ÅÅÅÅMMDDBBNN", regex=r"(19|20)\d{6}[A-Z]{2}\d{2}"),
)


@dataclass(frozen=True)
class Identity:
    number: str  # stored form
    kind: str
    birth_date: datetime.date | None

    @property
    def display(self) -> str:
        """YYYYMMDD-NNNN for personnummer and samordningsnummer; reserve numbers as stored."""
        if self.kind == IdentityKind.RESERVE:
            return self.number
        return f"{self.number[:8]}-{self.number[8:]}"


_NUMBER = re.compile(
    r"^(?P<century>\d{2})?(?P<date>\d{6})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)$"
)


_TWELVE_DIGITS = re.compile(r"\d{12}")


def format_identity(number: str, kind: str | None = None) -> str:
    """Display form of a stored number: YYYYMMDD-NNNN for personnummer and
    samordningsnummer; a reservnummer as stored (a 12-digit one starting with 99 is never a
    date, so it is not given the hyphen even when the kind is not known)."""
    if kind == IdentityKind.RESERVE or number.startswith("99"):
        return number
    if _TWELVE_DIGITS.fullmatch(number):
        return f"{number[:8]}-{number[8:]}"
    return number


def parse_identity(
    value: str,
    *,
    reserve_patterns: Iterable[ReservePattern] = DEFAULT_RESERVE_PATTERNS,
    today: datetime.date | None = None,
) -> Identity:
    cleaned = re.sub(r"\s", "", value or "").upper()
    if not cleaned:
        raise IdentityError(_("Enter a personnummer."), code="required")
    for pattern in reserve_patterns:
        if pattern.matches(cleaned):
            if not pattern.check_passes(cleaned):
                raise IdentityError(
                    _("The reserve number's check digit is wrong."), code="reserve_checksum"
                )
            return Identity(number=cleaned, kind=IdentityKind.RESERVE, birth_date=None)

    match = _NUMBER.match(cleaned)
    if not match:
        raise IdentityError(
            _(
                "A personnummer has 10 or 12 digits, e.g. 19121212-1212 or 121212-1212. "
                "Check the number of digits and that only - or + separates them."
            ),
            code="format",
        )
    today = today or timezone.localdate()
    date_digits = match["date"]
    year, month, day = int(date_digits[:2]), int(date_digits[2:4]), int(date_digits[4:6])
    kind = IdentityKind.PERSONAL
    if day > 60:
        kind, day = IdentityKind.COORDINATION, day - 60
    century = match["century"]
    try:
        if century:
            birth_date = datetime.date(int(century) * 100 + year, month, day)
        else:
            birth_date = _infer_birth_date(year, month, day, match["sep"], today)
    except ValueError:
        raise IdentityError(
            _("The date in the personnummer (%(date)s) does not exist.") % {"date": date_digits},
            code="date",
        ) from None
    full_year = birth_date.year
    if birth_date > today:
        raise IdentityError(_("The date in the personnummer is in the future."), code="date")
    if match["serial"] == "000":
        raise IdentityError(
            _("The birth number (digits 9–11) cannot be 000. Check the number."), code="serial"
        )
    ten = date_digits + match["serial"] + match["check"]
    if not luhn.is_valid(ten):
        raise IdentityError(
            _("The check digit (the last digit) is wrong. Check the number."), code="checksum"
        )
    number = f"{full_year:04d}{date_digits[2:]}{match['serial']}{match['check']}"
    try:
        Personnummer(number)  # the library's own check, as a second opinion
    except PersonnummerException:
        raise IdentityError(_("The personnummer is not valid."), code="invalid") from None
    return Identity(number=number, kind=kind, birth_date=birth_date)


def _infer_birth_date(
    two_digit_year: int, month: int, day: int, separator: str, today: datetime.date
) -> datetime.date:
    """Birth date for a 10-digit number: the latest date not after today ("-" or none: under
    100 years old); "+" means 100 years or older, so a century earlier still."""
    latest = today.year - (today.year - two_digit_year) % 100
    for year in (latest, latest - 100, latest - 200):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            continue  # 29 February in a year that has none: try the century before
        if candidate <= today:
            if separator == "+":
                return datetime.date(year - 100, month, day)
            return candidate
    raise ValueError("no such date")
