"""Who sees activity reports (domain.md §2, §8), built on samplan.accounts.access.

Report viewers see the activity reports of their organisation; managers those of their units
and the units below them.
"""

from __future__ import annotations

from dataclasses import dataclass

from samplan.accounts.access import active_memberships, has_role_in_organization
from samplan.accounts.models import Role, User
from samplan.organizations.models import Organization, Unit


@dataclass(frozen=True)
class ReportReach:
    """Which part of an organisation a user's reports cover: all of it (unit_ids None) or
    the listed units (a manager's units and the units below them)."""

    organization: Organization
    unit_ids: frozenset[int] | None

    @property
    def whole_organization(self) -> bool:
        return self.unit_ids is None


def _with_descendants(organization_id: int, roots: set[int]) -> frozenset[int]:
    children: dict[int, list[int]] = {}
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
    return frozenset(found)


def report_reach(user: User, unit: Unit | None) -> ReportReach | None:
    """What the user's activity reports cover while acting for `unit`; None: no reports."""
    if unit is None:
        return None
    organization = unit.organization
    if has_role_in_organization(user, Role.REPORT_VIEWER, organization.pk):
        return ReportReach(organization, None)
    managed = {
        m.unit_id
        for m in active_memberships(user)
        if m.role == Role.MANAGER and m.unit.organization_id == organization.pk
    }
    if not managed:
        return None
    return ReportReach(organization, _with_descendants(organization.pk, managed))


def can_view_reports(user: User, unit: Unit | None) -> bool:
    if unit is None:
        return False
    return any(
        m.role in (Role.REPORT_VIEWER, Role.MANAGER)
        and m.unit.organization_id == unit.organization_id
        for m in active_memberships(user)
    )
