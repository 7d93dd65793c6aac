"""The monthly national statistics: utskrivningsklara days and patients per municipality and
month, somatic and psychiatric care apart, as the regions report them to the national
waiting-times statistics.

Counting rules (tested in tests/test_national.py, across month ends and daylight saving):

- **Local dates.** Every moment is turned into the Swedish calendar date it fell on
  (Europe/Stockholm, samplan.core.localtime): a message sent at 00:30 on 1 March counts on
  1 March although it is still February in UTC. A day is a calendar date, whether it is 23,
  24 or 25 hours long (the daylight-saving Sundays of March and October count once each).
- **When a message happened**: its late-entry time when it was entered afterwards, else its
  send time. A cancelled (makulerad) message never counts, as if it had never been sent.
- **A ready period** starts with a ready-for-discharge notice and ends with the first later
  message of: readiness withdrawn, the discharge notice, the case withdrawn (the person died,
  moved, ...). A ready notice while already ready changes nothing; after a withdrawal, a new
  ready notice starts a new period.
- **Which days count**: not the day of the ready notice; every following date up to and
  including the date the period ends: the discharge day counts (the night into it was spent in
  hospital while ready), and so does the day readiness was withdrawn. Ready Monday, discharged
  Friday: Tuesday to Friday, 4 days (the days of the ready-days report). Ready and discharged
  the same day: 0 days. A period still running counts to the last day of the month (or to
  today for the current month, which is preliminary).
- **Stays spanning months**: each day counts in the month of its date, so a stay ready on
  30 January and discharged on 3 February gives 1 day (31 January) to January and 3 to
  February, and its patient counts in both months.
- **Patients**: the distinct persons with at least one counted day in the month, per
  municipality and care type (a person counted twice in one month only once; one with
  somatic and psychiatric stays in both lines).
- **Municipality and care type** are the case's: the municipality it plans the discharge with,
  and somatic or psychiatric care after its ward. Cases without a municipality (the person
  needs no municipal services) are not counted.

How: the facts refresh (reports.facts) works out each case's ready periods from its standing
messages when the case changes and stores them on its CaseFact (ready_periods, with the first
ready date and the last end for the index), so a month is counted from one query over the
facts of the cases ready at some time in it.

Reproducible months. The figures come from the cases' messages, and cases are corrected
afterwards: a ready notice cancelled, a discharge entered late, the municipality changed. A
month sent to the national statistics must give the same figure whenever it is asked for, so
a closed month is counted once and frozen: the first time it is asked for (the page, its
CSV, or `manage.py reports_national_statistics`, which a timer runs on the 1st of each month
for the month just ended) its figures are stored as a StatisticsSnapshot of the region with
its StatisticsRows, and read from there ever after. A system administrator of the region can
recount a month (after late corrections, before the figures are sent): a new snapshot is made,
the old one is kept with its time of being superseded (the page lists the history) and the
recount is written to the administrative change history. The current month is counted live
and marked preliminary; it is never stored. (Counting "as known at a given time" from the
messages' send and cancel times was the alternative; but a case's municipality and care type
are not versioned, so it would not give the same figure for a changed case; a stored snapshot
does, and says plainly when and by whom it was made.)
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from samplan.core.localtime import local_date
from samplan.core.message_types import MessageType
from samplan.organizations.terms import CareType
from samplan.reports.models import CaseFact

M = MessageType
READY_ENDS = {M.READINESS_WITHDRAWN, M.DISCHARGE_NOTICE, M.CASE_WITHDRAWN}
STAY_ENDS = {M.DISCHARGE_NOTICE, M.CASE_WITHDRAWN}
CARE_TYPES = (CareType.SOMATIC, CareType.PSYCHIATRIC)


@dataclass(frozen=True)
class Line:
    municipality_id: int
    care_type: str
    days: int
    patients: int


def month_first(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_last(first: datetime.date) -> datetime.date:
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def is_closed(first: datetime.date, today: datetime.date) -> bool:
    """A month is closed once its last day has passed (Swedish local dates)."""
    return month_last(first) < today


Period = tuple[datetime.date, datetime.date | None]  # (ready on, ended on; None: running)


def ready_periods(events: Iterable[tuple[str, datetime.datetime]]) -> list[Period]:
    """A case's ready periods (the rules above) from its standing ready, withdrawn, discharge
    and case-withdrawn messages in time order: (the local date of the ready notice, the local
    date the period ended, or None while it runs)."""
    periods: list[Period] = []
    ready_on: datetime.date | None = None
    for message_type, at in events:
        if message_type == M.READY_FOR_DISCHARGE:
            if ready_on is None:
                ready_on = local_date(at)
        elif message_type in READY_ENDS:
            if ready_on is not None:
                periods.append((ready_on, local_date(at)))
                ready_on = None
            if message_type in STAY_ENDS:
                return periods
    if ready_on is not None:
        periods.append((ready_on, None))
    return periods


def periods_text(periods: list[Period]) -> str:
    """As CaseFact.ready_periods stores them: "2026-01-05/2026-01-07;2026-01-09/"."""
    return ";".join(
        f"{start:%Y-%m-%d}/{end:%Y-%m-%d}" if end else f"{start:%Y-%m-%d}/"
        for start, end in periods
    )


def parse_periods(text: str) -> list[Period]:
    periods: list[Period] = []
    for part in filter(None, text.split(";")):
        start, _, end = part.partition("/")
        periods.append(
            (
                datetime.date.fromisoformat(start),
                datetime.date.fromisoformat(end) if end else None,
            )
        )
    return periods


def days_in_month(
    periods: list[Period], first: datetime.date, last: datetime.date, until: datetime.date
) -> int:
    """The days of a case's periods that count in the month first..last: from the day after
    the ready notice to the day the period ended, a period still running to `until` (the
    month's last day, or today)."""
    days = 0
    for start, end in periods:
        low = max(start + datetime.timedelta(days=1), first)
        high = min(end or until, last, until)
        days += max(0, (high - low).days + 1)
    return days


def ready_days_in(
    events: list[tuple[str, datetime.datetime]],
    first: datetime.date,
    last: datetime.date,
    until: datetime.date,
) -> int:
    """The days of one case that count in the month, from its messages."""
    return days_in_month(ready_periods(events), first, last, until)


def count_month(
    region_id: int | None, first: datetime.date, today: datetime.date, municipality_id=None
) -> list[Line]:
    """The month's lines for a region (or, with region_id None, every region) and optionally
    one municipality: one query over the report facts, whose ready periods the facts refresh
    works out from the messages (reports.facts), so they must be fresh."""
    last = month_last(first)
    until = min(last, today)
    cases = CaseFact.objects.filter(
        Q(ready_until__gte=first) | Q(ready_until__isnull=True),
        ready_from__lte=last,
        municipality_id__isnull=False,
    )
    if region_id is not None:
        cases = cases.filter(region_id=region_id)
    if municipality_id is not None:
        cases = cases.filter(municipality_id=municipality_id)
    days: dict[tuple[int, str], int] = defaultdict(int)
    patients: dict[tuple[int, str], set[int]] = defaultdict(set)
    rows = cases.values_list("patient_id", "municipality_id", "care_type", "ready_periods")
    for patient_id, municipality, care_type, text in rows.order_by():
        counted = days_in_month(parse_periods(text), first, last, until)
        if counted:
            days[(municipality, care_type)] += counted
            patients[(municipality, care_type)].add(patient_id)
    return [
        Line(municipality, care_type, days[(municipality, care_type)], len(people))
        for (municipality, care_type), people in sorted(patients.items())
    ]
