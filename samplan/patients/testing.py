"""Test helpers for patients, shared with the apps that build on them (cases, plans, addressing)."""

from __future__ import annotations

import datetime
import itertools

import factory
from stdnum import luhn

from samplan.core.test_names import PATIENT_FIRST_NAMES, PATIENT_LAST_NAMES
from samplan.patients.identity import parse_identity
from samplan.patients.models import Patient

_serials = itertools.count(101)


def make_personnummer(birth: datetime.date | None = None, serial: int | None = None) -> str:
    """A valid personnummer (12 digits); a fresh one each call.

    Without a birth date, the counter walks serials 1–999 and then moves to the next day, so
    numbers never repeat however many a test session makes (serial 000 is never issued).
    """
    if serial is None:
        count = next(_serials)
        serial = count % 999 + 1
        if birth is None:
            birth = datetime.date(1940, 5, 17) + datetime.timedelta(days=count // 999)
    birth = birth or datetime.date(1940, 5, 17)
    base = f"{birth:%y%m%d}{serial:03d}"
    return f"{birth.year:04d}{base[2:]}{luhn.calc_check_digit(base)}"


def make_reserve_number(serial: int | None = None) -> str:
    """A reservnummer in the default format 99 + year + 7 digits + Luhn check digit."""
    serial = next(_serials) if serial is None else serial
    base = f"9926{serial:07d}"
    return base + luhn.calc_check_digit(base[2:])


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    identity_number = factory.LazyFunction(make_personnummer)
    identity_kind = factory.LazyAttribute(lambda p: parse_identity(p.identity_number).kind)
    birth_date = factory.LazyAttribute(lambda p: parse_identity(p.identity_number).birth_date)
    first_name = factory.Iterator(PATIENT_FIRST_NAMES)
    last_name = factory.Iterator(PATIENT_LAST_NAMES)
    registered_municipality = "0483"
    postal_code = "61131"
    street_address = factory.Sequence(lambda n: f"Storgatan {n + 1}")
    city = "Nyköping"
    phone = "0155-123 45"


class ReservePatientFactory(PatientFactory):
    identity_number = factory.LazyFunction(make_reserve_number)
