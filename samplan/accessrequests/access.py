"""Who may order, decide, see and review access (domain.md §2: a manager orders and ends access
for their staff; the organisation's local administrator carries it out).

A manager's reach is the units where they hold the manager role and those units' sub-units,
in the unit's own organisation. Orders and review items outside the actor's reach are reported
as missing (404), so ids cannot be probed.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from samplan.accessrequests.models import AccessRequest, AccessReview, ReviewItem
from samplan.accounts import access
from samplan.accounts.models import Membership, Role, User
from samplan.organizations.models import Organization, OrganizationKind, Unit

# Roles a manager may order for their staff: what a local administrator may grant. The
# administrator roles are given by system administrators and are not ordered here.
ORDERABLE_ROLES = access.GRANTABLE_BY_LOCAL_ADMIN


def _with_descendants(organization_id: int, roots: set[int]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Unit.objects.filter(organization_id=organization_id).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def managed_unit_ids(user: User) -> set[int]:
    """Units the user manages today: where they are manager, and the sub-units (cached)."""
    cached = getattr(user, "_managed_unit_ids", None)
    if cached is not None:
        return cached
    by_org: dict[int, set[int]] = {}
    for membership in access.active_memberships(user):
        if membership.role == Role.MANAGER:
            by_org.setdefault(membership.unit.organization_id, set()).add(membership.unit_id)
    result: set[int] = set()
    for organization_id, roots in by_org.items():
        result |= _with_descendants(organization_id, roots)
    # A main provider's managers at the top of its tree order access for its subcontractors'
    # staff too (seed 002: "Beställs av huvudleverantör"): every unit of its active
    # subcontractors (Organization.main_provider).
    top_of = {
        m.unit.organization_id
        for m in access.active_memberships(user)
        if m.role == Role.MANAGER
        and m.unit.parent_id is None
        and m.unit.organization.kind == OrganizationKind.PRIVATE_PROVIDER
    }
    if top_of:
        result |= set(
            Unit.objects.filter(
                organization__main_provider_id__in=top_of, organization__is_active=True
            ).values_list("pk", flat=True)
        )
    user._managed_unit_ids = result
    return result


def managed_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=managed_unit_ids(user), is_active=True)


def can_order(user: User) -> bool:
    """Managers order access (Beställ behörighet)."""
    return any(m.role == Role.MANAGER for m in access.active_memberships(user))


def may_decide_in(user: User, organization_id: int) -> bool:
    """The organisation's local and system administrators approve and reject orders."""
    return organization_id in access.administered_organization_ids(user)


def can_use_access_orders(user: User) -> bool:
    """Shows the header's link: managers, and administrators who decide orders."""
    return can_order(user) or access.is_administrator(user)


def can_decide(user: User, order: AccessRequest) -> bool:
    """An administrator of the order's organisation who could grant its role; never about
    their own account (no one raises their own rights)."""
    if not may_decide_in(user, order.organization_id) or order.subject_id == user.pk:
        return False
    if order.unit_id is not None and order.role:
        return access.can_grant(user, order.unit, order.role)
    if order.subject_id is not None:
        return access.can_see_user(user, order.subject)
    return True


def visible_orders(user: User) -> QuerySet[AccessRequest]:
    """Orders the user may see: their own, those for units they manage, and all of the
    organisations they administer."""
    condition = Q(ordered_by=user)
    managed = managed_unit_ids(user)
    if managed:
        condition |= Q(unit_id__in=managed)
    administered = access.administered_organization_ids(user)
    if administered:
        condition |= Q(organization_id__in=administered)
    return AccessRequest.objects.filter(condition)


def order_or_404(user: User, pk: int) -> AccessRequest:
    order = (
        visible_orders(user)
        .select_related(
            "organization",
            "unit",
            "subject",
            "profession",
            "membership__unit",
            "ordered_by",
            "decided_by",
            "created_user",
        )
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise Http404
    return order


def orderable_staff(user: User) -> QuerySet[User]:
    """Accounts a manager may order for: active users of the organisations of their units."""
    organization_ids = set(
        Unit.objects.filter(pk__in=managed_unit_ids(user)).values_list("organization_id", flat=True)
    )
    return User.objects.filter(
        organization_id__in=organization_ids, is_active=True, is_superuser=False
    ).exclude(pk=user.pk)


def standing_memberships(day: datetime.date | None = None) -> QuerySet[Membership]:
    """Memberships not ended and not expired on `day` (today), including those that start
    later."""
    return Membership.objects.filter(ended_at__isnull=True).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day or timezone.localdate())
    )


def staff_memberships(user: User) -> QuerySet[Membership]:
    """Standing memberships in the units the user manages (for a changed period), not their own."""
    return (
        standing_memberships()
        .filter(unit_id__in=managed_unit_ids(user), user__is_active=True)
        .exclude(user=user)
    )


# --- Settings and access review ------------------------------------------------------------


def can_edit_settings(user: User, organization: Organization) -> bool:
    return access.can_administer_organization(user, organization)


def can_read_review_report(user: User, organization_id: int) -> bool:
    """The review's progress: the organisation's log reviewers, local and system administrators."""
    return organization_id in access.administered_organization_ids(
        user
    ) or access.has_role_in_organization(user, Role.LOG_REVIEWER, organization_id)


def report_organization_ids(user: User) -> set[int]:
    return access.administered_organization_ids(user) | access.organization_ids_with_roles(
        user, {Role.LOG_REVIEWER}
    )


def reviewable_items(user: User, review: AccessReview) -> QuerySet[ReviewItem]:
    """Items the user answers: in the units they manage, or all of an organisation they
    administer; never their own roles."""
    items = ReviewItem.objects.filter(review=review).exclude(membership__user=user)
    if may_decide_in(user, review.organization_id):
        return items
    return items.filter(unit_id__in=managed_unit_ids(user))


def can_review(user: User, review: AccessReview) -> bool:
    return may_decide_in(user, review.organization_id) or bool(
        managed_unit_ids(user)
        and Unit.objects.filter(
            pk__in=managed_unit_ids(user), organization_id=review.organization_id
        ).exists()
    )


def review_item_or_404(user: User, pk: int) -> ReviewItem:
    item = (
        ReviewItem.objects.select_related(
            "review__organization", "membership__user", "membership__unit", "unit"
        )
        .filter(pk=pk)
        .first()
    )
    if item is None or not reviewable_items(user, item.review).filter(pk=item.pk).exists():
        raise Http404
    return item
