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
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import Coalesce

from samplan.core.localtime import local_date
from samplan.core.message_types import MessageType
from samplan.messaging.models import Message
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


def ready_days_in(
    events: list[tuple[str, datetime.datetime]],
    first: datetime.date,
    last: datetime.date,
    until: datetime.date,
) -> int:
    """The days of one case that count in the month first..last (the rules above), from its
    standing ready, withdrawn, discharge and case-withdrawn messages in time order. A period
    still running at the end counts to `until` (the month's last day, or today)."""
    days = 0
    ready_on: datetime.date | None = None

    def count(start: datetime.date, end: datetime.date) -> int:
        low = max(start + datetime.timedelta(days=1), first)
        high = min(end, last)
        return max(0, (high - low).days + 1)

    for message_type, at in events:
        if message_type == M.READY_FOR_DISCHARGE:
            if ready_on is None:
                ready_on = local_date(at)
        elif message_type in READY_ENDS:
            if ready_on is not None:
                days += count(ready_on, local_date(at))
                ready_on = None
            if message_type in STAY_ENDS:
                return days
    if ready_on is not None:
        days += count(ready_on, until)
    return days


def count_month(
    region_id: int | None, first: datetime.date, today: datetime.date, municipality_id=None
) -> list[Line]:
    """The month's lines for a region (or, with region_id None, every region) and optionally
    one municipality: two queries. The facts must be fresh (reports.facts.refresh)."""
    last = month_last(first)
    until = min(last, today)
    cases = CaseFact.objects.filter(
        Q(discharged_month__isnull=True) | Q(discharged_month__gte=first),
        municipality_id__isnull=False,
        ready_at__isnull=False,
        admitted_month__lte=first,
    )
    if region_id is not None:
        cases = cases.filter(region_id=region_id)
    if municipality_id is not None:
        cases = cases.filter(municipality_id=municipality_id)
    about = {
        case_id: (patient_id, municipality, care_type)
        for case_id, patient_id, municipality, care_type in cases.values_list(
            "case_id", "patient_id", "municipality_id", "case__care_type"
        ).order_by()
    }
    events: dict[int, list[tuple[str, datetime.datetime]]] = defaultdict(list)
    rows = (
        Message.objects.filter(
            case_link__case_id__in=cases.values("case_id"),
            cancelled_at__isnull=True,
            message_type__in=[M.READY_FOR_DISCHARGE, *READY_ENDS],
        )
        .annotate(at=Coalesce("occurred_at", "sent_at"))
        .values_list("case_link__case_id", "message_type", "at")
        .order_by("at", "pk")
    )
    for case_id, message_type, at in rows:
        events[case_id].append((message_type, at))
    days: dict[tuple[int, str], int] = defaultdict(int)
    patients: dict[tuple[int, str], set[int]] = defaultdict(set)
    for case_id, case_events in events.items():
        if case_id not in about:
            continue
        counted = ready_days_in(case_events, first, last, until)
        if counted:
            patient_id, municipality, care_type = about[case_id]
            days[(municipality, care_type)] += counted
            patients[(municipality, care_type)].add(patient_id)
    return [
        Line(municipality, care_type, days[(municipality, care_type)], len(people))
        for (municipality, care_type), people in sorted(patients.items())
    ]
