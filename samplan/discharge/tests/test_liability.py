"""Payment liability (domain.md §6), table-tested: one row per case, times in Swedish local time.

Unless a row says otherwise, a case is one where the region did its part: admitted three days
before the ready notice, the admission notice sent two hours after admission and received by
the municipality, the care contact appointed an hour after the ready notice, the SIP summons
sent a day after it, the person did not refuse, somatic care, domain.md's default terms.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from samplan.core.localtime import STOCKHOLM
from samplan.discharge.liability import (
    REASON_TEXTS,
    LiabilityReason,
    ReadyNotice,
    ReasonCode,
    day_zero,
    payment_liability,
)
from samplan.discharge.templatetags.case_blocks import case_liability
from samplan.organizations.terms import DEFAULT_TERMS, AgreementTerms

# The amounts of domain.md (2019, 2022) and two made up for these tests only (2021, 2026).
AMOUNTS = {
    2019: Decimal("7800"),
    2021: Decimal("8700"),
    2022: Decimal("9300"),
    2026: Decimal("11000"),
}
AUTO = object()


def local(text):
    return None if text is None else datetime.datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def liability(
    *,
    ready="2022-03-07 09:00",  # Monday 7 March 2022
    discharged="2022-03-11 14:00",  # Friday
    as_of=None,
    ready_received=True,
    withdrawn=(),
    admitted=AUTO,
    assessed=None,
    notice_sent=AUTO,
    notice_received=True,
    care_contact_needed=True,
    care_contact=AUTO,
    sip_needed=True,
    summons=AUTO,
    refused=False,
    care_type="somatic",
    terms=DEFAULT_TERMS,
    amounts=AMOUNTS,
):
    readies = [] if ready is None else [ready] if isinstance(ready, str) else list(ready)
    notices = [ReadyNotice(local(text)) for text in readies]
    if notices and not ready_received:
        notices[-1] = ReadyNotice(notices[-1].sent_at, received=False)
    first_ready = local(readies[0]) if readies else local("2022-03-07 09:00")
    admitted_at = first_ready - datetime.timedelta(days=3) if admitted is AUTO else local(admitted)
    return payment_liability(
        care_type=care_type,
        admitted_at=admitted_at,
        services_need_assessed_at=local(assessed),
        admission_notice_sent_at=(
            admitted_at + datetime.timedelta(hours=2) if notice_sent is AUTO else local(notice_sent)
        ),
        admission_notice_received=notice_received,
        ready_notices=notices,
        readiness_withdrawn_at=[local(text) for text in withdrawn],
        care_contact_needed=care_contact_needed,
        care_contact_appointed_at=(
            first_ready + datetime.timedelta(hours=1)
            if care_contact is AUTO
            else local(care_contact)
        ),
        sip_needed=sip_needed,
        sip_summons_sent_at=(
            first_ready + datetime.timedelta(days=1) if summons is AUTO else local(summons)
        ),
        services_refused=refused,
        discharged_at=local(discharged),
        as_of=local(as_of),
        terms=terms,
        amounts=amounts,
    )


R = ReasonCode
FIVE_PSYCHIATRIC = AgreementTerms(grace_days_psychiatric=5, agreement_id=1)


def row(name, facts, *, start, days, amount, reasons=()):
    return pytest.param(facts, start, days, amount, list(reasons), id=name)


# fmt: off
CASES = [
    # --- domain.md §6, verbatim --------------------------------------------------------------
    # Ready notice Monday 09:00 → day 0 Monday → liable from Thursday 00:00 → discharged
    # Friday 14:00 → 2 liable days (Thursday and Friday midnights).
    row("domain example: ready Monday 09:00, out Friday 14:00",
        dict(ready="2022-03-07 09:00", discharged="2022-03-11 14:00"),
        start="2022-03-10", days=2, amount="18600"),
    # Same notice at 13:00 → day 0 Tuesday → liable from Friday 00:00 → 1 liable day.
    row("domain example: ready Monday 13:00, out Friday 14:00",
        dict(ready="2022-03-07 13:00", discharged="2022-03-11 14:00"),
        start="2022-03-11", days=1, amount="9300"),

    # --- the cut-off -------------------------------------------------------------------------
    # At 12:00 exactly the cut-off has come: day 0 is Tuesday, as at 13:00.
    row("ready notice at exactly 12:00",
        dict(ready="2022-03-07 12:00"),
        start="2022-03-11", days=1, amount="9300"),
    # The last second before the cut-off still makes Monday day 0.
    row("ready notice at 11:59:59",
        dict(ready="2022-03-07 11:59:59"),
        start="2022-03-10", days=2, amount="18600"),
    # An agreement without the cut-off rule: the date sent is day 0, whatever the hour.
    row("agreement without the cut-off rule",
        dict(ready="2022-03-07 13:00", terms=AgreementTerms(cutoff_rule=False)),
        start="2022-03-10", days=2, amount="18600"),
    # An agreement with the cut-off at 10:00: a notice at 10:30 is after it.
    row("agreement with cut-off 10:00, ready 10:30",
        dict(ready="2022-03-07 10:30", terms=AgreementTerms(cutoff=datetime.time(10, 0))),
        start="2022-03-11", days=1, amount="9300"),

    # --- counting midnights ------------------------------------------------------------------
    # Discharged on Wednesday, inside the grace days: nothing to pay, and why.
    row("discharged within the grace days",
        dict(discharged="2022-03-09 16:00"),
        start="2022-03-10", days=0, amount="0", reasons=[R.DISCHARGED_BEFORE_START]),
    # Discharged at the stroke of Thursday's midnight: that midnight was not spent there.
    row("discharged at 00:00 on the first liable day",
        dict(discharged="2022-03-10 00:00"),
        start="2022-03-10", days=0, amount="0", reasons=[R.DISCHARGED_BEFORE_START]),
    # A minute after midnight: Thursday's midnight was spent in hospital.
    row("discharged at 00:01 on the first liable day",
        dict(discharged="2022-03-10 00:01"),
        start="2022-03-10", days=1, amount="9300"),
    # Still in hospital on Saturday morning: Thursday, Friday, Saturday so far.
    row("still in hospital: days so far",
        dict(discharged=None, as_of="2022-03-12 08:00"),
        start="2022-03-10", days=3, amount="27900"),
    # Still in hospital on Wednesday: the grace days are running.
    row("still in hospital within the grace days",
        dict(discharged=None, as_of="2022-03-09 10:00"),
        start="2022-03-10", days=0, amount="0", reasons=[R.GRACE_PERIOD_RUNNING]),

    # --- daylight saving ---------------------------------------------------------------------
    # Ready Thursday 26 March 2026 → liable from Sunday 29 March, the 23-hour day of the
    # spring change → out Tuesday 31 March 10:00: the 29th, 30th and 31st = 3 days.
    row("stay over the spring daylight-saving change",
        dict(ready="2026-03-26 09:00", discharged="2026-03-31 10:00"),
        start="2026-03-29", days=3, amount="33000"),
    # Ready Wednesday 21 October 2026 → liable from Saturday 24th → the 25-hour 25th → out
    # Monday 26th 08:00: 3 days.
    row("stay over the autumn daylight-saving change",
        dict(ready="2026-10-21 09:00", discharged="2026-10-26 08:00"),
        start="2026-10-24", days=3, amount="33000"),
    # Out at 00:30 the day after the spring change: 30 March's midnight was spent there
    # (counting 24-hour periods from the start would miss it).
    row("out just after midnight following the spring change",
        dict(ready="2026-03-26 09:00", discharged="2026-03-30 00:30"),
        start="2026-03-29", days=2, amount="22000"),

    # --- readiness withdrawn -----------------------------------------------------------------
    # Withdrawn on Tuesday and not given again: nothing to pay.
    row("readiness withdrawn",
        dict(withdrawn=["2022-03-08 10:00"]),
        start=None, days=0, amount="0", reasons=[R.READINESS_WITHDRAWN]),
    # Withdrawn Tuesday, ready again Wednesday 09:00: the latest notice counts and the grace
    # days start over → liable from Saturday → out Monday 14 March: Sat, Sun, Mon.
    row("readiness withdrawn and given again",
        dict(ready=["2022-03-07 09:00", "2022-03-09 09:00"], withdrawn=["2022-03-08 10:00"],
             discharged="2022-03-14 14:00"),
        start="2022-03-12", days=3, amount="27900"),

    # --- each missing condition --------------------------------------------------------------
    row("no admission notice",
        dict(notice_sent=None),
        start=None, days=0, amount="0", reasons=[R.ADMISSION_NOTICE_MISSING]),
    # Sent, but to no unit of the municipality.
    row("admission notice not received by the municipality",
        dict(notice_received=False),
        start=None, days=0, amount="0", reasons=[R.ADMISSION_NOTICE_MISSING]),
    # Admitted Friday 4 March 10:00, notice 25 hours later.
    row("admission notice sent after 24 hours",
        dict(admitted="2022-03-04 10:00", notice_sent="2022-03-05 11:00"),
        start=None, days=0, amount="0", reasons=[R.ADMISSION_NOTICE_LATE]),
    # Exactly 24 hours is still in time.
    row("admission notice sent after exactly 24 hours",
        dict(admitted="2022-03-04 10:00", notice_sent="2022-03-05 10:00"),
        start="2022-03-10", days=2, amount="18600"),
    # The 24 hours run from the doctor's later assessment that help may be needed.
    row("admission notice within 24 hours of a later assessment",
        dict(admitted="2022-03-01 10:00", assessed="2022-03-04 15:00",
             notice_sent="2022-03-05 09:00"),
        start="2022-03-10", days=2, amount="18600"),
    row("no ready notice",
        dict(ready=None),
        start=None, days=0, amount="0", reasons=[R.READY_NOTICE_MISSING]),
    row("ready notice not received by the municipality",
        dict(ready_received=False),
        start=None, days=0, amount="0", reasons=[R.READY_NOTICE_MISSING]),
    row("no care contact appointed",
        dict(care_contact=None),
        start=None, days=0, amount="0", reasons=[R.CARE_CONTACT_MISSING]),
    # Appointed an hour after the person left: not before discharge.
    row("care contact appointed after discharge",
        dict(care_contact="2022-03-11 15:00"),
        start=None, days=0, amount="0", reasons=[R.CARE_CONTACT_MISSING]),
    row("no care contact, none needed",
        dict(care_contact=None, care_contact_needed=False),
        start="2022-03-10", days=2, amount="18600"),
    row("SIP needed, no summons",
        dict(summons=None),
        start=None, days=0, amount="0", reasons=[R.SIP_SUMMONS_MISSING]),
    row("no SIP needed, no summons",
        dict(summons=None, sip_needed=False),
        start="2022-03-10", days=2, amount="18600"),
    row("the person refused the services",
        dict(refused=True),
        start=None, days=0, amount="0", reasons=[R.SERVICES_REFUSED]),
    # Every failing condition is listed, in the order of §6.
    row("several conditions missing",
        dict(notice_sent=None, care_contact=None, summons=None, refused=True),
        start=None, days=0, amount="0",
        reasons=[R.ADMISSION_NOTICE_MISSING, R.CARE_CONTACT_MISSING, R.SIP_SUMMONS_MISSING,
                 R.SERVICES_REFUSED]),

    # --- grace days --------------------------------------------------------------------------
    # Psychiatric care with 5 grace days agreed: day 0 Monday → liable from Saturday → out
    # Monday 14 March 14:00: Sat, Sun, Mon.
    row("psychiatric grace days from an agreement",
        dict(care_type="psychiatric", terms=FIVE_PSYCHIATRIC, discharged="2022-03-14 14:00"),
        start="2022-03-12", days=3, amount="27900"),
    # The same agreement, somatic care: the default 3 days still apply → Thursday to Monday.
    row("somatic grace days under the same agreement",
        dict(care_type="somatic", terms=FIVE_PSYCHIATRIC, discharged="2022-03-14 14:00"),
        start="2022-03-10", days=5, amount="46500"),
    # No grace days: liable from day 0 itself (Monday, as the notice came before noon).
    row("agreement with no grace days",
        dict(terms=AgreementTerms(grace_days_somatic=0)),
        start="2022-03-07", days=5, amount="46500"),

    # --- amounts -----------------------------------------------------------------------------
    # 2019: 7 800 kr a day.
    row("amount from 2019's row",
        dict(ready="2019-05-06 09:00", discharged="2019-05-10 14:00"),
        start="2019-05-09", days=2, amount="15600"),
    # Over New Year: 30 and 31 December at 2021's amount, 1 and 2 January at 2022's.
    row("stay over New Year: each day at its own year's amount",
        dict(ready="2021-12-27 09:00", discharged="2022-01-02 10:00"),
        start="2021-12-30", days=4, amount="36000"),
    # The agreement's own amount replaces the table.
    row("agreement's own amount per day",
        dict(terms=AgreementTerms(daily_amount=Decimal("5000"))),
        start="2022-03-10", days=2, amount="10000"),
    # No amount recorded for 2023: the days are known, the amount is not.
    row("no amount recorded for the year",
        dict(ready="2023-03-06 09:00", discharged="2023-03-10 14:00"),
        start="2023-03-09", days=2, amount=None),
]
# fmt: on


@pytest.mark.parametrize("facts, start, days, amount, reasons", CASES)
def test_payment_liability(facts, start, days, amount, reasons):
    result = liability(**facts)
    assert (result.start_date and result.start_date.isoformat()) == start
    assert result.liable_days == days
    assert result.amount == (None if amount is None else Decimal(amount))
    assert result.reason_codes == reasons


def test_missing_amount_names_the_year():
    result = liability(ready="2023-03-06 09:00", discharged="2023-03-10 14:00")
    assert result.missing_amount_years == (2023,)
    assert result.days_per_year == ((2023, 2),)


def test_new_year_days_per_year():
    result = liability(ready="2021-12-27 09:00", discharged="2022-01-02 10:00")
    assert result.days_per_year == ((2021, 2), (2022, 2))


def test_liability_starts_at_local_midnight():
    result = liability()
    assert result.starts_at == local("2022-03-10 00:00")
    assert result.day_zero == datetime.date(2022, 3, 7)
    assert result.grace_days == 3 and not result.ongoing


def test_ongoing_needs_a_time_to_count_to():
    with pytest.raises(ValueError, match="as_of"):
        liability(discharged=None)


def test_events_after_as_of_are_not_counted():
    # Looking back from Monday 12:00, neither the care contact appointed on Tuesday nor the
    # summons sent on Tuesday has happened yet.
    result = liability(care_contact="2022-03-08 10:00", discharged=None, as_of="2022-03-07 12:00")
    assert result.reason_codes == [R.CARE_CONTACT_MISSING, R.SIP_SUMMONS_MISSING]


@pytest.mark.parametrize(
    "sent, cutoff_rule, expected",
    [
        ("2022-03-07 00:00", True, "2022-03-07"),
        ("2022-03-07 11:59", True, "2022-03-07"),
        ("2022-03-07 12:00", True, "2022-03-08"),
        ("2022-03-07 23:59", True, "2022-03-08"),
        ("2022-03-07 23:59", False, "2022-03-07"),
    ],
)
def test_day_zero(sent, cutoff_rule, expected):
    terms = AgreementTerms(cutoff_rule=cutoff_rule)
    assert day_zero(local(sent), terms).isoformat() == expected


def test_every_reason_has_a_plain_swedish_text():
    codes = [value for name, value in vars(ReasonCode).items() if name.isupper()]
    assert set(codes) == set(REASON_TEXTS)
    with translation.override("sv"):
        for code in codes:
            text = LiabilityReason(code, hours=24).text
            with translation.override("en"):
                english = LiabilityReason(code, hours=24).text
            assert text != english, code
    with translation.override("sv"):
        assert LiabilityReason(R.ADMISSION_NOTICE_LATE, hours=24).text.startswith(
            "Inskrivningsmeddelandet skickades senare än 24 timmar"
        )


def test_case_page_partial_shows_start_days_amount():
    with translation.override("sv"):
        html = case_liability(liability())
    assert "2022-03-10 00:00" in html
    assert "18\xa0600 kr" in html or "18 600 kr" in html
    assert "Betalningsansvar från" in html


def test_case_page_partial_says_why_zero():
    with translation.override("sv"):
        html = case_liability(liability(refused=True))
    assert "Patienten har tackat nej till kommunens insatser." in html
    assert "Varför kommunen inte betalar" in html


def test_case_page_partial_warns_of_a_missing_amount():
    result = liability(ready="2023-03-06 09:00", discharged="2023-03-10 14:00")
    with translation.override("sv"):
        html = case_liability(result)
    assert "Belopp saknas" in html and "2023" in html
