"""The review flags are worked out when a row is written (domain.md §8)."""

import datetime

import pytest
import time_machine

from samplan.auditlog.access_log import access_log_record
from samplan.auditlog.flags import parse_opening_hours
from samplan.auditlog.models import AccessLogEntry
from samplan.auditlog.testing import log_access
from samplan.core.actor import Actor
from samplan.core.localtime import STOCKHOLM
from samplan.patients.models import Protection
from samplan.patients.testing import PatientFactory

MON, SAT = 0, 5


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A time in the week of Monday 2026-03-02 (Stockholm)."""
    return datetime.datetime(2026, 3, 2 + day, hour, minute, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        (
            "Mån–fre 08.00–16.30",
            [at(MON, 8), at(4, 16, 29)],
            [at(MON, 7, 59), at(MON, 16, 30), at(SAT, 10)],
        ),
        ("Vardagar 8–17", [at(2, 12)], [at(2, 17), at(6, 12)]),
        ("mån-tors 7.30-16, fre 7.30-15", [at(3, 15, 59), at(4, 14)], [at(4, 15, 30)]),
        ("Mån–fre 08.00–17.00, telefontid 08.00–10.00", [at(1, 16)], [at(1, 18)]),
        ("Helger 10–14", [at(SAT, 11), at(6, 13)], [at(MON, 11)]),
        ("fre–mån 22–23", [at(SAT, 22, 30), at(MON, 22, 30)], [at(2, 22, 30)]),
        ("Dygnet runt", [at(SAT, 3)], []),
        ("Dygnet runt; arbetsledning mån–fre 07.00–16.00", [at(6, 2)], []),
        ("alla dagar 06:00 - 22:00", [at(6, 6)], [at(6, 23)]),
    ],
)
def test_opening_hours_are_understood(text, inside, outside):
    hours = parse_opening_hours(text)
    assert hours is not None
    assert all(hours.covers(moment) for moment in inside)
    assert not any(hours.covers(moment) for moment in outside)


@pytest.mark.parametrize("text", ["", "Ring först", "enligt överenskommelse", "mån–fre 17–08"])
def test_unreadable_opening_hours_give_none(text):
    assert parse_opening_hours(text) is None


def test_outside_hours_uses_the_units_hours(cast):
    cast.ward.opening_hours = "Dygnet runt"
    cast.home_care.opening_hours = "Mån–fre 08.00–16.00"
    with time_machine.travel(at(SAT, 3), tick=False):
        assert not log_access(cast.ward_nurse, cast.ward).outside_hours
        assert log_access(cast.home_care_nurse, cast.home_care).outside_hours
    with time_machine.travel(at(MON, 9), tick=False):
        assert not log_access(cast.home_care_nurse, cast.home_care).outside_hours


def test_without_readable_hours_weekdays_seven_to_eighteen_apply(cast):
    cast.care_centre.opening_hours = "Ring växeln"
    with time_machine.travel(at(MON, 7, 30), tick=False):
        assert not log_access(cast.care_centre_nurse, cast.care_centre).outside_hours
    with time_machine.travel(at(MON, 18, 5), tick=False):
        assert log_access(cast.care_centre_nurse, cast.care_centre).outside_hours
    with time_machine.travel(at(SAT, 12), tick=False):
        assert log_access(cast.care_centre_nurse, cast.care_centre).outside_hours


def test_protected_identity_at_the_time(cast):
    protected = PatientFactory(protection=Protection.PROTECTED_REGISTRATION)
    assert log_access(cast.ward_nurse, cast.ward, protected).protected_identity
    assert not log_access(cast.ward_nurse, cast.ward, PatientFactory()).protected_identity


def test_not_participant_when_the_unit_has_no_relation(cast, monkeypatch):
    from samplan.patients import relations

    patient = PatientFactory()
    monkeypatch.setitem(
        relations._checks,
        "tests.fake",
        lambda unit, p: (unit.pk, p.pk) == (cast.ward.pk, patient.pk),
    )
    assert not log_access(cast.ward_nurse, cast.ward, patient).not_participant
    assert log_access(cast.outsider, cast.outsider_unit, patient).not_participant
    # The caller's own answer is taken as given (it has just checked).
    assert not log_access(
        cast.outsider, cast.outsider_unit, patient, participant=True
    ).not_participant
    # No patient, nothing to be a participant of.
    assert not log_access(cast.outsider, cast.outsider_unit, None).not_participant


def test_acting_for_no_unit_counts_as_not_participant(cast):
    patient = PatientFactory()
    actor = Actor(user=cast.municipal_local_admin, unit=None)
    row = access_log_record(actor=actor, patient=patient, action="search")
    entry = AccessLogEntry.objects.get(seq=row["seq"])
    assert entry.not_participant and entry.organization == cast.municipality


def test_a_search_that_showed_nobody_still_flags_a_protected_unrelated_person(cast):
    protected = PatientFactory(protection=Protection.FICTITIOUS)
    entry = log_access(
        cast.outsider,
        cast.outsider_unit,
        None,
        action="search",
        searched_identity=protected.identity_number,
    )
    assert entry.patient is None
    assert entry.protected_identity and entry.not_participant
    nobody = log_access(cast.outsider, cast.outsider_unit, None, searched_identity="191212121212")
    assert not nobody.protected_identity and not nobody.not_participant


def test_many_patients_in_a_short_time(cast, settings):
    settings.ACCESS_LOG_MANY_PATIENTS_COUNT = 3
    settings.ACCESS_LOG_MANY_PATIENTS_MINUTES = 10
    patients = [PatientFactory() for _ in range(5)]
    flags = []
    with time_machine.travel(at(MON, 10), tick=True):
        for patient in patients[:3]:
            flags.append(log_access(cast.ward_nurse, cast.ward, patient).many_patients)
        # The same person again does not count twice.
        flags.append(log_access(cast.ward_nurse, cast.ward, patients[0]).many_patients)
        flags.append(log_access(cast.ward_nurse, cast.ward, patients[3]).many_patients)
        # Another user's rows are theirs.
        flags.append(log_access(cast.two_unit_user, cast.ward, patients[4]).many_patients)
    with time_machine.travel(at(MON, 10, 11), tick=True):
        flags.append(log_access(cast.ward_nurse, cast.ward, patients[4]).many_patients)
    assert flags == [False, False, False, False, True, False, False]
