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
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from samplan.accounts.models import Membership, Role, User
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.patients.relations import unit_has_relation

if TYPE_CHECKING:
    from samplan.patients.models import Patient

# Roles that work with patients in their unit (search, patient page, consent). Administrator
# roles never read patient content because of that role alone (domain.md §2).
PATIENT_WORK_ROLES = {Role.USER, Role.SUPER_USER}
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


def can_work_with_patients(user: User, unit: Unit | None) -> bool:
    """Search patients, open patient pages, create patients and record consent for `unit`."""
    return unit is not None and bool(roles_in_unit(user, unit) & PATIENT_WORK_ROLES)


def unit_may_see_patient(unit: Unit, patient: Patient) -> bool:
    """Need-to-know: a case or plan the unit takes part in, or its own addressing row.

    The relations are registered by the apps that own them (samplan.patients.relations).
    """
    return unit_has_relation(unit, patient)


def can_change_patient(user: User, unit: Unit | None, patient: Patient) -> bool:
    """Change details, link a reserve number, record or withdraw consent."""
    return (
        unit is not None
        and can_work_with_patients(user, unit)
        and unit_may_see_patient(unit, patient)
    )


def reserve_format_region_ids(user: User) -> set[int]:
    """Regions whose reservnummer formats the user maintains: their system administrators'."""
    ids = system_administered_organization_ids(user)
    if not ids:
        return set()
    return set(
        Organization.objects.filter(pk__in=ids, kind=OrganizationKind.REGION).values_list(
            "pk", flat=True
        )
    )


def can_manage_reserve_formats(user: User, region: Organization | None = None) -> bool:
    """Any region (for the menu and list) or the given one."""
    ids = reserve_format_region_ids(user)
    return bool(ids) if region is None else region.pk in ids


def require(allowed: bool) -> None:
    """Raise 403 unless allowed; views call it with one of the functions above."""
    if not allowed:
        raise PermissionDenied


# --- Discharge agreements and the amounts per day (samplan.discharge) -----------------------
# An agreement binds a region and a municipality; the system administrators of either party
# may record and change it (both parties' histories show every change). The national table of
# amounts per year is kept by superusers and by system administrators of any region or
# municipality (domain.md §6: "editable by system admins").

AGREEMENT_PARTY_KINDS = (OrganizationKind.REGION, OrganizationKind.MUNICIPALITY)


def agreement_party_ids(user: User) -> set[int]:
    """Regions and municipalities whose agreements the user may record and change."""
    cached = getattr(user, "_agreement_parties", None)
    if cached is not None:
        return cached
    ids = system_administered_organization_ids(user)
    result = (
        set(
            Organization.objects.filter(pk__in=ids, kind__in=AGREEMENT_PARTY_KINDS).values_list(
                "pk", flat=True
            )
        )
        if ids
        else set()
    )
    user._agreement_parties = result
    return result


def can_manage_agreements(user: User) -> bool:
    return bool(agreement_party_ids(user))


def can_edit_agreement(user: User, agreement: object) -> bool:
    """`agreement` is a samplan.discharge Agreement (read through its two party ids)."""
    parties = agreement_party_ids(user)
    return agreement.region_id in parties or agreement.municipality_id in parties


def can_edit_daily_amounts(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or can_manage_agreements(user))
    )


# --- The unit inbox and its alerts (samplan.messaging) --------------------------------------


def can_use_inbox(user: User, unit: Unit | None) -> bool:
    """Mottagna, Skickade, Översikt, Skapa and the message page: patient work in the unit
    (the inbox shows patients; administrator roles alone do not open it)."""
    return can_work_with_patients(user, unit)


def can_edit_alert_settings(user: User, unit: Unit) -> bool:
    """Avisering: the unit's own users keep its numbers and addresses; the organisation's
    local (and system) administrators may too, as part of the unit's contact data."""
    return unit.has_inbox and (can_work_with_patients(user, unit) or can_edit_unit(user, unit))
