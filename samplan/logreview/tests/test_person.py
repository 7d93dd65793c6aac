"""The search by patient reads the patient and their linked reserve identities in one
query (selectors.person_by_pk) and searches the rows of all of them."""

from django.urls import reverse

from samplan.auditlog.testing import log_access
from samplan.logreview.selectors import person_by_pk, person_identities
from samplan.patients.testing import PatientFactory

SEARCH = reverse("logreview:search")


def test_the_patient_and_the_identities_linked_to_them(cast, log, django_assert_num_queries):
    reserve = PatientFactory(first_name="Reserv", merged_into=log.patient)
    PatientFactory(first_name="Annan")  # not linked
    with django_assert_num_queries(1):
        patient, linked = person_by_pk(log.patient.pk)
        assert patient == log.patient
        assert patient.listed_care_centre_id is None or patient.listed_care_centre.name
    assert linked == (reserve,)
    assert [patient, *linked] == person_identities(log.patient)


def test_a_reserve_identity_alone_has_nobody_linked(log):
    reserve = PatientFactory(merged_into=log.patient)
    assert person_by_pk(reserve.pk) == (reserve, ())


def test_nobody(db):
    assert person_by_pk(None) == (None, ())
    assert person_by_pk(987654) == (None, ())
    assert person_by_pk(10**20) == (None, ())


def test_the_rows_of_a_linked_identity_are_shown(cast, as_reviewer, log):
    reserve = PatientFactory(first_name="Reservina", merged_into=log.patient)
    log_access(cast.ward_nurse, cast.ward, reserve)
    page = as_reviewer.get(SEARCH, {"patient": log.patient.pk}).content.decode()
    assert "Reservina" in page


def test_an_id_out_of_range_is_nobody(as_reviewer):
    response = as_reviewer.get(SEARCH, {"patient": str(10**20)})
    assert response.status_code == 200
    assert response.context["filters"].patient is None
