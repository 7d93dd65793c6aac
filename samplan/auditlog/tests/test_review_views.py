"""Logggranskning: the search, its filters and flags, the patient search, and CSV export."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from samplan.accounts.models import Role
from samplan.auditlog.models import AccessLogEntry
from samplan.auditlog.testing import log_access
from samplan.core.localtime import STOCKHOLM
from samplan.patients.testing import PatientFactory
from samplan.testing import user_with_role

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=STOCKHOLM)
SEARCH = reverse("logreview:search")


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=True):
        yield


def shown(response):
    """The rows on the page, less the reviewers' own search rows (the log has those too)."""
    return {
        row.entry.pk for row in response.context["rows"] if row.entry.object_type != "accesslog"
    }


def test_reviewer_sees_the_organisations_rows_only(as_reviewer, log):
    response = as_reviewer.get(SEARCH)
    assert response.status_code == 200
    ids = shown(response)
    assert {log.ward_row.pk, log.night_row.pk, log.probe_row.pk, log.protected_row.pk} <= ids
    assert log.home_care_row.pk not in ids


def test_the_other_organisations_reviewer_sees_theirs(cast, log, login_as):
    response = login_as(log.municipal_reviewer, cast.home_care).get(SEARCH)
    assert shown(response) == {log.home_care_row.pk}


@pytest.mark.parametrize("who", ["ward_nurse", "region_local_admin", "outsider_admin"])
def test_other_roles_are_refused(cast, log, login_as, who):
    user = getattr(cast, who)
    unit = user.memberships.first().unit
    assert login_as(user, unit).get(SEARCH).status_code == 403


def test_a_reviewer_acting_for_another_organisations_unit_is_refused(cast, log, login_as):
    from samplan.testing import MembershipFactory

    MembershipFactory(user=log.reviewer, unit=cast.home_care, role=Role.USER)
    assert login_as(log.reviewer, cast.home_care).get(SEARCH).status_code == 403


def test_anonymous_is_sent_to_log_in(client, log):
    response = client.get(SEARCH)
    assert response.status_code == 302 and "logga-in" in response["Location"]


def test_flags_are_shown_in_words(as_reviewer, log):
    rows = {row.entry.pk: row.flags for row in as_reviewer.get(SEARCH).context["rows"]}
    assert rows[log.ward_row.pk] == []
    assert rows[log.protected_row.pk] == ["Ej deltagande enhet", "Skyddad identitet"]
    assert rows[log.probe_row.pk] == ["Ej deltagande enhet", "Skyddad identitet"]
    assert "Utanför enhetens tider" in rows[log.night_row.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"flags": ["protected_identity"]}, {"probe_row", "protected_row"}),
        (
            {"flags": ["protected_identity", "not_participant"]},
            {"probe_row", "protected_row"},
        ),
        ({"flags": ["outside_hours"]}, {"night_row"}),
        ({"flagged": "on"}, {"probe_row", "protected_row", "night_row"}),
        ({"user": "AVDSSK"}, {"ward_row", "protected_row"}),
        ({"action": "search"}, {"probe_row"}),
        ({"date_from": "2026-03-05", "date_to": "2026-03-08"}, {"night_row"}),
    ],
)
def test_filters(as_reviewer, log, query, expected):
    response = as_reviewer.get(SEARCH, query)
    assert shown(response) == {getattr(log, name).pk for name in expected}


def test_filter_by_unit(cast, as_reviewer, log):
    response = as_reviewer.get(SEARCH, {"unit": cast.ward.name})
    assert shown(response) == {log.ward_row.pk, log.protected_row.pk}


def test_a_unit_of_another_organisation_is_refused_as_a_filter(cast, as_reviewer, log):
    response = as_reviewer.get(SEARCH, {"unit": cast.home_care.name})
    assert response.context["form"].errors["unit"]
    assert log.home_care_row.pk not in shown(response)


def test_unknown_user_is_a_plain_error(as_reviewer, log):
    response = as_reviewer.get(SEARCH, {"user": "finnsinte"})
    assert "Ingen användare har det användarnamnet eller HSA-id:t." in response.content.decode()


def test_by_patient_includes_searches_for_the_number(as_reviewer, log):
    response = as_reviewer.get(SEARCH, {"patient": log.protected.pk})
    ids = shown(response)
    assert {log.protected_row.pk, log.probe_row.pk} <= ids
    assert log.ward_row.pk not in ids
    page = response.content.decode()
    assert "Sara Skyddad" in page and "Skyddad identitet" in page


def test_patient_lookup_posts_the_number_and_shows_by_id(as_reviewer, log):
    response = as_reviewer.post(
        reverse("logreview:patient_lookup"), {"identity": log.patient.identity_number}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{SEARCH}?patient={log.patient.pk}"
    assert log.patient.identity_number not in response["Location"]


def test_patient_lookup_of_an_unknown_number_says_so_and_is_logged(as_reviewer, log):
    number = PatientFactory.build().identity_number
    response = as_reviewer.post(
        reverse("logreview:patient_lookup"), {"identity": number}, follow=True
    )
    assert "Ingen patient med det numret finns registrerad i samplan." in response.content.decode()
    assert AccessLogEntry.objects.filter(user=log.reviewer, searched_identity=number).exists()


def test_patient_lookup_of_a_linked_reserve_number_shows_the_real_person(as_reviewer, log):
    from samplan.patients.testing import ReservePatientFactory

    reserve = ReservePatientFactory(merged_into=log.patient)
    before = AccessLogEntry.objects.filter(user=log.reviewer).count()
    response = as_reviewer.post(
        reverse("logreview:patient_lookup"), {"identity": reserve.identity_number}
    )
    assert response["Location"] == f"{SEARCH}?patient={log.patient.pk}"
    # Found: the search page it leads to logs the search for the person, not the look-up.
    assert AccessLogEntry.objects.filter(user=log.reviewer).count() == before


def test_patient_lookup_of_an_unknown_number_is_a_reviewer_row(as_reviewer, log):
    number = PatientFactory.build().identity_number
    as_reviewer.post(reverse("logreview:patient_lookup"), {"identity": number})
    row = AccessLogEntry.objects.get(user=log.reviewer, searched_identity=number)
    assert (row.action, row.object_type, row.patient) == ("search", "accesslog", None)
    assert row.detail.startswith("not_found_in_organisation|") and not row.not_participant


def test_the_reviewers_own_searches_are_logged(cast, as_reviewer, log):
    as_reviewer.get(SEARCH, {"patient": log.patient.pk, "flagged": "on"})
    own = AccessLogEntry.objects.filter(user=log.reviewer).latest("seq")
    assert (own.action, own.object_type, own.patient) == ("search", "accesslog", log.patient)
    assert own.unit == cast.care_centre and "flagged" in own.detail
    # The review role is the reviewer's need to know.
    assert not own.not_participant


def test_default_period_is_the_last_thirty_days(cast, as_reviewer, log):
    with time_machine.travel(NOW - datetime.timedelta(days=40), tick=False):
        old = log_access(cast.ward_nurse, cast.ward, log.patient)
    assert old.pk not in shown(as_reviewer.get(SEARCH))
    # Searching a patient looks at their whole history.
    assert old.pk in shown(as_reviewer.get(SEARCH, {"patient": log.patient.pk}))


def test_reversed_period_is_an_error(as_reviewer, log):
    response = as_reviewer.get(SEARCH, {"date_from": "2026-03-09", "date_to": "2026-03-01"})
    assert response.context["form"].errors["date_to"]


def test_the_page_runs_a_fixed_number_of_queries(
    cast, as_reviewer, log, django_assert_max_num_queries
):
    def many(count):
        for _ in range(count):
            log_access(cast.ward_nurse, cast.ward, PatientFactory())

    many(5)
    with django_assert_max_num_queries(16) as few:
        as_reviewer.get(SEARCH)
    many(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        as_reviewer.get(SEARCH)


def test_csv_export(cast, as_reviewer, log):
    response = as_reviewer.get(reverse("logreview:export"), {"flags": ["protected_identity"]})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffTid;Användare;HSA-id;Enhet")
    lines = text.strip().splitlines()
    assert len(lines) == 3  # the header, the probe and the protected row
    assert "Sara Skyddad" in text and "Hemtjänst Öst" not in text
    export = AccessLogEntry.objects.filter(user=log.reviewer, action="export").get()
    assert "flag=protected_identity" in export.detail


def test_csv_export_neutralises_formulas(cast, as_reviewer, log):
    cast.ward_nurse.first_name, cast.ward_nurse.last_name = "=HYPERLINK(1)", ""
    cast.ward_nurse.save()
    response = as_reviewer.get(reverse("logreview:export"), {"user": "avdssk"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert ";'=HYPERLINK(1);" in text


def test_csv_export_is_refused_to_others(cast, log, login_as):
    user = user_with_role("bara_anvandare", cast.care_centre)
    assert login_as(user, cast.care_centre).get(reverse("logreview:export")).status_code == 403


def test_by_patient_includes_a_reserve_number_linked_later(cast, as_reviewer, log):
    from samplan.patients.testing import ReservePatientFactory

    reserve = ReservePatientFactory()
    before_link = log_access(cast.ward_nurse, cast.ward, reserve)
    probe = log_access(
        cast.care_centre_nurse, cast.care_centre, None, searched_identity=reserve.identity_number
    )
    reserve.merged_into = log.patient
    reserve.save()
    ids = shown(as_reviewer.get(SEARCH, {"patient": log.patient.pk}))
    assert {before_link.pk, probe.pk, log.ward_row.pk} <= ids
