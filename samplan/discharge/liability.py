"""The municipality's payment liability (betalningsansvar, domain.md §6) as a pure function.

The rule, with the agreement's terms (defaults in brackets):
- Day 0: the Swedish local date the counted ready notice was sent if it was sent before the
  cut-off [12:00]; at the cut-off exactly or later, the next date. With the cut-off rule
  switched off, always the date it was sent.
- Liability starts at 00:00 local on day 0 + grace days [3 for somatic and psychiatric care].
- One liable day for each local midnight at or after the start at which the person was still
  in hospital: a midnight counts when discharge came after it. Discharge at 00:00:00 exactly
  does not count that midnight. Counting local midnights (not 24-hour periods) keeps the
  count right over daylight-saving changes.
- Each liable day costs the amount of its own calendar year (a day in 2025 costs 2025's
  amount), or the agreement's own amount per day when it sets one.
- The municipality pays nothing unless all of these hold; each one that fails is a reason:
  it received the admission notice, sent within [24] hours of admission (or of the doctor's
  later assessment that services may be needed); it received the counted ready notice; a
  care contact was appointed before discharge, and a SIP summons sent before discharge, each
  when needed; the person did not refuse the services; readiness was not withdrawn.
- Readiness withdrawn and given again: the latest ready notice counts, and days counted
  under an earlier, withdrawn one are dropped (the grace days start over). A withdrawal at or
  after the latest ready notice means readiness stands withdrawn: no liability.
- Before discharge the figures run up to `as_of` (the case page shows them so far), and the
  reasons say what has not happened yet; after discharge, what did not happen before it.
- The discharge time is typed in whole minutes, the messages carry seconds: a message sent in
  the minute of discharge counts as sent before it.
- `stay_liability` is the one way in: the case page and the reports both hand it the case and
  its standing messages (StayMessage), so they cannot disagree on a case's reasons.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from samplan.core.localtime import local_date, local_instant, start_of_local_day
from samplan.core.message_types import MessageType
from samplan.discharge.deadlines import admission_notice_deadline
from samplan.organizations.terms import AgreementTerms


class ReasonCode:
    """Why the municipality pays nothing. Stable codes for reports and the API."""

    ADMISSION_NOTICE_MISSING = "admission_notice_missing"
    ADMISSION_NOTICE_LATE = "admission_notice_late"
    READY_NOTICE_MISSING = "ready_notice_missing"
    READINESS_WITHDRAWN = "readiness_withdrawn"
    CARE_CONTACT_MISSING = "care_contact_missing"
    SIP_SUMMONS_MISSING = "sip_summons_missing"
    SERVICES_REFUSED = "services_refused"
    DISCHARGED_BEFORE_START = "discharged_before_start"
    GRACE_PERIOD_RUNNING = "grace_period_running"


# Plain Swedish through the catalogue; %(hours)s is the agreement's admission-notice period.
REASON_TEXTS = {
    ReasonCode.ADMISSION_NOTICE_MISSING: _(
        "The municipality has not received an admission notice."
    ),
    ReasonCode.ADMISSION_NOTICE_LATE: _(
        "The admission notice was sent more than %(hours)s hours after the admission "
        "or after the assessment that the patient may need help after discharge."
    ),
    ReasonCode.READY_NOTICE_MISSING: _(
        "The municipality has not received a notice that the patient is ready for discharge."
    ),
    ReasonCode.READINESS_WITHDRAWN: _(
        "The readiness for discharge was withdrawn and has not been given again."
    ),
    ReasonCode.CARE_CONTACT_MISSING: _("No care contact was appointed before the discharge."),
    ReasonCode.SIP_SUMMONS_MISSING: _(
        "No summons to a coordinated individual plan (SIP) was sent before the discharge, "
        "although one is needed."
    ),
    ReasonCode.SERVICES_REFUSED: _("The patient has declined the municipality's services."),
    ReasonCode.DISCHARGED_BEFORE_START: _(
        "The patient was discharged before the payment liability began."
    ),
    ReasonCode.GRACE_PERIOD_RUNNING: _("The grace days have not yet passed."),
}
# While the patient is still in hospital the same conditions can still be met: present tense.
REASON_TEXTS_ONGOING = {
    ReasonCode.CARE_CONTACT_MISSING: _("No care contact has been appointed yet."),
    ReasonCode.SIP_SUMMONS_MISSING: _(
        "No summons to a coordinated individual plan (SIP) has been sent yet, although one "
        "is needed."
    ),
}


@dataclass(frozen=True)
class LiabilityReason:
    """One reason for zero liability: a stable code and a plain Swedish text."""

    code: str
    hours: int | None = None
    ongoing: bool = False  # the patient is still in hospital

    @property
    def text(self) -> str:
        template = (self.ongoing and REASON_TEXTS_ONGOING.get(self.code)) or REASON_TEXTS[self.code]
        if self.hours is None:
            return str(template)
        return str(template) % {"hours": self.hours}

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ReadyNotice:
    """One ready-for-discharge notice that still stands (not cancelled): when the ward sent
    it and whether a unit of the municipality received it."""

    sent_at: datetime.datetime
    received: bool = True


@dataclass(frozen=True)
class LiabilityResult:
    day_zero: datetime.date | None
    start_date: datetime.date | None  # None when a condition fails
    liable_days: int
    amount: Decimal | None  # None when a liable day's year has no amount in the table
    reasons_if_zero: tuple[LiabilityReason, ...]
    grace_days: int
    ongoing: bool  # not discharged as of the computation: the figures are "so far"
    days_per_year: tuple[tuple[int, int], ...] = ()
    missing_amount_years: tuple[int, ...] = ()

    @property
    def starts_at(self) -> datetime.datetime | None:
        return None if self.start_date is None else start_of_local_day(self.start_date)

    @property
    def reason_codes(self) -> list[str]:
        return [reason.code for reason in self.reasons_if_zero]


def day_zero(ready_sent_at: datetime.datetime, terms: AgreementTerms) -> datetime.date:
    """Day 0 of the grace period for a ready notice sent at `ready_sent_at`."""
    sent_on = local_date(ready_sent_at)
    if terms.cutoff_rule and ready_sent_at >= local_instant(sent_on, terms.cutoff):
        return sent_on + datetime.timedelta(days=1)
    return sent_on


def liable_dates(start_date: datetime.date, end: datetime.datetime) -> list[datetime.date]:
    """Each local date from `start_date` whose midnight passed with the person still in
    hospital at `end` (discharge, or the time of computation)."""
    last = local_date(end)
    if start_of_local_day(last) >= end:  # ended exactly at midnight: that one not spent
        last -= datetime.timedelta(days=1)
    days = (last - start_date).days + 1
    return [start_date + datetime.timedelta(days=n) for n in range(max(days, 0))]


def payment_liability(
    *,
    care_type: str,
    admitted_at: datetime.datetime,
    services_need_assessed_at: datetime.datetime | None = None,
    admission_notice_sent_at: datetime.datetime | None,
    admission_notice_received: bool,
    ready_notices: Sequence[ReadyNotice],
    readiness_withdrawn_at: Sequence[datetime.datetime] = (),
    care_contact_needed: bool,
    care_contact_appointed_at: datetime.datetime | None,
    sip_needed: bool,
    sip_summons_sent_at: datetime.datetime | None,
    services_refused: bool,
    discharged_at: datetime.datetime | None,
    as_of: datetime.datetime | None = None,
    terms: AgreementTerms,
    amounts: Mapping[int, Decimal],
) -> LiabilityResult:
    """The municipality's payment liability for one hospital stay.

    `care_type`: CareType (process.care_type_for_ward gives it from the ward's kind).
    `admitted_at`, `services_need_assessed_at`: the 24 hours of the admission notice run from
    the later assessment when there is one, else from the admission.
    `ready_notices`, `readiness_withdrawn_at`: every ready notice and withdrawal that still
    stands (cancelled ones left out), in any order.
    `discharged_at`: None while the person is in hospital; then `as_of` (required) ends the
    count. Events after the end (discharge or `as_of`) are not counted as done.
    `amounts`: amount per day by calendar year (selectors.daily_amounts()).
    """
    if discharged_at is None and as_of is None:
        raise ValueError("as_of is required while the person is not discharged")
    if discharged_at is not None and (as_of is None or discharged_at <= as_of):
        end, ongoing = discharged_at, False
    else:
        end, ongoing = as_of, True
    assert end is not None  # for the type checker: one of the two is set

    grace = terms.grace_days(care_type)
    reasons: list[LiabilityReason] = []

    def done(at: datetime.datetime | None) -> bool:
        # Whole minutes: the discharge time is typed to the minute, messages carry seconds.
        return at is not None and at.replace(second=0, microsecond=0) <= end

    # Admission notice: received, and sent in time.
    if not admission_notice_received or not done(admission_notice_sent_at):
        reasons.append(LiabilityReason(ReasonCode.ADMISSION_NOTICE_MISSING))
    else:
        due = admission_notice_deadline(services_need_assessed_at or admitted_at, terms)
        if admission_notice_sent_at > due:
            reasons.append(
                LiabilityReason(ReasonCode.ADMISSION_NOTICE_LATE, terms.admission_notice_hours)
            )

    # Readiness: the latest ready notice counts, unless withdrawn at or after it.
    standing = sorted((n for n in ready_notices if done(n.sent_at)), key=lambda n: n.sent_at)
    latest = standing[-1] if standing else None
    if latest is None or not latest.received:
        reasons.append(LiabilityReason(ReasonCode.READY_NOTICE_MISSING))
    elif any(done(at) and at >= latest.sent_at for at in readiness_withdrawn_at):
        reasons.append(LiabilityReason(ReasonCode.READINESS_WITHDRAWN))

    if care_contact_needed and not done(care_contact_appointed_at):
        reasons.append(LiabilityReason(ReasonCode.CARE_CONTACT_MISSING, ongoing=ongoing))
    if sip_needed and not done(sip_summons_sent_at):
        reasons.append(LiabilityReason(ReasonCode.SIP_SUMMONS_MISSING, ongoing=ongoing))
    if services_refused:
        reasons.append(LiabilityReason(ReasonCode.SERVICES_REFUSED))

    zero = day_zero(latest.sent_at, terms) if latest is not None else None
    if reasons or zero is None:
        return LiabilityResult(
            day_zero=zero,
            start_date=None,
            liable_days=0,
            amount=Decimal(0),
            reasons_if_zero=tuple(reasons),
            grace_days=grace,
            ongoing=ongoing,
        )

    start = zero + datetime.timedelta(days=grace)
    dates = liable_dates(start, end)
    if not dates:
        code = ReasonCode.GRACE_PERIOD_RUNNING if ongoing else ReasonCode.DISCHARGED_BEFORE_START
        reasons.append(LiabilityReason(code))

    per_year = Counter(day.year for day in dates)
    missing: list[int] = []
    total = Decimal(0)
    for year, count in sorted(per_year.items()):
        rate = terms.daily_amount if terms.daily_amount is not None else amounts.get(year)
        if rate is None:
            missing.append(year)
        else:
            total += rate * count
    return LiabilityResult(
        day_zero=zero,
        start_date=start,
        liable_days=len(dates),
        amount=None if missing else total,
        reasons_if_zero=tuple(reasons),
        grace_days=grace,
        ongoing=ongoing,
        days_per_year=tuple(sorted(per_year.items())),
        missing_amount_years=tuple(missing),
    )


@dataclass(frozen=True)
class StayMessage:
    """One standing (not cancelled) message of a case, as the liability rules see it."""

    message_type: str
    at: datetime.datetime  # when it happened: the late-entry time, else the send time
    order: int = 0  # the message's id: the tie-break between equal times
    reached_municipality: bool = False  # a unit of the case's municipality got it
    told_discharged_at: datetime.datetime | None = None  # a discharge notice's typed time


@dataclass(frozen=True)
class Stay:
    """What the rules need of a case besides its messages."""

    care_type: str
    admitted_at: datetime.datetime
    services_need_assessed_at: datetime.datetime | None
    care_contact_needed: bool
    sip_needed: bool
    services_refused: bool
    withdrawn: bool = False  # the case was withdrawn (ended without a discharge)


def told_time(value: object) -> datetime.datetime | None:
    """A discharge notice's typed time as its content stores it (ISO, with the offset)."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def discharge_time(messages: Sequence[StayMessage]) -> datetime.datetime | None:
    """The latest discharge notice's typed discharge time, else when it was sent."""
    notices = _of_type(messages, MessageType.DISCHARGE_NOTICE)
    if not notices:
        return None
    latest = notices[-1]
    return latest.told_discharged_at or latest.at


def _of_type(messages: Sequence[StayMessage], message_type: str) -> list[StayMessage]:
    return sorted(
        (m for m in messages if m.message_type == message_type), key=lambda m: (m.at, m.order)
    )


def stay_liability(
    stay: Stay,
    messages: Sequence[StayMessage],
    *,
    now: datetime.datetime,
    terms: AgreementTerms,
    amounts: Mapping[int, Decimal],
) -> LiabilityResult:
    """The payment liability of one case from its standing messages: what the case page
    shows and what the reports count."""
    admission = _of_type(messages, MessageType.ADMISSION_NOTICE)
    contact = _of_type(messages, MessageType.CARE_CONTACT_APPOINTED)
    summons = _of_type(messages, MessageType.SIP_SUMMONS)
    discharged_at = discharge_time(messages)
    as_of = now
    if stay.withdrawn and discharged_at is None:
        withdrawals = _of_type(messages, MessageType.CASE_WITHDRAWN)
        as_of = withdrawals[-1].at if withdrawals else now
    return payment_liability(
        care_type=stay.care_type,
        admitted_at=stay.admitted_at,
        services_need_assessed_at=stay.services_need_assessed_at,
        admission_notice_sent_at=admission[0].at if admission else None,
        admission_notice_received=bool(admission) and admission[0].reached_municipality,
        ready_notices=[
            ReadyNotice(sent_at=m.at, received=m.reached_municipality)
            for m in _of_type(messages, MessageType.READY_FOR_DISCHARGE)
        ],
        readiness_withdrawn_at=[m.at for m in _of_type(messages, MessageType.READINESS_WITHDRAWN)],
        care_contact_needed=stay.care_contact_needed,
        care_contact_appointed_at=contact[0].at if contact else None,
        sip_needed=stay.sip_needed,
        sip_summons_sent_at=summons[0].at if summons else None,
        services_refused=stay.services_refused,
        discharged_at=discharged_at,
        as_of=max(as_of, discharged_at) if discharged_at else as_of,
        terms=terms,
        amounts=amounts,
    )
