"""Organisation numbers and HSA-ids: accepted forms, and errors that name the fault."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from samplan.organizations.validators import (
    format_org_number,
    normalize_hsa_id,
    normalize_org_number,
)


def error_code(function, value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        function(value)
    return caught.value.code


@pytest.mark.parametrize(
    "typed", ["2321000032", "232100-0032", " 232100-0032 ", "232100 0032", "5591234561"]
)
def test_valid_org_numbers_with_and_without_hyphen(typed):
    assert normalize_org_number(typed) == typed.strip().replace("-", "").replace(" ", "")


@pytest.mark.parametrize("typed", ["232100003", "23210000321", "2321-0032", "", "16232100-0032"])
def test_org_number_of_wrong_length(typed):
    assert error_code(normalize_org_number, typed) == ("format" if typed == "" else "length")


@pytest.mark.parametrize("typed", ["2321000033", "232100-0031", "5591234562"])
def test_org_number_with_wrong_check_digit(typed):
    assert error_code(normalize_org_number, typed) == "checksum"


@pytest.mark.parametrize("typed", ["23210O0032", "232100/0032", "SE2321000032"])
def test_org_number_with_other_characters(typed):
    assert error_code(normalize_org_number, typed) == "format"


def test_org_number_errors_are_swedish():
    with translation.override("sv"), pytest.raises(ValidationError) as caught:
        normalize_org_number("2321000033")
    assert caught.value.messages == ["Organisationsnumrets kontrollsiffra är fel."]


def test_format_org_number():
    assert format_org_number("2321000032") == "232100-0032"
    assert format_org_number("123") == "123"


@pytest.mark.parametrize(
    "typed", ["SE2321000032-1234", "SE2321000032-E000000000001", "SE5591234561-OHHTKH"]
)
def test_valid_hsa_ids(typed):
    assert normalize_hsa_id(typed) == typed


def test_hsa_id_in_lower_case_is_normalised():
    assert normalize_hsa_id(" se2321000032-mseavd11 ") == "SE2321000032-MSEAVD11"


def test_hsa_id_of_31_characters_is_the_longest_allowed():
    longest = "SE2321000032-" + "A" * 18
    assert len(longest) == 31
    assert normalize_hsa_id(longest) == longest
    assert error_code(normalize_hsa_id, longest + "B") == "length"


@pytest.mark.parametrize(
    "typed",
    [
        "SE2321000032-ÅSA",
        "SE2321000032-avdö",
        "SE2321000032-Ä1",
        "SE2321000032",
        "SE2321000032-",
        "SE2321000032_1234",
        "SE232100003-1234",
        "SE232100-0032-1234",
        "2321000032-1234",
        "SE2321000032-AVD 11",
        "SE2321000032-AVD-11",
    ],
)
def test_hsa_id_in_the_wrong_form(typed):
    assert error_code(normalize_hsa_id, typed) == "format"


def test_hsa_id_names_the_forbidden_letters_in_swedish():
    with translation.override("sv"), pytest.raises(ValidationError) as caught:
        normalize_hsa_id("SE2321000032-ÅSA")
    assert "å, ä eller ö" in caught.value.messages[0]


def test_hsa_id_with_wrong_check_digit_inside():
    assert error_code(normalize_hsa_id, "SE2321000033-1234") == "checksum"
