"""Behörighetsgranskning: rounds every N months, managers confirm or end their staff's roles,
unanswered roles end after the grace period with warnings first, and the progress report."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from samplan.accessrequests.models import (
    AccessNotice,
    AccessReview,
    AccessSettings,
    ReviewDecision,
    ReviewItem,
)
from samplan.accessrequests.scheduled import scheduled_run
from samplan.accessrequests.services import add_months
from samplan.accounts.models import Membership, Role
from samplan.auditlog.models import AdminAction, AdminChange
from samplan.testing import MembershipFactory, UserFactory, user_with_role

DAY = datetime.timedelta(days=1)


def later(days: int) -> datetime.datetime:
    return timezone.now() + days * DAY


@pytest.fixture
def review(cast, manager, card_settings):
    card_settings.next_review_on = timezone.localdate()
    card_settings.grace_days = 14
    card_settings.warning_days = 5
    card_settings.save()
    assert scheduled_run()["started"] == 1
    return AccessReview.objects.get(organization=cast.municipality)


def test_add_months_keeps_the_day_or_takes_the_last():
    assert add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 1, 15), 6) == datetime.date(2026, 7, 15)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)


def test_an_organisation_without_settings_gets_a_round_in_six_months(cast):
    scheduled_run()
    options = AccessSettings.objects.get(organization=cast.municipality)
    assert options.next_review_on == add_months(timezone.localdate(), 6)
    assert not AccessReview.objects.exists()


def test_a_round_lists_the_roles_and_tells_the_managers(cast, manager, review):
    items = ReviewItem.objects.filter(review=review)
    members = {item.membership.user for item in items}
    # Staff and the manager's own role; never administrator roles, never other organisations.
    assert cast.home_care_nurse in members and manager in members
    assert cast.municipal_local_admin not in members and cast.ward_nurse not in members
    assert review.due_on == timezone.localdate() + 14 * DAY
    assert AccessNotice.objects.filter(to=manager.email, subject__contains="Granska").exists()
    options = AccessSettings.objects.get(organization=cast.municipality)
    assert options.next_review_on == add_months(timezone.localdate(), 6)
    assert scheduled_run()["started"] == 0  # not twice


def test_the_manager_sees_their_staff_only_and_not_their_own_role(
    cast, manager, review, as_manager, client
):
    page = client.get(reverse("accessrequests:review", args=[review.pk])).content.decode()
    assert cast.home_care_nurse.get_full_name() in page
    assert "Maja Chef" not in page.split("<tbody>")[1]


def test_confirm_and_end(cast, manager, review, as_manager, client):
    nurse_item = ReviewItem.objects.get(review=review, membership__user=cast.home_care_nurse)
    url = reverse("accessrequests:decide", args=[nurse_item.pk])
    client.post(url, {"beslut": "avsluta"})
    nurse_item.refresh_from_db()
    assert nurse_item.decision == ReviewDecision.ENDED and nurse_item.decided_by == manager
    assert Membership.objects.get(pk=nurse_item.membership_id).ended_at is not None
    assert AdminChange.objects.filter(action=AdminAction.END, actor=manager).exists()
    # Her last access: the card administrator is told.
    assert AccessNotice.objects.filter(to="kort@testkommun.se").count() == 1
    client.post(url, {"beslut": "behall"})  # answered already: nothing changes
    nurse_item.refresh_from_db()
    assert nurse_item.decision == ReviewDecision.ENDED


def test_bad_answer_changes_nothing(cast, review, as_manager, client):
    item = ReviewItem.objects.get(review=review, membership__user=cast.home_care_nurse)
    client.post(reverse("accessrequests:decide", args=[item.pk]), {"beslut": "kanske"})
    item.refresh_from_db()
    assert item.decision == ReviewDecision.PENDING


def test_other_unit_and_other_organisation_cannot_answer(cast, review, login_as, client):
    item = ReviewItem.objects.get(review=review, membership__user=cast.home_care_nurse)
    url = reverse("accessrequests:decide", args=[item.pk])
    # A manager of another unit of the same organisation.
    elsewhere = user_with_role("chef2", cast.municipal_admin_unit, Role.USER)
    other_unit = MembershipFactory(
        user=elsewhere, unit__organization=cast.municipality, role=Role.MANAGER
    ).unit
    login_as(elsewhere, other_unit)
    assert client.post(url, {"beslut": "avsluta"}).status_code == 404
    # A manager in another organisation.
    outsider_manager = user_with_role("chef3", cast.outsider_unit, Role.MANAGER)
    login_as(outsider_manager, cast.outsider_unit)
    assert client.post(url, {"beslut": "avsluta"}).status_code == 404
    assert client.get(reverse("accessrequests:review", args=[review.pk])).status_code == 404
    # A plain user.
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.post(url, {"beslut": "behall"}).status_code == 404
    item.refresh_from_db()
    assert item.decision == ReviewDecision.PENDING


def test_the_local_admin_answers_what_no_manager_reaches(cast, review, login_as, client):
    lonely = UserFactory(organization=cast.municipality)
    MembershipFactory(user=lonely, unit__organization=cast.municipality)
    review_2 = AccessReview.objects.create(
        organization=cast.municipality,
        started_on=timezone.localdate(),
        due_on=timezone.localdate() + 5 * DAY,
    )
    membership = Membership.objects.get(user=lonely)
    item = ReviewItem.objects.create(review=review_2, membership=membership, unit=membership.unit)
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    client.post(reverse("accessrequests:decide", args=[item.pk]), {"beslut": "behall"})
    item.refresh_from_db()
    assert item.decision == ReviewDecision.CONFIRMED


def test_warnings_then_automatic_end(cast, manager, review):
    nurse_item = ReviewItem.objects.get(review=review, membership__user=cast.home_care_nurse)
    before = AccessNotice.objects.filter(to=manager.email).count()
    assert scheduled_run(now=later(8))["warnings"] == 0
    assert scheduled_run(now=later(9))["warnings"] >= 1  # five days before the due date
    assert scheduled_run(now=later(10))["warnings"] == 0  # once
    assert scheduled_run(now=later(13))["warnings"] >= 1  # the day before
    assert AccessNotice.objects.filter(to=manager.email).count() == before + 2
    result = scheduled_run(now=later(15))
    assert result["expired"] >= 1
    nurse_item.refresh_from_db()
    review.refresh_from_db()
    assert nurse_item.decision == ReviewDecision.EXPIRED and review.closed_at is not None
    membership = Membership.objects.get(pk=nurse_item.membership_id)
    assert membership.ended_at is not None
    assert AdminChange.objects.filter(
        action=AdminAction.END, target_id=str(membership.pk), actor__username="samplan.system"
    ).exists()
    assert scheduled_run(now=later(16))["expired"] == 0


def test_confirmed_roles_stay(cast, manager, review, as_manager, client):
    item = ReviewItem.objects.get(review=review, membership__user=cast.home_care_nurse)
    client.post(reverse("accessrequests:decide", args=[item.pk]), {"beslut": "behall"})
    scheduled_run(now=later(15))
    assert Membership.objects.get(pk=item.membership_id).ended_at is None


def test_report_for_log_reviewer_and_system_admin(cast, manager, review, login_as, client):
    url = reverse("accessrequests:report", args=[review.pk])
    reviewer = user_with_role("granskare", cast.municipal_admin_unit, Role.LOG_REVIEWER)
    login_as(reviewer, cast.municipal_admin_unit)
    page = client.get(url).content.decode()
    assert "Hemtjänst Öst" in page and "Per enhet" in page
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    assert client.get(url).status_code == 200
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(url).status_code == 404
    login_as(cast.outsider_admin, cast.outsider_unit)
    assert client.get(url).status_code == 404


def test_review_pages_query_counts(
    cast, manager, card_settings, login_as, client, django_assert_num_queries
):
    for index in range(30):
        MembershipFactory(
            user=UserFactory(organization=cast.municipality, username=f"p{index}"),
            unit=cast.home_care,
        )
    card_settings.next_review_on = timezone.localdate()
    card_settings.save()
    scheduled_run()
    review = AccessReview.objects.get()
    login_as(manager, cast.municipal_admin_unit)
    url = reverse("accessrequests:review", args=[review.pk])
    client.get(url)
    with django_assert_num_queries(9):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20
    reviewer = user_with_role("granskare", cast.municipal_admin_unit, Role.LOG_REVIEWER)
    login_as(reviewer, cast.municipal_admin_unit)
    report = reverse("accessrequests:report", args=[review.pk])
    client.get(report)
    with django_assert_num_queries(5):
        client.get(report)


def test_round_list_query_count_and_the_log_reviewers_link(
    cast, card_settings, login_as, client, django_assert_num_queries
):
    for days in range(25):
        AccessReview.objects.create(
            organization=cast.municipality,
            started_on=timezone.localdate() - days * DAY,
            due_on=timezone.localdate(),
            closed_at=timezone.now(),
        )
    reviewer = user_with_role("granskare", cast.municipal_admin_unit, Role.LOG_REVIEWER)
    login_as(reviewer, cast.municipal_admin_unit)
    url = reverse("accessrequests:reviews")
    assert 'href="/behorigheter/granskning/"' in client.get(reverse("core:home")).content.decode()
    client.get(url)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.context["page"].paginator.count == 25
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(url).status_code == 403
