import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from samplan.accounts.models import User
from samplan.accounts.passwords import counted_length


def codes(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Abcdef1!", 8),
        ("åäöÅÄÖ", 12),
        ("Hallå1!", 8),  # å counts twice: 7 characters, length 8
    ],
)
def test_swedish_letters_count_as_two(password, expected):
    assert counted_length(password) == expected


def test_valid_password_passes():
    assert codes("Sommar2026!") == set()


def test_seven_characters_with_a_swedish_letter_reach_the_minimum():
    assert "password_length" not in codes("Hallå1!")
    assert "password_length" in codes("Halla1!")


def test_too_short_and_too_long():
    assert "password_length" in codes("Ab1!xyz")
    assert "password_length" not in codes("Ab1!" + "x" * 26)  # 30
    assert "password_length" in codes("Ab1!" + "x" * 27)  # 31
    # 29 characters where one is ö: counted as 30, allowed; two ö: 31, refused.
    assert "password_length" not in codes("Ab1!ö" + "x" * 24)
    assert "password_length" in codes("Ab1!öö" + "x" * 23)


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("sommar2026!", "en stor bokstav"),
        ("SOMMAR2026!", "en liten bokstav"),
        ("Sommarsol!", "en siffra"),
        ("Sommar2026x", "ett specialtecken"),
    ],
)
def test_each_character_class_is_required(password, missing):
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert [e.code for e in error.value.error_list] == ["password_classes"]
    message = error.value.messages[0]
    assert missing in message
    others = {"en stor bokstav", "en liten bokstav", "en siffra", "ett specialtecken"} - {missing}
    assert not any(other in message for other in others)


def test_swedish_upper_case_letter_counts_as_upper_case():
    assert "password_classes" not in codes("Ösommar26!")


@pytest.mark.parametrize("bad", [" ", "<", "~", "é", "\t"])
def test_only_letters_digits_and_allowed_specials(bad):
    assert "password_characters" in codes(f"Sommar26!{bad}")


def test_not_the_same_as_the_previous_password():
    user = User(username="x", password=make_password("Sommar2026!"))
    assert "password_previous" in codes("Sommar2026!", user)
    assert codes("Vinter2026!", user) == set()
