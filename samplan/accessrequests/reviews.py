"""The periodic access review (behörighetsgranskning): every N months each manager confirms
or ends their staff's roles; roles not answered by the due date end automatically, after
warnings. Rounds are started, warned and closed by samplan.accessrequests.scheduled.

Which roles are reviewed: every standing role in the organisation except the administrator
roles (local and system administrator), which managers neither order nor end; the items of
units no manager reaches are answered by the organisation's local administrators.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samplan.accessrequests import access as order_access
from samplan.accessrequests.models import AccessReview, ReviewDecision, ReviewItem
from samplan.accessrequests.notices import notice_queue
from samplan.accessrequests.services import card_order_notice, settings_for
from samplan.accounts import access
from samplan.accounts.models import Membership, Role, User
from samplan.accounts.services import memberships_close
from samplan.core.actor import Actor
from samplan.organizations.models import Organization, Unit


def review_start(*, organization: Organization, today: datetime.date) -> AccessReview:
    """Opens a round with one item per standing role, and tells each manager."""
    options = settings_for(organization)
    with transaction.atomic():
        review = AccessReview.objects.create(
            organization=organization,
            started_on=today,
            due_on=today + datetime.timedelta(days=options.grace_days),
        )
        memberships = (
            order_access.standing_memberships()
            .filter(unit__organization=organization, user__is_active=True)
            .exclude(role__in=access.ADMIN_ROLES)
            .values_list("pk", "unit_id")
        )
        ReviewItem.objects.bulk_create(
            ReviewItem(review=review, membership_id=pk, unit_id=unit_id)
            for pk, unit_id in memberships
        )
        for email in reviewer_emails(review):
            notice_queue(
                to=email,
                subject=gettext_lazy("Review your staff's access in samplan"),
                template="accessrequests/mail/review_started.txt",
                context={"review": review},
            )
    return review


def reviewer_emails(review: AccessReview, *, pending_only: bool = False) -> list[str]:
    """Managers whose units have items (still unanswered ones, with pending_only), and the
    local administrators when items lie outside every manager's reach."""
    items = ReviewItem.objects.filter(review=review)
    if pending_only:
        items = items.filter(decision=ReviewDecision.PENDING)
    unit_ids = set(items.values_list("unit_id", flat=True))
    if not unit_ids:
        return []
    parents = dict(
        Unit.objects.filter(organization_id=review.organization_id).values_list("pk", "parent_id")
    )
    managers = list(
        Membership.objects.active_on()
        .filter(
            role=Role.MANAGER, unit__organization_id=review.organization_id, user__is_active=True
        )
        .values_list("unit_id", "user__email")
    )
    managed_by: dict[int, set[str]] = {}
    for unit_id, email in managers:
        managed_by.setdefault(unit_id, set()).add(email)
    emails: set[str] = set()
    unreached = False
    for unit_id in unit_ids:
        found: set[str] = set()
        cursor: int | None = unit_id
        while cursor is not None:
            found |= managed_by.get(cursor, set())
            cursor = parents.get(cursor)
        emails |= found
        unreached = unreached or not found
    if unreached:
        emails |= set(
            Membership.objects.active_on()
            .filter(
                role=Role.LOCAL_ADMIN,
                unit__organization_id=review.organization_id,
                user__is_active=True,
            )
            .values_list("user__email", flat=True)
        )
    return sorted(e for e in emails if e)


def review_item_decide(*, actor: Actor, item: ReviewItem, confirm: bool) -> ReviewItem:
    """Confirms the role, or ends it now; answering an answered item changes nothing."""
    with transaction.atomic():
        stored = (
            ReviewItem.objects.select_for_update(of=("self",))
            .select_related("review", "membership__user", "membership__unit__organization")
            .get(pk=item.pk)
        )
        if (
            not order_access.reviewable_items(actor.user, stored.review)
            .filter(pk=stored.pk)
            .exists()
        ):
            raise PermissionDenied
        if stored.decision != ReviewDecision.PENDING:
            return stored
        if stored.review.closed_at is not None:
            raise ValidationError(_("The review is closed."))
        stored.decided_by, stored.decided_at = actor.user, timezone.now()
        membership = stored.membership
        if confirm:
            stored.decision = ReviewDecision.CONFIRMED
        elif membership.ended_at is not None:
            stored.decision = ReviewDecision.GONE
        else:
            stored.decision = ReviewDecision.ENDED
            _end(actor, membership)
        stored.save(update_fields=["decision", "decided_by", "decided_at"])
    return stored


def _end(actor: Actor, membership: Membership) -> None:
    memberships_close(
        actor=actor,
        memberships=Membership.objects.filter(pk=membership.pk),
        tell_last_access=False,  # told below, by the review's own rule
    )
    account = membership.user
    access.forget_memberships(account)
    if not order_access.standing_memberships().filter(user=account).exists():
        card_order_notice(membership.unit.organization, account, ordered=False)


def review_warn(*, review: AccessReview, now: datetime.datetime, last: bool) -> int:
    """Warns the reviewers with unanswered items that those roles will end; once per kind."""
    field = "last_warning_sent_at" if last else "first_warning_sent_at"
    with transaction.atomic():
        stored = AccessReview.objects.select_for_update().get(pk=review.pk)
        if getattr(stored, field) is not None or stored.closed_at is not None:
            return 0
        emails = reviewer_emails(stored, pending_only=True)
        for email in emails:
            notice_queue(
                to=email,
                subject=gettext_lazy("Unconfirmed access ends on %(date)s")
                % {"date": stored.due_on.isoformat()},
                template="accessrequests/mail/review_warning.txt",
                context={"review": stored},
            )
        setattr(stored, field, now)
        stored.save(update_fields=[field])
    return len(emails)


def review_close(*, actor: Actor, review: AccessReview) -> int:
    """After the due date: every unanswered role ends; returns how many."""
    ended = 0
    with transaction.atomic():
        stored = AccessReview.objects.select_for_update().get(pk=review.pk)
        if stored.closed_at is not None:
            return 0
        now = timezone.now()
        for item in (
            ReviewItem.objects.filter(review=stored, decision=ReviewDecision.PENDING)
            .select_related("membership__user", "membership__unit__organization")
            .select_for_update(of=("self",))
        ):
            if item.membership.ended_at is None:
                _end(actor, item.membership)
                item.decision = ReviewDecision.EXPIRED
                ended += 1
            else:
                item.decision = ReviewDecision.GONE
            item.decided_at = now
            item.save(update_fields=["decision", "decided_at"])
        stored.closed_at = now
        stored.save(update_fields=["closed_at"])
    return ended


def open_review_for(user: User) -> QuerySet[AccessReview]:
    """Open rounds of the organisations where the user manages units or administers."""
    organization_ids = set(
        Unit.objects.filter(pk__in=order_access.managed_unit_ids(user)).values_list(
            "organization_id", flat=True
        )
    ) | access.administered_organization_ids(user)
    return AccessReview.objects.filter(
        organization_id__in=organization_ids, closed_at__isnull=True
    ).select_related("organization")


def review_progress(review: AccessReview) -> QuerySet:
    """Per unit: how many roles, and how many confirmed, ended and unanswered (the report)."""
    return (
        ReviewItem.objects.filter(review=review)
        .values("unit_id", "unit__name")
        .annotate(
            total=Count("pk"),
            confirmed=Count("pk", filter=Q(decision=ReviewDecision.CONFIRMED)),
            ended=Count(
                "pk",
                filter=Q(
                    decision__in=[
                        ReviewDecision.ENDED,
                        ReviewDecision.EXPIRED,
                        ReviewDecision.GONE,
                    ]
                ),
            ),
            pending=Count("pk", filter=Q(decision=ReviewDecision.PENDING)),
        )
        .order_by("unit__name", "unit_id")
    )
