"""Roles and memberships: the primitives every app's permission rules are built from.

Roles are held per unit (Membership). Their reach (domain.md §2):
- user, super_user: the unit itself (super_user's forwarding duties reach the organisation
  through the messaging app later);
- manager: the unit and its sub-units;
- local_admin, log_reviewer, report_viewer: the whole organisation of the unit;
- system_admin: the organisation of the unit and the private providers contracted by it.
A Django superuser (the installation's operator) may administer every organisation.
Only memberships in force today count; a deactivated user has none.

The rules about each domain's data sit beside that data, in the app's own access module
(samplan.patients.access, samplan.discharge.access, samplan.sip.access, ...), built from the
functions here; this module imports no app above accounts. What stays here is about accounts'
own data: administrators see the accounts of their organisations (can_see_user) but change
one only if they could grant every role it holds (can_manage_user), and never their own
account. The administered_*_or_404 selectors fetch the objects of the administration pages
and report anything outside the actor's reach as missing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from samplan.accounts.models import Membership, Role, User
from samplan.core.prepared import prepared
from samplan.organizations.models import Organization, Unit

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
    Role.DEVIATION_HANDLER,
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
        memberships = list(_memberships_in_force(user_id=user.pk, on=timezone.localdate()))
    user._active_memberships = memberships
    return memberships


@prepared
def _memberships_in_force(*, user_id: int, on: datetime.date) -> QuerySet[Membership]:
    """Read on every request (the unit the session acts for must still be allowed)."""
    return (
        Membership.objects.active_on(on)
        .filter(user_id=user_id, unit__is_active=True)
        .select_related("unit__organization")
        .order_by("unit__organization__name", "unit__name")
    )


def forget_memberships(user: User) -> None:
    """Drop the per-request caches after memberships were changed."""
    # request.user is a lazy object: the caches sit on the user it wraps.
    user = user.__dict__.get("_wrapped", user)
    if not hasattr(user, "__dict__"):
        return  # never evaluated, so nothing is cached
    for name in (
        "_active_memberships",
        "_administered_orgs",
        "_system_administered_orgs",
        "_housing_coordinator_orgs",
    ):
        user.__dict__.pop(name, None)


def working_units(user: User) -> list[Unit]:
    """Units the user may log in to and act for, each once, in a stable order."""
    seen: dict[int, Unit] = {}
    for membership in active_memberships(user):
        # A provider registered before its start date: no one acts for its units yet.
        if membership.unit.is_active_on() and membership.unit.organization.is_active_on():
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


def role_holders(units: Iterable[Unit | int], roles: Iterable[str]) -> QuerySet[Membership]:
    """Memberships in force today of active users holding one of `roles` in one of `units`.

    For rules about other people than the one logged in (who may be named coordinator);
    the logged-in user's own roles come from the cached active_memberships.
    """
    return Membership.objects.active_on().filter(
        unit__in=list(units), role__in=set(roles), user__is_active=True
    )


def holds_role_in_unit(user_id: int, unit_id: int, roles: Iterable[str]) -> bool:
    """Whether the (active) user holds one of `roles` in the unit today."""
    return role_holders([unit_id], roles).filter(user_id=user_id).exists()


def unit_memberships(unit: Unit) -> QuerySet[Membership]:
    """Every membership ever held in the unit (ended ones too), e.g. to end them all."""
    return Membership.objects.filter(unit=unit)


def memberships_of(user: User) -> QuerySet[Membership]:
    """Every membership the user ever held (ended ones too), for the account's page."""
    return Membership.objects.filter(user=user)


def standing_unit_memberships(unit: Unit) -> QuerySet[Membership]:
    """Memberships in the unit not ended and not expired, including those that start later."""
    return Membership.objects.filter(unit=unit, ended_at__isnull=True).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate())
    )


def organization_ids_with_roles(user: User, roles: Iterable[str]) -> set[int]:
    """Organisations in which the user holds one of `roles` today (from the cached list)."""
    wanted = set(roles)
    return {m.unit.organization_id for m in active_memberships(user) if m.role in wanted}


def system_administered_organization_ids(user: User) -> set[int]:
    """Organisations whose structure the user may change (own + contracted providers)."""
    cached = getattr(user, "_system_administered_orgs", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        result: set[int] = set()
    elif user.is_superuser:
        result = set(Organization.objects.values_list("pk", flat=True))
    else:
        own = organization_ids_with_roles(user, {Role.SYSTEM_ADMIN})
        contracted = (
            Organization.objects.filter(contracted_by__in=own).values_list("pk", flat=True)
            if own
            else []
        )
        result = own | set(contracted)
    user._system_administered_orgs = result
    return result


def administered_organization_ids(user: User) -> set[int]:
    """Organisations whose users, memberships and unit contact data the user may manage."""
    cached = getattr(user, "_administered_orgs", None)
    if cached is not None:
        return cached
    result = system_administered_organization_ids(user) | organization_ids_with_roles(
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


def can_see_user(actor: User, target: User) -> bool:
    """Local and system admins see the accounts belonging to their organisations."""
    if target.is_superuser and not actor.is_superuser:
        return False
    return target.organization_id in administered_organization_ids(actor)


def _standing_memberships(user: User) -> list[Membership]:
    """Memberships not ended and not expired, including those that start later."""
    return list(
        Membership.objects.filter(user=user, ended_at__isnull=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))
        .select_related("unit__organization")
    )


def can_manage_user(actor: User, target: User) -> bool:
    """Changing an account or its memberships: local and system admins manage the accounts
    of their organisations, except their own and accounts holding a role the actor could not
    grant (a local admin who could set a system admin's password could log in as them and so
    gain a role they were never given)."""
    if not can_see_user(actor, target) or actor.pk == target.pk:
        # Nobody administers their own account here: own contact data and password are
        # changed on My account, and no one lifts their own lock or raises their own rights.
        return False
    if actor.is_superuser:
        return True
    return all(can_grant(actor, m.unit, m.role) for m in _standing_memberships(target))


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


def can_read_history(actor: User, organization: Organization) -> bool:
    """The history of administrative changes is for the organisation's administrators."""
    return can_administer_organization(actor, organization)


# Selectors for the administration pages. An object outside the actor's reach is reported
# as missing (404), so ids cannot be probed to learn what exists in other organisations.


def administered_organization_or_404(actor: User, organization_id: int) -> Organization:
    if organization_id not in administered_organization_ids(actor):
        raise Http404
    return Organization.objects.select_related("contracted_by").get(pk=organization_id)


def administered_users(actor: User) -> QuerySet[User]:
    users = User.objects.filter(organization_id__in=administered_organization_ids(actor))
    return users if actor.is_superuser else users.filter(is_superuser=False)


def administered_user_or_404(actor: User, user_id: int) -> User:
    user = (
        administered_users(actor)
        .select_related("organization", "profession")
        .filter(pk=user_id)
        .first()
    )
    if user is None:
        raise Http404
    return user


def administered_unit_or_404(actor: User, unit_id: int) -> Unit:
    unit = (
        administered_units(actor)
        .select_related("organization", "parent")
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def administered_membership_or_404(actor: User, membership_id: int) -> Membership:
    """A membership of an account the actor sees; ending it needs can_end_membership too."""
    membership = (
        Membership.objects.select_related("user", "unit__organization")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or not can_see_user(actor, membership.user):
        raise Http404
    return membership


def require(allowed: bool) -> None:
    """Raise 403 unless allowed; views call it with one of the functions above."""
    if not allowed:
        raise PermissionDenied
