"""Reads for the administration pages, each limited to what the actor administers.

The objects themselves are fetched through accounts.access (administered_*_or_404); these
functions build the lists shown on the pages, each in a fixed number of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from samplan.accounts import access
from samplan.accounts.models import LoginEvent, Membership, User
from samplan.auditlog.models import AdminChange
from samplan.organizations.models import Organization, Unit

RECENT_LOGIN_EVENTS = 20
RECENT_ENDED_MEMBERSHIPS = 20
RECENT_CHANGES = 10


def user_list(actor: User, organization: Organization, *, query: str, status: str) -> QuerySet:
    """An organisation's accounts, searched by name, username or HSA-id.

    Each word of the search must match one of the fields, so "anna svensson" finds Anna
    Svensson. Served by the index user_org_active_name_idx.
    """
    users = (
        access.administered_users(actor)
        .filter(organization=organization)
        .select_related("profession")
        .order_by("last_name", "first_name", "username")
    )
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    for word in query.split():
        users = users.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(hsa_id__icontains=word)
        )
    return users


def user_memberships(user: User) -> tuple[list[Membership], list[Membership]]:
    """The user's standing memberships (in force or starting later) and the ended or expired
    ones, the latter newest first and limited to the latest few."""
    today = timezone.localdate()
    memberships = list(
        access.memberships_of(user)
        .select_related("unit__organization", "ended_by", "created_by")
        .order_by("unit__organization__name", "unit__name", "role", "-valid_from")
    )
    standing = [
        m for m in memberships if m.ended_at is None and (m.valid_to is None or m.valid_to >= today)
    ]
    past = [m for m in memberships if m not in standing]
    past.sort(key=lambda m: m.ended_at or _end_of(m.valid_to), reverse=True)
    return standing, past[:RECENT_ENDED_MEMBERSHIPS]


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def recent_login_events(user: User) -> QuerySet[LoginEvent]:
    """Served by loginevent_user_at_idx."""
    return LoginEvent.objects.filter(user=user).select_related("unit")[:RECENT_LOGIN_EVENTS]


@dataclass
class TreeNode:
    unit: Unit
    children: list[TreeNode] = field(default_factory=list)


def unit_tree(organization: Organization) -> list[TreeNode]:
    """The organisation's units as a tree, in one query (served by unit_org_parent_idx)."""
    units = list(Unit.objects.filter(organization=organization).order_by("name", "pk"))
    nodes = {unit.pk: TreeNode(unit) for unit in units}
    roots: list[TreeNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(nodes[unit.pk])
    return roots


def unit_members(unit: Unit) -> QuerySet[Membership]:
    """Who holds a role in the unit now or from a later date (membership_unit_role_idx)."""
    return (
        access.standing_unit_memberships(unit)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "role")
    )


def _history(actor: User) -> QuerySet[AdminChange]:
    return AdminChange.objects.filter(
        organization_id__in=access.administered_organization_ids(actor)
    ).select_related("actor", "actor_unit")


def organization_history(actor: User, organization: Organization) -> QuerySet[AdminChange]:
    """Served by adminchange_org_at_idx and, filtered by type, adminchange_org_type_at_idx."""
    return _history(actor).filter(organization=organization)


def user_history(actor: User, user: User) -> QuerySet[AdminChange]:
    """Changes to the account and to its memberships, as far as the actor may read them."""
    membership_ids = [str(pk) for pk in access.memberships_of(user).values_list("pk", flat=True)]
    return _history(actor).filter(
        Q(target_type="user", target_id=str(user.pk))
        | Q(target_type="membership", target_id__in=membership_ids)
    )


def unit_history(actor: User, unit: Unit) -> QuerySet[AdminChange]:
    """Served by adminchange_target_idx."""
    return _history(actor).filter(target_type="unit", target_id=str(unit.pk))
