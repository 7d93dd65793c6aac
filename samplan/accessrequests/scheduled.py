"""What happens on a date, run hourly (`manage.py accessrequests_run`, the task
access_scheduled_run): approved orders whose date has come, review rounds that are due,
warnings before roles end, and the automatic end after the grace period.

Every step looks at what is already done, so a second run, or two hosts at once, change
nothing twice. The steps act as the "samplan" system account, so the history shows that
samplan did them, not a person.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from samplan.accessrequests.models import (
    AccessRequest,
    AccessReview,
    AccessSettings,
    RequestKind,
    RequestState,
)
from samplan.accessrequests.reviews import review_close, review_start, review_warn
from samplan.accessrequests.services import access_request_complete, add_months, settings_for
from samplan.accounts.models import User
from samplan.core.actor import Actor, task_actor
from samplan.organizations.models import Organization

SYSTEM_USERNAME = "samplan.system"


def system_actor() -> Actor:
    """The account automatic steps are recorded under: inactive, it can never log in."""
    account, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"first_name": "samplan", "last_name": "(automatiskt)", "is_active": False},
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return task_actor(account)


def orders_complete_due(*, actor: Actor, today: datetime.date) -> int:
    """Approved orders whose start has come, and ends whose last day has passed."""
    due = AccessRequest.objects.filter(state=RequestState.APPROVED).filter(
        Q(kind=RequestKind.END_ALL, end_date__lt=today)
        | (~Q(kind=RequestKind.END_ALL) & Q(valid_from__lte=today))
    )
    return sum(access_request_complete(actor=actor, order=order, today=today) for order in due)


def reviews_due(*, actor: Actor, today: datetime.date, now: datetime.datetime) -> dict[str, int]:
    counts = {"started": 0, "warnings": 0, "expired": 0}
    # Organisations without settings get the defaults: the first round one interval from now.
    for organization in Organization.objects.filter(is_active=True, access_settings__isnull=True):
        settings_for(organization)
    for options in AccessSettings.objects.filter(
        next_review_on__lte=today, organization__is_active=True
    ).select_related("organization"):
        if AccessReview.objects.filter(
            organization=options.organization, closed_at__isnull=True
        ).exists():
            continue  # the previous round is still open
        review_start(organization=options.organization, today=today)
        AccessSettings.objects.filter(pk=options.pk).update(
            next_review_on=add_months(today, options.review_interval_months)
        )
        counts["started"] += 1
    for review in AccessReview.objects.filter(closed_at__isnull=True).select_related(
        "organization__access_settings"
    ):
        warning_days = review.organization.access_settings.warning_days
        if today > review.due_on:
            counts["expired"] += review_close(actor=actor, review=review)
        elif today >= review.due_on - datetime.timedelta(days=1):
            counts["warnings"] += review_warn(review=review, now=now, last=True)
        elif today >= review.due_on - datetime.timedelta(days=warning_days):
            counts["warnings"] += review_warn(review=review, now=now, last=False)
    return counts


def scheduled_run(*, now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    actor = system_actor()
    result = {"orders": orders_complete_due(actor=actor, today=today)}
    result.update(reviews_due(actor=actor, today=today, now=now))
    return result
