import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from samplan.patients.identity import (
    IdentityError,
    IdentityKind,
    ReservePattern,
    parse_identity,
)

TODAY = datetime.date(2026, 11, 22)


def parse(value, **kwargs):
    return parse_identity(value, today=TODAY, **kwargs)


@pytest.mark.parametrize(
    "value",
    ["19121212-1212", "191212121212", "121212+1212", " 19121212 1212 "],
)
def test_personnummer_in_usual_forms_normalises_to_12_digits(value):
    identity = parse(value)
    assert identity.number == "191212121212"
    assert identity.kind == IdentityKind.PERSONAL
    assert identity.birth_date == datetime.date(1912, 12, 12)
    assert identity.display == "19121212-1212"


def test_ten_digits_without_plus_is_the_latest_past_century():
    assert parse("121212-1212").number == "201212121212"
    assert parse("1212121212").number == "201212121212"


def test_ten_digits_of_someone_turning_100_later_this_year():
    # Born 1926-12-01, 99 years old on 2026-11-22: not a date in the future.
    assert parse("261201-1235").number == "192612011235"
    assert parse("261201+1235").number == "182612011235"


def test_plus_means_a_hundred_years_or_older():
    assert parse("121212+1212").number == "191212121212"


def test_samordningsnummer():
    identity = parse("701063-2391")
    assert identity.number == "197010632391"
    assert identity.kind == IdentityKind.COORDINATION
    assert identity.birth_date == datetime.date(1970, 10, 3)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("19121212-121", "format"),
        ("abc", "format"),
        ("19121212/1212", "format"),
        ("19121312-1212", "date"),  # month 13
        ("19120230-1214", "date"),  # 30 February
        ("19121212-1213", "checksum"),
        ("20991212-1212", "date"),  # in the future
        ("19121212-0002", "serial"),
    ],
)
def test_invalid_numbers_name_the_fault(value, code):
    with pytest.raises(IdentityError) as error:
        parse(value)
    assert error.value.code == code


def test_error_messages_are_swedish():
    with pytest.raises(IdentityError) as error:
        parse("19121212-1213")
    assert "kontrollsiffra" in error.value.messages[0].lower()


def test_default_reserve_formats():
    base = "99261234567"
    number = base + luhn.calc_check_digit(base[2:])
    assert parse(number).kind == IdentityKind.RESERVE
    assert parse("20240315kv01").number == "20240315KV01"


def test_reserve_with_wrong_check_digit():
    base = "99261234567"
    wrong = base + str((int(luhn.calc_check_digit(base[2:])) + 1) % 10)
    with pytest.raises(IdentityError) as error:
        parse(wrong)
    assert error.value.code == "reserve_checksum"


def test_region_specific_reserve_pattern():
    patterns = [ReservePattern(name="R-nummer", regex=r"R\d{6}")]
    assert parse("r123456", reserve_patterns=patterns).number == "R123456"
    with pytest.raises(IdentityError):
        parse("R123456")  # not a format without that region's pattern


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY), st.integers(1, 999))
def test_any_valid_number_round_trips_in_every_form(birth, serial):
    base = f"{birth:%y%m%d}{serial:03d}"
    ten = base + luhn.calc_check_digit(base)
    twelve = f"{birth.year:04d}{ten[2:]}"
    assert parse(twelve).number == twelve
    assert parse(f"{twelve[:8]}-{twelve[8:]}").number == twelve
    age = TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))
    short = f"{ten[:6]}{'+' if age >= 100 else '-'}{ten[6:]}"
    assert parse(short).number == twelve


def test_ten_digits_born_later_this_year_a_century_ago():
    # 1926-12-01 is 99 years old on TODAY (2026-11-22): "-" and the 1900s, not next month.
    assert parse("261201-0013").number == "192612010013"
    assert parse("261101-0014").number == "202611010014"


def test_display_forms():
    from samplan.patients.identity import format_identity

    assert format_identity("191212121212") == "19121212-1212"
    assert format_identity("992612345678") == "992612345678"
    assert format_identity("20240315KV01", IdentityKind.RESERVE) == "20240315KV01"
