"""Who keeps the addressing register (domain.md §2 local_admin, §4), built on accounts.access.

Patient filters, area rules and the fallback inbox: the local and system administrators of
the unit's organisation. Residence lists: for nursing homes also the organisation's housing
coordinators (boendesamordnare, a profession) and for the nursing homes of providers it
contracts; for disability services (LSS housing) only system administrators, per the seeds.
The routing simulator looks a person up, so it is for administrators only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from samplan.accounts.access import (
    active_memberships,
    administered_organization_ids,
    is_administrator,
    system_administered_organization_ids,
)
from samplan.accounts.models import User
from samplan.organizations.models import Organization, Unit, UnitKind

HOUSING_COORDINATOR = "housing_coordinator"
RESIDENCE_UNIT_KINDS = (UnitKind.NURSING_HOME, UnitKind.DISABILITY_SERVICES)


def housing_coordinator_organization_ids(user: User) -> set[int]:
    """Organisations whose nursing-home residence lists the user keeps as housing coordinator:
    those the user holds a membership in, and the providers they contract."""
    cached = getattr(user, "_housing_coordinator_orgs", None)
    if cached is not None:
        return cached
    result: set[int] = set()
    if user.is_authenticated and user.is_active and user.profession_id is not None:
        own = {m.unit.organization_id for m in active_memberships(user)}
        if own and user.profession.code == HOUSING_COORDINATOR:
            contracted = Organization.objects.filter(contracted_by__in=own).values_list(
                "pk", flat=True
            )
            result = own | set(contracted)
    user._housing_coordinator_orgs = result
    return result


def patient_filter_units(user: User) -> QuerySet[Unit]:
    """Units whose patient filters the user may see and edit."""
    return Unit.objects.filter(organization_id__in=administered_organization_ids(user))


def can_manage_patient_filters(user: User, unit: Unit) -> bool:
    return unit.organization_id in administered_organization_ids(user)


def residence_list_units(user: User) -> QuerySet[Unit]:
    """Units whose residence list the user may see and edit."""
    nursing_home_orgs = administered_organization_ids(user) | housing_coordinator_organization_ids(
        user
    )
    return Unit.objects.filter(
        Q(kind=UnitKind.NURSING_HOME, organization_id__in=nursing_home_orgs)
        | Q(
            kind=UnitKind.DISABILITY_SERVICES,
            organization_id__in=system_administered_organization_ids(user),
        )
    )


def can_manage_residence_list(user: User, unit: Unit) -> bool:
    if unit.kind == UnitKind.NURSING_HOME:
        return unit.organization_id in (
            administered_organization_ids(user) | housing_coordinator_organization_ids(user)
        )
    if unit.kind == UnitKind.DISABILITY_SERVICES:
        return unit.organization_id in system_administered_organization_ids(user)
    return False


def area_rule_units(user: User) -> QuerySet[Unit]:
    """Units the user may name as receivers of area rules (and so see those rules)."""
    return Unit.objects.filter(organization_id__in=administered_organization_ids(user))


def can_manage_area_rules(user: User, unit: Unit) -> bool:
    return unit.organization_id in administered_organization_ids(user)


def can_set_fallback_inbox(user: User, organization: Organization) -> bool:
    return organization.pk in administered_organization_ids(user)


def can_use_addressing_register(user: User) -> bool:
    """Any part of the register: the entry page and the link to it."""
    return is_administrator(user) or bool(housing_coordinator_organization_ids(user))


def can_simulate_routing(user: User) -> bool:
    """The routing simulator looks a person up, so it is for administrators only."""
    return is_administrator(user)
