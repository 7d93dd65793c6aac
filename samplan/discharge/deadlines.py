"""Deadlines of the discharge process (domain.md §5), as pure functions of stored timestamps.

Every deadline is computed from when something happened (a delivery arrived, the person was
admitted, the ready notice was sent), never from when a page is viewed; `now` only decides
whether an unmet deadline has passed yet.

Conventions, the same for every deadline here:
- Inputs must be aware datetimes (any zone); results are aware datetimes in UTC, the zone
  they are stored in. Templates show them in Swedish local time.
- A deadline is an instant that is itself still in time: met when done at or before `due_at`,
  overdue once `now` is after it. Deadlines that run "to the end of a day" therefore end at
  23:59:59.999999 Swedish local time (shown as 23:59).
- Days are calendar days in Europe/Stockholm; weekends and holidays count (see AgreementTerms).

The rules:
- acknowledgement: by the first cut-off (default 12:00 local) after arrival. Arriving at 11:59
  is due 12:00 the same day; arriving at 12:00:00 exactly or later is due 12:00 the next day.
- admission notice: within `admission_notice_hours` (24) elapsed hours of admission, or of the
  doctor's later assessment that services may be needed. Elapsed hours, so over a
  daylight-saving change the local clock reading of the deadline moves by an hour.
- SIP summons: by the end of the `summons_days`-th (3rd) calendar day after the local date the
  (latest) ready notice was sent; ready on Monday at any hour → due Thursday 23:59:59 local.
  The cut-off does not move this date (it only moves day 0 of the payment liability).
- discharge information: by the end of the local day of discharge.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from samplan.core.localtime import UTC, end_of_local_day, local_date
from samplan.core.localtime import require_aware as _require_aware
from samplan.organizations.terms import DEFAULT_TERMS, AgreementTerms, first_cutoff_after


def admission_notice_start(
    admitted_at: datetime.datetime, services_need_assessed_at: datetime.datetime | None
) -> datetime.datetime:
    """What the admission notice's period counts from: the admission, or the doctor's later
    assessment that the person may need services after discharge."""
    return services_need_assessed_at or admitted_at


def admission_notice_deadline(
    start_at: datetime.datetime, terms: AgreementTerms = DEFAULT_TERMS
) -> datetime.datetime:
    """When the admission notice must have been sent; `start_at` is the admission, or the
    doctor's later assessment that the person may need services after discharge."""
    _require_aware(start_at, "start_at")
    # In UTC: adding hours to a Stockholm-zoned datetime would add wall-clock hours.
    return start_at.astimezone(UTC) + datetime.timedelta(hours=terms.admission_notice_hours)


def summons_deadline(
    ready_at: datetime.datetime, terms: AgreementTerms = DEFAULT_TERMS
) -> datetime.datetime:
    """When the care contact must have sent the SIP summons, counted from the ready notice."""
    _require_aware(ready_at, "ready_at")
    return end_of_local_day(local_date(ready_at) + datetime.timedelta(days=terms.summons_days))


def discharge_info_deadline(discharged_at: datetime.datetime) -> datetime.datetime:
    """Information at discharge is due no later than the (local) day of discharge."""
    _require_aware(discharged_at, "discharged_at")
    return end_of_local_day(local_date(discharged_at))


@dataclass(frozen=True)
class DeadlineStatus:
    """A deadline as of `now`: when it is due, whether and when it was met, and whether late.

    `met_at` is None when the thing had not happened by `now` (a later event is not yet known
    at `now`). `overdue` marks an open item whose deadline has passed (what the inbox and the
    case page flag); `late` marks one that was done, but after its deadline (evidence for
    reports).
    """

    due_at: datetime.datetime
    met_at: datetime.datetime | None
    now: datetime.datetime
    overdue: bool
    late: bool

    @property
    def met(self) -> bool:
        return self.met_at is not None

    @property
    def state(self) -> str:
        """One word for templates: met, late, overdue or pending."""
        if self.met_at is not None:
            return "late" if self.late else "met"
        return "overdue" if self.overdue else "pending"


def deadline_status(
    *,
    due_at: datetime.datetime,
    met_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> DeadlineStatus:
    now = now or timezone.now()
    _require_aware(due_at, "due_at")
    _require_aware(now, "now")
    if met_at is not None:
        _require_aware(met_at, "met_at")
        if met_at > now:
            met_at = None
    return DeadlineStatus(
        due_at=due_at,
        met_at=met_at,
        now=now,
        overdue=met_at is None and now > due_at,
        late=met_at is not None and met_at > due_at,
    )


def acknowledgement_status(
    arrived_at: datetime.datetime,
    acknowledged_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
    terms: AgreementTerms = DEFAULT_TERMS,
) -> DeadlineStatus:
    return deadline_status(
        due_at=first_cutoff_after(arrived_at, terms), met_at=acknowledged_at, now=now
    )


def acknowledgement_overdue(
    arrived_at: datetime.datetime,
    acknowledged_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
    terms: AgreementTerms = DEFAULT_TERMS,
) -> bool:
    """True while a delivery is unacknowledged and the first cut-off after its arrival has
    passed (domain.md §5): the inbox's "overdue" mark."""
    return acknowledgement_status(arrived_at, acknowledged_at, now, terms).overdue


@dataclass(frozen=True)
class CaseDeadlines:
    """When each of a case's obligations falls due (domain.md §5), the one computation the case
    page, Översikt's cells and (in SQL, held equal by a test) its overdue filter share.

    `summons` is None until the person is ready for discharge; `discharge_info` until the
    person is discharged. Who must act, and whether it was done, is the caller's to say.
    """

    admission_notice: datetime.datetime
    summons: datetime.datetime | None
    discharge_info: datetime.datetime | None


def case_deadlines(
    *,
    admitted_at: datetime.datetime,
    services_need_assessed_at: datetime.datetime | None,
    ready_at: datetime.datetime | None,
    discharged_at: datetime.datetime | None,
    terms: AgreementTerms = DEFAULT_TERMS,
) -> CaseDeadlines:
    """The case's deadlines from when things happened: `ready_at` is the (latest standing)
    ready notice, `discharged_at` the discharge."""
    return CaseDeadlines(
        admission_notice=admission_notice_deadline(
            admission_notice_start(admitted_at, services_need_assessed_at), terms
        ),
        summons=summons_deadline(ready_at, terms) if ready_at is not None else None,
        discharge_info=discharge_info_deadline(discharged_at) if discharged_at else None,
    )
