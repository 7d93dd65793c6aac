"""Small request helpers shared by every app."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address for logs.

    Behind TRUSTED_PROXY_COUNT proxies the address is taken from X-Forwarded-For, counting
    from the right, so a client cannot choose what gets logged by sending the header itself.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


# The largest id a database row can have (BigAutoField; SQLite's INTEGER is the same size).
MAX_ID = 2**63 - 1


def parse_id(value: str | None) -> int | None:
    """A row id from a query string or form field: ASCII digits from 1 to MAX_ID, else None.

    The one parser for ids that users can type or edit (?organisation=, ?unit=, ?arende=,
    ticked boxes). `str.isdigit()` is not enough: it accepts "²" (which int() refuses) and
    "99999999999999999999" (which overflows the database's integer).
    """
    if not value or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values: Iterable[str]) -> list[int]:
    """The valid ids among `values` (parse_id), in order, each once."""
    return list(dict.fromkeys(n for n in map(parse_id, values) if n is not None))


def parse_int(value: str | None, *, default: int, minimum: int, maximum: int) -> int:
    """A whole number from a query string (e.g. a polling interval): `default` when it is not
    one, kept within minimum..maximum when it is."""
    text = (value or "").strip()
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 30:
        return default
    return min(max(sign * int(digits), minimum), maximum)
