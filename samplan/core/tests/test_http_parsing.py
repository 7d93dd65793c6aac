"""The one parser for ids and numbers from query strings and forms."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samplan.core.http import MAX_ID, parse_id, parse_ids, parse_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("²", None),  # isdigit() says yes, int() says no
        ("٣", None),  # int() would read 3
        ("1e5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_parse_ids_keeps_the_valid_ones_once_in_order():
    assert parse_ids(["3", "x", "1", "3", "99999999999999999999", "2"]) == [3, 1, 2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("30", 30), ("5", 10), ("999999999999999999999999", 300), ("-7", 10), ("x", 60), (None, 60)],
)
def test_parse_int_defaults_and_clamps(value, expected):
    assert parse_int(value, default=60, minimum=10, maximum=300) == expected


@given(st.text(max_size=30))
def test_parse_id_never_raises_and_stays_in_range(value):
    number = parse_id(value)
    assert number is None or 1 <= number <= MAX_ID
