"""Recording log reviews: from a search, by random sample (Slumpa urval), completing one, and
the list of past reviews."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry, LogReview, LogReviewEntry
from samplan.auditlog.testing import log_access
from samplan.core.localtime import STOCKHOLM
from samplan.patients.testing import PatientFactory

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=STOCKHOLM)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=True):
        yield


def create(client, entries, key="k1"):
    return client.post(
        reverse("logreview:review_create"),
        {"entries": entries, "form_key": key, "criteria": "flag=protected_identity"},
    )


def complete(client, review, **data):
    return client.post(reverse("logreview:review_complete", args=[review.pk]), data)


# --- From a search ---------------------------------------------------------------------------


def test_ticked_accesses_become_a_review(as_reviewer, log):
    response = create(as_reviewer, [log.protected_row.pk, log.probe_row.pk])
    review = LogReview.objects.get()
    assert response["Location"] == reverse("logreview:review", args=[review.pk])
    assert set(review.items.values_list("entry_id", flat=True)) == {
        log.protected_row.pk,
        log.probe_row.pk,
    }
    assert (review.kind, review.reviewer, review.criteria) == (
        "search",
        log.reviewer,
        "flag=protected_identity",
    )


def test_posting_the_same_form_twice_makes_one_review(as_reviewer, log):
    create(as_reviewer, [log.protected_row.pk])
    create(as_reviewer, [log.protected_row.pk])
    assert LogReview.objects.count() == 1


def test_forged_ids_of_another_organisation_are_left_out(as_reviewer, log):
    create(as_reviewer, [log.protected_row.pk, log.home_care_row.pk])
    assert list(LogReviewEntry.objects.values_list("entry_id", flat=True)) == [log.protected_row.pk]


def test_only_forged_ids_is_refused(as_reviewer, log):
    response = create(as_reviewer, [log.home_care_row.pk, 999999])
    assert response.status_code == 302 and not LogReview.objects.exists()


def test_nothing_ticked_is_a_plain_error(as_reviewer, log):
    response = as_reviewer.post(reverse("logreview:review_create"), {"form_key": "k"}, follow=True)
    assert "Markera minst en åtkomst att granska." in response.content.decode()
    assert not LogReview.objects.exists()


def test_creating_is_refused_to_others(cast, log, login_as):
    client = login_as(cast.ward_nurse, cast.ward)
    assert create(client, [log.ward_row.pk]).status_code == 403


# --- Slumpa urval ------------------------------------------------------------------------------


def sample(client, **data):
    form = {
        "date_from": "2026-03-01",
        "date_to": "2026-03-10",
        "size": 3,
        "form_key": "s1",
        **data,
    }
    return client.post(reverse("logreview:sample"), form)


def test_sample_draws_the_asked_number_from_the_organisation_and_period(cast, as_reviewer, log):
    with time_machine.travel(datetime.datetime(2026, 2, 1, 10, tzinfo=STOCKHOLM), tick=False):
        before_period = log_access(cast.ward_nurse, cast.ward, log.patient)
    for _ in range(6):
        log_access(cast.ward_nurse, cast.ward, PatientFactory())
    response = sample(as_reviewer)
    review = LogReview.objects.get()
    assert response["Location"] == reverse("logreview:review", args=[review.pk])
    drawn = set(review.items.values_list("entry_id", flat=True))
    assert len(drawn) == 3
    organisation_rows = AccessLogEntry.objects.filter(organization=cast.region)
    assert drawn <= set(organisation_rows.values_list("pk", flat=True))
    assert before_period.pk not in drawn and log.home_care_row.pk not in drawn
    assert (review.kind, review.period_from, review.period_to) == (
        "sample",
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 10),
    )


def test_sample_is_random(cast, as_reviewer, log):
    for _ in range(30):
        log_access(cast.ward_nurse, cast.ward, PatientFactory())
    draws = set()
    for n in range(6):
        sample(as_reviewer, form_key=f"s{n}", size=2)
        review = LogReview.objects.latest("pk")
        draws.add(frozenset(review.items.values_list("entry_id", flat=True)))
    assert len(draws) > 1


def test_sample_of_flagged_rows_of_one_unit(cast, as_reviewer, log):
    sample(as_reviewer, unit=cast.ward.name, flagged="on", size=10)
    drawn = set(LogReview.objects.get().items.values_list("entry_id", flat=True))
    assert drawn == {log.protected_row.pk}


def test_sample_posted_twice_is_one_review(as_reviewer, log):
    sample(as_reviewer)
    sample(as_reviewer)
    assert LogReview.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [({"size": 0}, "size"), ({"size": 201}, "size"), ({"date_to": "2026-02-01"}, "date_to")],
)
def test_sample_form_errors(as_reviewer, log, data, field):
    response = sample(as_reviewer, **data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not LogReview.objects.exists()


def test_sample_of_an_empty_period_says_so(as_reviewer, log):
    response = sample(as_reviewer, date_from="2025-01-01", date_to="2025-01-31")
    assert "Det finns inga åtkomster att slumpa bland" in response.content.decode()


def test_sample_with_a_unit_of_another_organisation_is_refused(cast, as_reviewer, log):
    response = sample(as_reviewer, unit=cast.home_care.name)
    assert response.context["form"].errors["unit"] and not LogReview.objects.exists()


# --- Completing a review -----------------------------------------------------------------------


@pytest.fixture
def review(as_reviewer, log):
    create(as_reviewer, [log.protected_row.pk, log.probe_row.pk, log.ward_row.pk])
    return LogReview.objects.get()


def test_review_page_lists_its_accesses_and_is_logged(as_reviewer, log, review):
    response = as_reviewer.get(reverse("logreview:review", args=[review.pk]))
    assert {row.entry.pk for row in response.context["rows"]} == {
        log.protected_row.pk,
        log.probe_row.pk,
        log.ward_row.pk,
    }
    assert AccessLogEntry.objects.filter(
        user=log.reviewer, object_type="logreview", object_id=str(review.pk)
    ).exists()


def test_recording_a_review(as_reviewer, log, review):
    response = complete(
        as_reviewer,
        review,
        checked=[log.protected_row.pk, log.probe_row.pk],
        result="follow_up",
        comment="Avdelningen saknar relation; chefen kontaktad.",
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.completed_at is not None and review.result == "follow_up"
    assert review.comment == "Avdelningen saknar relation; chefen kontaktad."
    checked = set(review.items.filter(checked=True).values_list("entry_id", flat=True))
    assert checked == {log.protected_row.pk, log.probe_row.pk}


def test_a_remark_needs_a_comment(as_reviewer, log, review):
    response = complete(as_reviewer, review, result="unauthorised", comment="  ")
    assert "Skriv i kommentaren vad som upptäcktes" in response.content.decode()
    review.refresh_from_db()
    assert review.completed_at is None


def test_no_result_is_a_form_error(as_reviewer, log, review):
    response = complete(as_reviewer, review, comment="x")
    assert response.context["form"].errors["result"]


def test_forged_checked_ids_are_refused(as_reviewer, log, review):
    response = complete(as_reviewer, review, checked=[log.home_care_row.pk], result="no_remarks")
    assert response.status_code == 200 and response.context["form"].errors["checked"]
    review.refresh_from_db()
    assert review.completed_at is None


def test_a_recorded_review_stays_as_it_is(as_reviewer, log, review):
    complete(as_reviewer, review, checked=[log.ward_row.pk], result="no_remarks")
    response = complete(as_reviewer, review, result="unauthorised", comment="ändrat")
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.result == "no_remarks" and review.comment == ""
    page = as_reviewer.get(reverse("logreview:review", args=[review.pk]))
    assert not page.context["may_complete"]


def test_another_reviewer_sees_but_cannot_record(cast, log, review, login_as):
    from samplan.accounts.models import Role
    from samplan.testing import user_with_role

    other = user_with_role("granskare2", cast.ward, Role.LOG_REVIEWER)
    client = login_as(other, cast.ward)
    page = client.get(reverse("logreview:review", args=[review.pk]))
    assert page.status_code == 200 and not page.context["may_complete"]
    assert complete(client, review, result="no_remarks").status_code == 403


def test_another_organisations_reviewer_gets_404(cast, log, review, login_as):
    client = login_as(log.municipal_reviewer, cast.home_care)
    assert client.get(reverse("logreview:review", args=[review.pk])).status_code == 404
    assert complete(client, review, result="no_remarks").status_code == 404


def test_review_page_runs_a_fixed_number_of_queries(
    cast, as_reviewer, log, django_assert_max_num_queries
):
    small = LogReview.objects.create(
        organization=cast.region, reviewer=log.reviewer, kind="search", form_key="a"
    )
    big = LogReview.objects.create(
        organization=cast.region, reviewer=log.reviewer, kind="search", form_key="b"
    )
    LogReviewEntry.objects.create(review=small, entry=log.ward_row)
    for _ in range(20):
        LogReviewEntry.objects.create(
            review=big, entry=log_access(cast.ward_nurse, cast.ward, PatientFactory())
        )
    with django_assert_max_num_queries(16) as few:
        as_reviewer.get(reverse("logreview:review", args=[small.pk]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        as_reviewer.get(reverse("logreview:review", args=[big.pk]))


# --- The list of reviews -----------------------------------------------------------------------


def test_reviews_list_shows_the_organisations_reviews(cast, as_reviewer, log, review, login_as):
    complete(as_reviewer, review, checked=[log.ward_row.pk], result="no_remarks")
    page = as_reviewer.get(reverse("logreview:reviews"))
    shown = list(page.context["page"])
    assert [r.pk for r in shown] == [review.pk]
    assert (shown[0].entry_count, shown[0].checked_count) == (3, 1)
    assert "Inga anmärkningar" in page.content.decode()
    other = login_as(log.municipal_reviewer, cast.home_care).get(reverse("logreview:reviews"))
    assert list(other.context["page"]) == []


def test_reviews_list_runs_a_fixed_number_of_queries(
    cast, as_reviewer, log, django_assert_max_num_queries
):
    for n in range(3):
        LogReview.objects.create(
            organization=cast.region, reviewer=log.reviewer, kind="search", form_key=f"{n}"
        )
    with django_assert_max_num_queries(12) as few:
        as_reviewer.get(reverse("logreview:reviews"))
    for n in range(3, 15):
        LogReview.objects.create(
            organization=cast.region, reviewer=log.reviewer, kind="search", form_key=f"{n}"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        as_reviewer.get(reverse("logreview:reviews"))
