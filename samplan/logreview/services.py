"""Log reviews (Logggranskning, domain.md §8): create, sample and complete them."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.auditlog.models import (
    AccessLogEntry,
    LogReview,
    LogReviewEntry,
    ReviewKind,
    ReviewResult,
)
from samplan.logreview.access import can_complete_log_review
from samplan.organizations.models import Organization, Unit

# --- Log review (Logggranskning, domain.md §8) ---------------------------------------------

# A review is something one person checks by hand: keep each one to a size they can do.
MAX_REVIEW_ENTRIES = 200


class ReviewError(Exception):
    """A refused review action, with a plain Swedish message."""


def _existing_review(reviewer: Any, form_key: str) -> LogReview | None:
    return LogReview.objects.filter(reviewer=reviewer, form_key=form_key).first()


def _create_review(
    *,
    reviewer: Any,
    reviewer_unit: Unit | None,
    organization: Organization,
    kind: str,
    entry_ids: list[int],
    criteria: str,
    period_from: datetime.date | None,
    period_to: datetime.date | None,
    form_key: str,
) -> LogReview:
    try:
        with transaction.atomic():
            review = LogReview.objects.create(
                organization=organization,
                reviewer=reviewer,
                reviewer_unit=reviewer_unit,
                kind=kind,
                criteria=criteria[:500],
                period_from=period_from,
                period_to=period_to,
                form_key=form_key,
            )
            LogReviewEntry.objects.bulk_create(
                LogReviewEntry(review=review, entry_id=entry_id) for entry_id in entry_ids
            )
    except IntegrityError:
        # The same form posted twice at once: the first one made the review.
        existing = _existing_review(reviewer, form_key)
        if existing is None:
            raise
        return existing
    return review


def review_create(
    *,
    reviewer: Any,
    reviewer_unit: Unit | None,
    organization: Organization,
    entry_ids: Sequence[int],
    criteria: str,
    period_from: datetime.date | None,
    period_to: datetime.date | None,
    form_key: str,
) -> LogReview:
    """Start a review of accesses the reviewer chose from a search.

    Only the organisation's own rows are taken: ids of other organisations' rows (a forged
    form) are left out, and if nothing is left the review is refused.
    """
    existing = _existing_review(reviewer, form_key)
    if existing is not None:
        return existing
    wanted = {int(pk) for pk in entry_ids}
    if len(wanted) > MAX_REVIEW_ENTRIES:
        raise ReviewError(
            _("Choose at most %(count)s accesses for one review.") % {"count": MAX_REVIEW_ENTRIES}
        )
    allowed = list(
        AccessLogEntry.objects.filter(organization=organization, pk__in=wanted)
        .order_by("seq")
        .values_list("pk", flat=True)
    )
    if not allowed:
        raise ReviewError(_("Choose at least one access to review."))
    return _create_review(
        reviewer=reviewer,
        reviewer_unit=reviewer_unit,
        organization=organization,
        kind=ReviewKind.SEARCH,
        entry_ids=allowed,
        criteria=criteria,
        period_from=period_from,
        period_to=period_to,
        form_key=form_key,
    )


def review_sample(
    *,
    reviewer: Any,
    reviewer_unit: Unit | None,
    organization: Organization,
    date_from: datetime.date,
    date_to: datetime.date,
    size: int,
    unit: Unit | None,
    flagged_only: bool,
    form_key: str,
) -> LogReview:
    """Slumpa urval: `size` accesses drawn at random from the organisation's rows of the
    period (optionally one unit's, optionally only flagged ones), as a new review.

    The database draws them (ORDER BY random()), so every row of the period has the same
    chance; the drawn rows are stored with the review, which is the evidence of the sample.
    """
    from samplan.logreview.selectors import LogFilters, filter_rows, organization_rows

    existing = _existing_review(reviewer, form_key)
    if existing is not None:
        return existing
    if unit is not None and unit.organization_id != organization.pk:
        raise ReviewError(_("Choose a unit of your own organisation."))
    if not 1 <= size <= MAX_REVIEW_ENTRIES:
        raise ReviewError(
            _("Draw between 1 and %(count)s accesses.") % {"count": MAX_REVIEW_ENTRIES}
        )
    filters = LogFilters(unit=unit, date_from=date_from, date_to=date_to, flagged_only=flagged_only)
    drawn = list(
        filter_rows(organization_rows(organization), filters)
        .order_by("?")
        .values_list("pk", flat=True)[:size]
    )
    if not drawn:
        raise ReviewError(_("There are no accesses to draw from in that period."))
    return _create_review(
        reviewer=reviewer,
        reviewer_unit=reviewer_unit,
        organization=organization,
        kind=ReviewKind.SAMPLE,
        entry_ids=drawn,
        criteria=f"size={size} {filters.describe()}",
        period_from=date_from,
        period_to=date_to,
        form_key=form_key,
    )


def review_complete(
    *,
    review: LogReview,
    reviewer: Any,
    checked_ids: Sequence[int],
    result: str,
    comment: str,
) -> LogReview:
    """Record the review: which of its accesses were checked, the result and a comment.

    Once completed a review is kept as it is; a second post of the form changes nothing.
    """
    if result not in ReviewResult.values:
        raise ReviewError(_("Choose a result."))
    comment = comment.strip()
    if result != ReviewResult.NO_REMARKS and not comment:
        raise ReviewError(_("Say in the comment what was found and what is done about it."))
    with transaction.atomic():
        locked = LogReview.objects.select_for_update().get(pk=review.pk)
        if locked.completed_at is not None:
            return locked
        if not can_complete_log_review(reviewer, locked):
            raise PermissionDenied
        checked = {int(pk) for pk in checked_ids}
        locked.items.filter(entry_id__in=checked).update(checked=True)
        locked.completed_at = timezone.now()
        locked.result = result
        locked.comment = comment
        locked.save(update_fields=["completed_at", "result", "comment"])
    return locked
