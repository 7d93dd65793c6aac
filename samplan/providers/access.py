"""Who may register, take over and close down providers (seed 002).

The system administrators of a region or municipality register the private providers it
contracts, plan their takeovers and close them down; a provider's own system administrators
close its units. A provider or takeover outside the actor's reach is reported as missing (404).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from samplan.accounts import access
from samplan.accounts import administering as org_access
from samplan.accounts.models import User
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.providers.models import Takeover


def can_register_providers(user: User) -> bool:
    """Superusers and system administrators (of the contracting region or municipality)."""
    return user.is_authenticated and org_access.may_create_organizations(user)


def providers_of(user: User) -> QuerySet[Organization]:
    """The private providers the user system-administers (those their organisation contracts,
    its subcontractors, or the provider itself)."""
    if user.is_superuser:
        return Organization.objects.filter(kind=OrganizationKind.PRIVATE_PROVIDER)
    return Organization.objects.filter(
        kind=OrganizationKind.PRIVATE_PROVIDER,
        pk__in=access.system_administered_organization_ids(user),
    )


def provider_or_404(user: User, pk: int) -> Organization:
    provider = providers_of(user).select_related("contracted_by", "main_provider").filter(pk=pk)
    found = provider.first()
    if found is None:
        raise Http404
    return found


def can_close_unit(user: User, unit: Unit) -> bool:
    return org_access.can_change_unit_tree(user, unit.organization)


def closable_unit_or_404(user: User, pk: int) -> Unit:
    unit = Unit.objects.select_related("organization").filter(pk=pk).first()
    if unit is None or not can_close_unit(user, unit):
        raise Http404
    return unit


def takeovers_of(user: User) -> QuerySet[Takeover]:
    """Takeovers where the user system-administers the handing-over or taking-over side."""
    if user.is_superuser:
        return Takeover.objects.all()
    ids = access.system_administered_organization_ids(user)
    return Takeover.objects.filter(Q(from_organization_id__in=ids) | Q(to_organization_id__in=ids))


def takeover_or_404(user: User, pk: int) -> Takeover:
    takeover = (
        takeovers_of(user)
        .select_related("from_organization", "to_organization", "planned_by")
        .filter(pk=pk)
        .first()
    )
    if takeover is None:
        raise Http404
    return takeover


def can_plan_takeover(
    user: User, from_organization: Organization, to_organization: Organization
) -> bool:
    """Both sides must be the user's to administer: units, registers and staff of both move."""
    ids = access.system_administered_organization_ids(user)
    return user.is_superuser or (from_organization.pk in ids and to_organization.pk in ids)


def takeover_parties(user: User) -> QuerySet[Organization]:
    """Organisations the user may hand over from or to: those they system-administer."""
    if user.is_superuser:
        return Organization.objects.order_by("name")
    return Organization.objects.filter(
        pk__in=access.system_administered_organization_ids(user)
    ).order_by("name")
