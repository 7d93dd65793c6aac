"""Helpers shared by every CSV and XLSX export."""

from __future__ import annotations

# A cell that starts with one of these is read as a formula by spreadsheet programs; text
# typed by users (names, comments) must never run as one (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """The value as given, except text that a spreadsheet would run: prefixed with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
