"""Who reviews the access log (domain.md §2, §8), built on samplan.accounts.access.

Log reviewers review the access log of their organisation: the rows written by anyone acting
for one of its units. They work for the organisation of the unit they act for, so a person
who reviews for two organisations switches unit to switch organisation. The log-review pages
(views, selectors, extract) use these rules; they are kept in this one module so that the
pages can move to a higher app in one step.
"""

from __future__ import annotations

from samplan.accounts.access import has_role_in_organization
from samplan.accounts.models import Role, User
from samplan.auditlog.models import LogReview
from samplan.organizations.models import Organization, Unit


def log_review_organization(user: User, unit: Unit | None) -> Organization | None:
    """The organisation whose access log the user reviews while acting for `unit`, if any."""
    if unit is None or not has_role_in_organization(user, Role.LOG_REVIEWER, unit.organization_id):
        return None
    return unit.organization


def can_review_logs(user: User, unit: Unit | None) -> bool:
    return log_review_organization(user, unit) is not None


def can_complete_log_review(user: User, review: LogReview) -> bool:
    """An open review is completed by the reviewer who started it; it is then kept as is."""
    return review.reviewer_id == user.pk and review.completed_at is None
