"""patients.access.patient_by_identity: the one look-up of a person by identity number."""

from __future__ import annotations

from samplan.auditlog.access_log import AccessAction
from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.patients.access import Reach, patient_by_identity
from samplan.patients.testing import PatientFactory, ReservePatientFactory


def test_a_person_the_unit_has_no_relation_to_is_nobody_and_a_search_row(cast):
    person = PatientFactory()
    actor = Actor(user=cast.ward_nurse, unit=cast.ward)
    assert patient_by_identity(actor, person.identity_number) is None
    row = AccessLogEntry.objects.get()
    assert (row.patient, row.searched_identity, row.action) == (
        None,
        person.identity_number,
        "search",
    )
    assert row.not_participant  # the flags still see the person behind the number


def test_an_administrator_finds_the_real_person_behind_a_linked_reserve_number(cast):
    person = PatientFactory()
    reserve = ReservePatientFactory(merged_into=person)
    actor = Actor(user=cast.municipal_local_admin, unit=cast.municipal_admin_unit)
    found = patient_by_identity(
        actor, reserve.identity_number, reach=Reach.ADMINISTRATOR, action=AccessAction.SIMULATE
    )
    assert found == person
    row = AccessLogEntry.objects.get()
    assert (row.patient, row.searched_identity) == (person, reserve.identity_number)
    assert row.not_participant  # an administrator's look-up is flagged for review


def test_a_reviewer_is_not_flagged_and_may_log_the_found_person_itself(cast):
    person = PatientFactory()
    actor = Actor(user=cast.ward_nurse, unit=cast.ward)
    found = patient_by_identity(
        actor, person.identity_number, reach=Reach.REVIEW_ROLE, log_found=False
    )
    assert found == person and not AccessLogEntry.objects.exists()
    nobody = PatientFactory.build().identity_number
    assert patient_by_identity(actor, nobody, reach=Reach.REVIEW_ROLE, log_found=False) is None
    row = AccessLogEntry.objects.get()
    assert row.searched_identity == nobody and not row.not_participant


def test_a_view_row_names_the_person_without_repeating_the_number(cast):
    person = PatientFactory()
    actor = Actor(user=cast.municipal_local_admin, unit=cast.municipal_admin_unit)
    patient_by_identity(
        actor, person.identity_number, reach=Reach.ADMINISTRATOR, action=AccessAction.VIEW
    )
    row = AccessLogEntry.objects.get()
    assert (row.patient, row.searched_identity, row.action) == (person, "", "view")
