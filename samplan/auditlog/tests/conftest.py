"""Fixtures for the log review tests: reviewers and a small log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
import time_machine

from samplan.accounts.models import Role
from samplan.auditlog.models import AccessLogEntry
from samplan.auditlog.testing import log_access
from samplan.core.localtime import STOCKHOLM
from samplan.patients.models import Patient, Protection
from samplan.patients.testing import PatientFactory
from samplan.testing import user_with_role

# A Tuesday, inside every unit's usual hours.
DAY = datetime.datetime(2026, 3, 3, 10, 0, tzinfo=STOCKHOLM)


@dataclass
class Log:
    reviewer: object  # log reviewer of the region, acting for the care centre
    municipal_reviewer: object  # log reviewer of the municipality
    patient: Patient
    protected: Patient
    ward_row: AccessLogEntry  # the ward reads the patient
    night_row: AccessLogEntry  # the care centre at 23:00 on a Saturday
    probe_row: AccessLogEntry  # the care centre searches the protected person's number
    protected_row: AccessLogEntry  # the ward, unrelated, opens the protected person
    home_care_row: AccessLogEntry  # the municipality's row: never the region's


@pytest.fixture
def log(cast, monkeypatch) -> Log:
    from samplan.patients import relations

    patient = PatientFactory(first_name="Tyra", last_name="Testsson")
    protected = PatientFactory(
        first_name="Sara", last_name="Skyddad", protection=Protection.PROTECTED_REGISTRATION
    )
    related = {(cast.ward.pk, patient.pk), (cast.home_care.pk, patient.pk)}
    monkeypatch.setitem(relations._checks, "tests.log", lambda unit, p: (unit.pk, p.pk) in related)
    with time_machine.travel(DAY, tick=False):
        ward_row = log_access(cast.ward_nurse, cast.ward, patient, object_type="dischargecase")
        probe_row = log_access(
            cast.care_centre_nurse,
            cast.care_centre,
            None,
            action="search",
            searched_identity=protected.identity_number,
        )
        protected_row = log_access(cast.ward_nurse, cast.ward, protected)
        home_care_row = log_access(cast.home_care_nurse, cast.home_care, patient)
    with time_machine.travel(datetime.datetime(2026, 3, 7, 23, 0, tzinfo=STOCKHOLM), tick=False):
        night_row = log_access(
            cast.care_centre_nurse, cast.care_centre, patient, object_type="patient"
        )
    return Log(
        reviewer=user_with_role("granskare", cast.care_centre, Role.LOG_REVIEWER),
        municipal_reviewer=user_with_role("kgranskare", cast.home_care, Role.LOG_REVIEWER),
        patient=patient,
        protected=protected,
        ward_row=ward_row,
        night_row=night_row,
        probe_row=probe_row,
        protected_row=protected_row,
        home_care_row=home_care_row,
    )


@pytest.fixture
def as_reviewer(cast, log, login_as):
    return login_as(log.reviewer, cast.care_centre)
