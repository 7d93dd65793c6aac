"""Who may do what: every permission check of the product lives here, used by every view.

Roles are held per unit (Membership). Their reach (domain.md §2):
- user, super_user: the unit itself (super_user's forwarding duties reach the organisation
  through the messaging app later);
- manager: the unit and its sub-units;
- local_admin, log_reviewer, report_viewer: the whole organisation of the unit;
- system_admin: the organisation of the unit and the private providers contracted by it.
A Django superuser (the installation's operator) may administer every organisation.
Only memberships in force today count; a deactivated user has none.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from samplan.accounts.models import Membership, Role, User
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind

ORGANISATION_WIDE_ROLES = {Role.LOCAL_ADMIN, Role.LOG_REVIEWER, Role.REPORT_VIEWER}
ADMIN_ROLES = {Role.LOCAL_ADMIN, Role.SYSTEM_ADMIN}

# Roles an administrator may hand out: local admins manage ordinary access; granting
# administrator roles is for system administrators (domain.md §2: they manage local admins).
GRANTABLE_BY_LOCAL_ADMIN = (
    Role.USER,
    Role.SUPER_USER,
    Role.MANAGER,
    Role.LOG_REVIEWER,
    Role.REPORT_VIEWER,
)
GRANTABLE_BY_SYSTEM_ADMIN = (*GRANTABLE_BY_LOCAL_ADMIN, Role.LOCAL_ADMIN, Role.SYSTEM_ADMIN)


def active_memberships(user: User) -> list[Membership]:
    """The user's memberships in force today, with unit and organisation; cached per user object."""
    cached = getattr(user, "_active_memberships", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        memberships: list[Membership] = []
    else:
        memberships = list(
            Membership.objects.active_on()
            .filter(user=user, unit__is_active=True)
            .select_related("unit__organization")
            .order_by("unit__organization__name", "unit__name")
        )
    user._active_memberships = memberships
    return memberships


def forget_memberships(user: User) -> None:
    """Drop the per-request cache after memberships were changed."""
    user.__dict__.pop("_active_memberships", None)
    user.__dict__.pop("_housing_coordinator_orgs", None)


def working_units(user: User) -> list[Unit]:
    """Units the user may log in to and act for, each once, in a stable order."""
    seen: dict[int, Unit] = {}
    for membership in active_memberships(user):
        if membership.unit.is_active_on():
            seen.setdefault(membership.unit_id, membership.unit)
    return list(seen.values())


def roles_in_unit(user: User, unit: Unit) -> set[str]:
    """Roles the user holds directly in `unit` (not inherited from a parent unit)."""
    return {m.role for m in active_memberships(user) if m.unit_id == unit.pk}


def has_role_in_organization(user: User, role: str, organization_id: int) -> bool:
    return any(
        m.role == role and m.unit.organization_id == organization_id
        for m in active_memberships(user)
    )


def _organization_ids_for(user: User, roles: Iterable[str]) -> set[int]:
    wanted = set(roles)
    return {m.unit.organization_id for m in active_memberships(user) if m.role in wanted}


def system_administered_organization_ids(user: User) -> set[int]:
    """Organisations whose structure the user may change (own + contracted providers)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return set(Organization.objects.values_list("pk", flat=True))
    own = _organization_ids_for(user, {Role.SYSTEM_ADMIN})
    if not own:
        return set()
    contracted = Organization.objects.filter(contracted_by__in=own).values_list("pk", flat=True)
    return own | set(contracted)


def administered_organization_ids(user: User) -> set[int]:
    """Organisations whose users, memberships and unit contact data the user may manage."""
    cached = getattr(user, "_administered_orgs", None)
    if cached is not None:
        return cached
    result = system_administered_organization_ids(user) | _organization_ids_for(
        user, {Role.LOCAL_ADMIN}
    )
    user._administered_orgs = result
    return result


def administered_organizations(user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=administered_organization_ids(user))


def administered_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(organization_id__in=administered_organization_ids(user))


def is_administrator(user: User) -> bool:
    return bool(administered_organization_ids(user))


def is_system_administrator(user: User, organization: Organization | None = None) -> bool:
    ids = system_administered_organization_ids(user)
    return bool(ids) if organization is None else organization.pk in ids


def can_administer_organization(user: User, organization: Organization) -> bool:
    return organization.pk in administered_organization_ids(user)


def can_manage_user(actor: User, target: User) -> bool:
    """Local and system admins manage accounts belonging to their organisations."""
    if target.is_superuser and not actor.is_superuser:
        return False
    return target.organization_id in administered_organization_ids(actor)


def can_edit_unit(actor: User, unit: Unit) -> bool:
    """Contact data and inbox settings of a unit."""
    return unit.organization_id in administered_organization_ids(actor)


def can_change_unit_tree(actor: User, organization: Organization) -> bool:
    """Creating, moving and closing units is for the organisation's system administrators."""
    return organization.pk in system_administered_organization_ids(actor)


def can_create_organization(actor: User, kind: str, contracted_by: Organization | None) -> bool:
    """Superusers create any organisation; a system admin creates providers contracted by theirs."""
    if actor.is_superuser:
        return True
    return (
        kind == OrganizationKind.PRIVATE_PROVIDER
        and contracted_by is not None
        and contracted_by.pk in _organization_ids_for(actor, {Role.SYSTEM_ADMIN})
    )


def grantable_roles(actor: User, organization: Organization) -> tuple[str, ...]:
    if is_system_administrator(actor, organization):
        return GRANTABLE_BY_SYSTEM_ADMIN
    if can_administer_organization(actor, organization):
        return GRANTABLE_BY_LOCAL_ADMIN
    return ()


def can_grant(actor: User, unit: Unit, role: str) -> bool:
    return role in grantable_roles(actor, unit.organization)


def can_end_membership(actor: User, membership: Membership) -> bool:
    return can_grant(actor, membership.unit, membership.role)


# --- Addressing register (domain.md §2 local_admin, §4) -----------------------------------
# Patient filters, area rules and the fallback inbox: the local and system administrators of
# the unit's organisation. Residence lists: for nursing homes also the organisation's housing
# coordinators (boendesamordnare, a profession) and for the nursing homes of providers it
# contracts; for disability services (LSS housing) only system administrators, per the seeds.

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


def require(allowed: bool) -> None:
    """Raise 403 unless allowed; views call it with one of the functions above."""
    if not allowed:
        raise PermissionDenied
