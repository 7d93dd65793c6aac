"""The log-review flags (domain.md §8), worked out when an access-log row is written.

Working them out at the time of access, and storing them in the row (and in its hash), is
better evidence than working them out at review time: a review months later sees whether the
unit had a relation to the person *then*, and the unit's opening hours *then*, not today's.
It also lets the review pages filter on them in SQL with no per-row checks.

- not_participant: the acting unit had no need-to-know relation to the person (no case or
  plan it took part in, no row of its own in the addressing register), or the user acted for
  no unit at all. Callers that have just checked the relation pass it (`participant=`), so
  the check is not run twice; otherwise it is run here (samplan.patients.relations). A
  search that found a person the unit has no relation to (shown as "not found") is flagged
  too: the number is looked up for the flag, without being shown.
- protected_identity: the person had protected identity (any kind) at the time.
- outside_hours: the time of access falls outside the unit's usual hours, read from the
  unit's opening hours when they can be understood (see `parse_opening_hours`), else the
  default of settings.ACCESS_LOG_DEFAULT_HOURS (weekdays 07:00–18:00). Swedish local time.
  Public holidays are not known and count as ordinary weekdays.
- many_patients: with this row, the user has looked at more than
  settings.ACCESS_LOG_MANY_PATIENTS_COUNT (20) different persons within the last
  settings.ACCESS_LOG_MANY_PATIENTS_MINUTES (10) minutes. The row that crosses the line and
  every later one in the window are flagged; the review page links to the user's rows
  around it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet

from samplan.auditlog.subjects import subjects
from samplan.core.localtime import STOCKHOLM
from samplan.core.prepared import prepared

if TYPE_CHECKING:
    from samplan.accounts.models import User
    from samplan.organizations.models import Unit
    from samplan.patients.models import Patient

# Weekday numbers as datetime.date.weekday(): Monday 0 ... Sunday 6.
_DAY_WORDS = {
    "mån": 0,
    "må": 0,
    "tis": 1,
    "ti": 1,
    "ons": 2,
    "on": 2,
    "tor": 3,
    "tors": 3,
    "to": 3,
    "fre": 4,
    "fr": 4,
    "lör": 5,
    "lö": 5,
    "sön": 6,
    "sö": 6,
}
_DAY_GROUPS = {
    "vardagar": (0, 1, 2, 3, 4),
    "helger": (5, 6),
    "helgdagar": (5, 6),
    "alla dagar": (0, 1, 2, 3, 4, 5, 6),
    "dagligen": (0, 1, 2, 3, 4, 5, 6),
}
_ALWAYS = re.compile(r"^\s*(dygnet runt|hela dygnet|alltid öppet|24/7|00[.:]?00\s*[-–]\s*24)")
_DASH = r"\s*[-–—]\s*"
_DAY = r"(?:mån|må|tis|ti|ons|on|tors|tor|to|fre|fr|lör|lö|sön|sö)\w*\.?"
_TIME = r"(\d{1,2})(?:[.:](\d{2}))?"
_CLAUSE = re.compile(
    rf"^\s*(?P<days>vardagar|helgdagar|helger|alla dagar|dagligen|{_DAY}(?:{_DASH}{_DAY})?)"
    rf"\s*:?\s*(?:kl\.?\s*)?{_TIME}{_DASH}{_TIME}\s*$"
)


@dataclass(frozen=True)
class UsualHours:
    """Open windows per weekday (0 = Monday): minutes from midnight, [start, end)."""

    windows: dict[int, tuple[tuple[int, int], ...]]
    always: bool = False
    understood: bool = True

    def covers(self, moment: datetime.datetime) -> bool:
        if self.always:
            return True
        local = moment.astimezone(STOCKHOLM)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.windows.get(local.weekday(), ()))


def _day_number(word: str) -> int:
    word = word.rstrip(".")
    for length in (4, 3, 2):
        if word[:length] in _DAY_WORDS:
            return _DAY_WORDS[word[:length]]
    raise ValueError(word)


def _days(spec: str) -> tuple[int, ...]:
    if spec in _DAY_GROUPS:
        return _DAY_GROUPS[spec]
    parts = re.split(_DASH, spec)
    first = _day_number(parts[0])
    last = _day_number(parts[-1])
    if last < first:  # fre–mån wraps over the weekend
        return tuple(range(first, 7)) + tuple(range(0, last + 1))
    return tuple(range(first, last + 1))


def _minutes(hour: str, minute: str | None) -> int:
    value = int(hour) * 60 + int(minute or 0)
    if value > 24 * 60:
        raise ValueError(hour)
    return value


@lru_cache(maxsize=1024)
def parse_opening_hours(text: str) -> UsualHours | None:
    """The usual hours in a unit's free-text opening hours, or None when not understood.

    Understood: "Dygnet runt" (also before a ";" or ","), and one or more clauses of days and
    a time range separated by "," or ";", such as "Mån–fre 08.00–16.30", "Vardagar 8–17",
    "mån-tors 7.30-16, fre 7.30-15", "Helger 10–14". Clauses that name no days (e.g.
    "telefontid 08.00–10.00") are skipped, as are additions after the first clause that
    are not opening hours. Nothing understood at all: None.
    """
    lowered = text.strip().lower()
    if not lowered:
        return None
    if _ALWAYS.match(lowered):
        return UsualHours(windows={}, always=True)
    windows: dict[int, list[tuple[int, int]]] = {}
    for clause in re.split(r"[,;]", lowered):
        match = _CLAUSE.match(clause)
        if match is None:
            continue
        try:
            days = _days(match["days"])
            start = _minutes(match.group(2), match.group(3))
            end = _minutes(match.group(4), match.group(5))
        except ValueError:
            continue
        if end <= start:
            continue
        for day in days:
            windows.setdefault(day, []).append((start, end))
    if not windows:
        return None
    return UsualHours(windows={day: tuple(spans) for day, spans in windows.items()})


def default_hours() -> UsualHours:
    """settings.ACCESS_LOG_DEFAULT_HOURS: (first weekday, last weekday, start hour, end hour)."""
    first, last, start, end = settings.ACCESS_LOG_DEFAULT_HOURS
    span = ((start * 60, end * 60),)
    return UsualHours(windows={day: span for day in range(first, last + 1)}, understood=False)


def usual_hours(unit: Unit) -> UsualHours:
    return parse_opening_hours(unit.opening_hours or "") or default_hours()


def outside_usual_hours(unit: Unit | None, moment: datetime.datetime) -> bool:
    if unit is None:
        return not default_hours().covers(moment)
    return not usual_hours(unit).covers(moment)


@dataclass(frozen=True)
class ManyPatientsCheck:
    """The "many patients" question for one row: with `patient_id`, has the user looked at
    more than `limit` different persons since `since`? The chain asks it as it writes the
    row (on PostgreSQL inside the statement that writes it, samplan.auditlog.chain), or
    `answer()` asks it here: the same indexed query either way."""

    user_id: int
    patient_id: int
    since: datetime.datetime
    limit: int

    def answer(self) -> bool:
        recent = set(_patients_seen_since(user_id=self.user_id, since=self.since, limit=self.limit))
        recent.add(self.patient_id)
        return len(recent) > self.limit


def many_patients_check(
    user: User, patient_id: int | None, moment: datetime.datetime
) -> ManyPatientsCheck | None:
    """The question for a row written at `moment` (None: no person, so no flag)."""
    if patient_id is None:
        return None
    return ManyPatientsCheck(
        user_id=user.pk,
        patient_id=patient_id,
        since=moment - datetime.timedelta(minutes=settings.ACCESS_LOG_MANY_PATIENTS_MINUTES),
        limit=settings.ACCESS_LOG_MANY_PATIENTS_COUNT,
    )


def many_patients_at(user: User, patient_id: int | None, moment: datetime.datetime) -> bool:
    """Whether, with `patient_id`, the user has looked at more than the configured number of
    different persons within the configured minutes before `moment` (one indexed query)."""
    check = many_patients_check(user, patient_id, moment)
    return check is not None and check.answer()


def _usual_many_patients_call() -> list[dict]:
    limit = settings.ACCESS_LOG_MANY_PATIENTS_COUNT
    return [{"user_id": 1, "since": datetime.datetime.now(datetime.UTC), "limit": limit}]


@prepared(shape=("limit",), warm=_usual_many_patients_call)
def _patients_seen_since(*, user_id: int, since: datetime.datetime, limit: int) -> QuerySet:
    """Up to limit + 1 different persons in the user's log rows since `since`."""
    from samplan.auditlog.models import AccessLogEntry

    return (
        AccessLogEntry.objects.filter(user_id=user_id, at__gte=since, patient__isnull=False)
        .order_by()
        .values_list("patient_id", flat=True)
        .distinct()[: limit + 1]
    )


def not_participant(unit: Unit | None, patient: Patient | None, participant: bool | None) -> bool:
    if patient is None:
        return False
    if unit is None:
        return True
    if participant is not None:
        return not participant
    return not subjects().unit_has_relation(unit, patient)
