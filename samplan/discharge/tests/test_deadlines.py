"""Deadlines of domain.md §5, with frozen clocks, at the cut-off, across midnight and across
both daylight-saving changes of 2026 in Europe/Stockholm (29 March: 02:00 → 03:00;
25 October: 03:00 → 02:00)."""

import datetime

import pytest

from samplan.core.localtime import (
    STOCKHOLM,
    end_of_local_day,
    local_date,
    local_instant,
    start_of_local_day,
)
from samplan.discharge.deadlines import (
    acknowledgement_overdue,
    acknowledgement_status,
    admission_notice_deadline,
    deadline_status,
    discharge_info_deadline,
    summons_deadline,
)
from samplan.organizations.terms import AgreementTerms, first_cutoff_after

UTC = datetime.UTC


def local(text: str) -> datetime.datetime:
    """A Swedish wall-clock time, e.g. "2026-03-02 11:59" or "2026-03-02 11:59:59.999999"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "arrived, due",
    [
        # Monday 2 March 2026 (winter time, UTC+1).
        ("2026-03-02 00:00", "2026-03-02 12:00"),  # just after midnight: same day
        ("2026-03-02 11:59", "2026-03-02 12:00"),  # a minute before the cut-off: same day
        ("2026-03-02 11:59:59.999999", "2026-03-02 12:00"),  # the last instant before it
        ("2026-03-02 12:00", "2026-03-03 12:00"),  # at the cut-off exactly: next day
        ("2026-03-02 12:00:00.000001", "2026-03-03 12:00"),
        ("2026-03-02 23:59", "2026-03-03 12:00"),  # late evening
        ("2026-03-03 00:01", "2026-03-03 12:00"),  # across midnight: the new day's cut-off
        # Weekends count: Friday afternoon is due Saturday noon.
        ("2026-03-06 14:00", "2026-03-07 12:00"),
        # Spring change: Saturday afternoon is due Sunday 12:00 summer time (22 hours later).
        ("2026-03-28 13:00", "2026-03-29 12:00"),
        ("2026-03-29 02:59", "2026-03-29 12:00"),  # (02:59 does not exist; it is 03:59)
        # Autumn change: Saturday afternoon is due Sunday 12:00 winter time (24 hours later).
        ("2026-10-24 13:00", "2026-10-25 12:00"),
        ("2026-10-25 12:00", "2026-10-26 12:00"),
    ],
)
def test_first_cutoff_after(arrived, due):
    assert first_cutoff_after(local(arrived)) == local(due)


def test_cutoff_across_the_changes_in_utc():
    # The same wall-clock noon is a different UTC hour on either side of a change.
    assert first_cutoff_after(local("2026-03-28 13:00")) == utc("2026-03-29 10:00")
    assert first_cutoff_after(local("2026-10-24 13:00")) == utc("2026-10-25 11:00")


def test_cutoff_is_local_whatever_zone_the_input_is_in():
    # 10:59 UTC is 11:59 in Stockholm in winter: still before that day's cut-off.
    assert first_cutoff_after(utc("2026-03-02 10:59")) == local("2026-03-02 12:00")
    # 23:30 UTC on 2 March is 00:30 on 3 March in Stockholm.
    assert first_cutoff_after(utc("2026-03-02 23:30")) == local("2026-03-03 12:00")


def test_results_are_utc():
    assert first_cutoff_after(local("2026-03-02 09:00")).tzinfo == UTC
    assert summons_deadline(local("2026-03-02 09:00")).tzinfo == UTC


def test_agreement_cutoff():
    terms = AgreementTerms(cutoff=datetime.time(10, 0))
    assert first_cutoff_after(local("2026-03-02 09:59"), terms) == local("2026-03-02 10:00")
    assert first_cutoff_after(local("2026-03-02 10:00"), terms) == local("2026-03-03 10:00")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        first_cutoff_after(datetime.datetime(2026, 3, 2, 11, 0))


class TestAcknowledgementWithAFrozenClock:
    arrived = local("2026-03-02 11:59")

    def test_not_overdue_until_after_the_cutoff(self, time_machine):
        time_machine.move_to(local("2026-03-02 12:00"), tick=False)
        assert not acknowledgement_overdue(self.arrived, None)
        time_machine.move_to(local("2026-03-02 12:00:01"), tick=False)
        assert acknowledgement_overdue(self.arrived, None)

    def test_acknowledged_at_the_cutoff_is_in_time(self, time_machine):
        time_machine.move_to(local("2026-03-04 08:00"), tick=False)
        status = acknowledgement_status(self.arrived, local("2026-03-02 12:00"))
        assert (status.overdue, status.late, status.state) == (False, False, "met")

    def test_acknowledged_late_is_no_longer_overdue_but_late(self, time_machine):
        time_machine.move_to(local("2026-03-04 08:00"), tick=False)
        status = acknowledgement_status(self.arrived, local("2026-03-02 12:05"))
        assert (status.overdue, status.late, status.state) == (False, True, "late")
        assert not acknowledgement_overdue(self.arrived, local("2026-03-02 12:05"))

    def test_arrived_at_noon_overdue_the_next_day(self, time_machine):
        arrived = local("2026-03-02 12:00")
        time_machine.move_to(local("2026-03-03 11:00"), tick=False)
        assert acknowledgement_status(arrived, None).state == "pending"
        time_machine.move_to(local("2026-03-03 12:30"), tick=False)
        assert acknowledgement_status(arrived, None).state == "overdue"

    def test_the_page_view_time_does_not_move_the_deadline(self, time_machine):
        time_machine.move_to(local("2026-03-20 16:00"), tick=False)
        status = acknowledgement_status(self.arrived, None)
        assert status.due_at == local("2026-03-02 12:00")

    def test_across_the_spring_change(self, time_machine):
        arrived = local("2026-03-28 13:00")
        time_machine.move_to(local("2026-03-29 11:59"), tick=False)  # 09:59 UTC
        assert not acknowledgement_overdue(arrived, None)
        # Noon is 10:00 UTC in summer time (11:00 UTC the day before).
        time_machine.move_to(utc("2026-03-29 10:01"), tick=False)
        assert acknowledgement_overdue(arrived, None)

    def test_across_the_autumn_change(self, time_machine):
        arrived = local("2026-10-24 13:00")
        # Noon is 11:00 UTC once winter time is back (10:00 UTC the day before).
        time_machine.move_to(utc("2026-10-25 10:59"), tick=False)
        assert not acknowledgement_overdue(arrived, None)
        time_machine.move_to(utc("2026-10-25 11:01"), tick=False)
        assert acknowledgement_overdue(arrived, None)


def test_an_acknowledgement_after_now_is_not_yet_known():
    # As of Monday 15:00, an acknowledgement made on Tuesday has not happened yet.
    status = acknowledgement_status(
        local("2026-03-02 09:00"), local("2026-03-03 09:00"), now=local("2026-03-02 15:00")
    )
    assert status.met_at is None and status.overdue


@pytest.mark.parametrize(
    "start, due",
    [
        ("2026-03-02 10:00", "2026-03-03 10:00"),  # plain 24 hours
        ("2026-03-02 23:30", "2026-03-03 23:30"),  # across midnight
        # 24 elapsed hours: the clock moves an hour forward in spring, back in autumn.
        ("2026-03-28 10:00", "2026-03-29 11:00"),
        ("2026-10-24 10:00", "2026-10-25 09:00"),
    ],
)
def test_admission_notice_within_24_hours(start, due):
    assert admission_notice_deadline(local(start)) == local(due)


def test_admission_notice_hours_from_the_agreement():
    terms = AgreementTerms(admission_notice_hours=48)
    assert admission_notice_deadline(local("2026-03-02 10:00"), terms) == local("2026-03-04 10:00")


@pytest.mark.parametrize(
    "ready, due",
    [
        # Ready on Monday at any hour: due by the end of Thursday.
        ("2026-03-02 09:00", "2026-03-05 23:59:59.999999"),
        ("2026-03-02 23:30", "2026-03-05 23:59:59.999999"),
        ("2026-03-03 00:30", "2026-03-06 23:59:59.999999"),  # after midnight: a day later
        # Over the spring change (Friday → Monday in summer time).
        ("2026-03-27 15:00", "2026-03-30 23:59:59.999999"),
        # Over the autumn change.
        ("2026-10-23 15:00", "2026-10-26 23:59:59.999999"),
    ],
)
def test_summons_by_the_end_of_the_third_day(ready, due):
    assert summons_deadline(local(ready)) == local(due)


def test_summons_days_from_the_agreement():
    terms = AgreementTerms(summons_days=0)
    assert summons_deadline(local("2026-03-02 09:00"), terms) == local("2026-03-02 23:59:59.999999")


@pytest.mark.parametrize(
    "discharged, due_utc",
    [
        ("2026-03-02 14:00", "2026-03-02 22:59:59.999999"),  # winter: local end of day is 23 UTC
        ("2026-03-03 00:30", "2026-03-03 22:59:59.999999"),  # (23:30 UTC the day before)
        ("2026-03-29 14:00", "2026-03-29 21:59:59.999999"),  # spring change day, summer time
        ("2026-10-25 14:00", "2026-10-25 22:59:59.999999"),  # autumn change day, winter time
    ],
)
def test_discharge_info_by_the_end_of_the_day(discharged, due_utc):
    assert discharge_info_deadline(local(discharged)) == utc(due_utc)


def test_local_days_are_23_or_25_hours_on_change_days():
    def hours(day):
        return (end_of_local_day(day) - start_of_local_day(day)).total_seconds() / 3600

    assert round(hours(datetime.date(2026, 3, 28))) == 24
    assert round(hours(datetime.date(2026, 3, 29))) == 23
    assert round(hours(datetime.date(2026, 10, 25))) == 25


def test_wall_times_that_do_not_exist_or_happen_twice():
    # 02:30 on 29 March does not exist: it falls an hour later, 03:30 summer time.
    assert local_instant(datetime.date(2026, 3, 29), datetime.time(2, 30)) == utc(
        "2026-03-29 01:30"
    )
    # 02:30 on 25 October happens twice: the first (summer time) is taken.
    assert local_instant(datetime.date(2026, 10, 25), datetime.time(2, 30)) == utc(
        "2026-10-25 00:30"
    )
    assert local_date(utc("2026-10-24 22:30")) == datetime.date(2026, 10, 25)


@pytest.mark.parametrize(
    "met, now, state",
    [
        (None, "2026-03-02 11:00", "pending"),
        (None, "2026-03-02 12:00", "pending"),  # at the deadline it is still in time
        (None, "2026-03-02 12:01", "overdue"),
        ("2026-03-02 12:00", "2026-03-05 00:00", "met"),
        ("2026-03-02 12:01", "2026-03-05 00:00", "late"),
    ],
)
def test_deadline_status(met, now, state):
    status = deadline_status(
        due_at=local("2026-03-02 12:00"), met_at=met and local(met), now=local(now)
    )
    assert status.state == state
    assert status.met is (state in {"met", "late"})


@pytest.mark.parametrize(
    "met, now, words",
    [
        (None, "2026-03-02 11:00", ["Väntar", "senast 2026-03-02 12:00"]),
        (None, "2026-03-02 12:01", ["Försenad", "skulle vara klart senast 2026-03-02 12:00"]),
        ("2026-03-02 11:30", "2026-03-02 13:00", ["I tid", "klart 2026-03-02 11:30"]),
        ("2026-03-02 12:30", "2026-03-02 13:00", ["För sent", "klart 2026-03-02 12:30"]),
    ],
)
def test_deadline_partial_says_it_in_words(met, now, words):
    from django.utils import translation

    from samplan.discharge.templatetags.case_blocks import deadline_state

    status = deadline_status(
        due_at=local("2026-03-02 12:00"), met_at=met and local(met), now=local(now)
    )
    with translation.override("sv"):
        html = deadline_state(status)
    for word in words:
        assert word in html
