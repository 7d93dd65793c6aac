"""Swedish local time for every day-based rule (cut-off, "day of discharge", liable days).

Timestamps are stored in UTC; a rule that speaks of a day or a time of day means the Swedish
wall clock (Europe/Stockholm), whatever the server's or the user's time zone. A day is a
calendar day of 23, 24 or 25 hours.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = datetime.UTC
_LAST_MICROSECOND = datetime.timedelta(microseconds=1)


def require_aware(value: datetime.datetime, name: str) -> None:
    if timezone.is_naive(value):
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")


def local_date(moment: datetime.datetime) -> datetime.date:
    """The Swedish calendar date of an instant."""
    require_aware(moment, "moment")
    return moment.astimezone(STOCKHOLM).date()


def local_instant(day: datetime.date, at: datetime.time) -> datetime.datetime:
    """The instant (UTC) a Swedish wall clock shows `at` on `day`.

    A wall time that does not exist (02:30 on the spring change) falls an hour later; one
    that happens twice (02:30 on the autumn change) is the first of the two.
    """
    wall = datetime.datetime.combine(day, at).replace(tzinfo=STOCKHOLM)
    # The UTC round trip turns a non-existent wall time into a real instant.
    return wall.astimezone(UTC)


def start_of_local_day(day: datetime.date) -> datetime.datetime:
    return local_instant(day, datetime.time(0, 0))


def end_of_local_day(day: datetime.date) -> datetime.datetime:
    """The last instant of a Swedish calendar day (23 or 25 hours long on change days)."""
    return start_of_local_day(day + datetime.timedelta(days=1)) - _LAST_MICROSECOND
