"""Who may change organisations, unit trees and agreements: rules derived from administrator
roles, so they sit with the roles (samplan.accounts.access) below the apps that use them.

Local administrators keep a unit's contact data (can_edit_unit); the structure of the tree
and an organisation's own data are for its system administrators; superusers create any
organisation, a system administrator the private providers contracted by theirs.
"""

from __future__ import annotations

from django.db.models import QuerySet

from samplan.accounts.access import (
    administered_organization_ids,
    organization_ids_with_roles,
    system_administered_organization_ids,
)
from samplan.accounts.models import Role, User
from samplan.organizations.models import Agreement, Organization, OrganizationKind, Unit


def can_edit_unit(actor: User, unit: Unit) -> bool:
    """Contact data and inbox settings of a unit."""
    return unit.organization_id in administered_organization_ids(actor)


def can_change_unit_tree(actor: User, organization: Organization) -> bool:
    """Creating, moving and closing units is for the organisation's system administrators."""
    return organization.pk in system_administered_organization_ids(actor)


def can_edit_organization(actor: User, organization: Organization) -> bool:
    """Name, numbers and codes of an organisation: its system administrators."""
    return organization.pk in system_administered_organization_ids(actor)


def can_create_organization(actor: User, kind: str, contracted_by: Organization | None) -> bool:
    """Superusers create any organisation; a system admin creates providers contracted by theirs."""
    if actor.is_superuser:
        return True
    return (
        kind == OrganizationKind.PRIVATE_PROVIDER
        and contracted_by is not None
        and contracted_by.pk in organization_ids_with_roles(actor, {Role.SYSTEM_ADMIN})
    )


def provider_contracting_organizations(actor: User) -> QuerySet[Organization]:
    """Organisations the actor may create private providers for, as their contractor."""
    if actor.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(
        pk__in=organization_ids_with_roles(actor, {Role.SYSTEM_ADMIN})
    )


def may_create_organizations(actor: User) -> bool:
    """Whether the actor may create any organisation at all (shows the Create button)."""
    return actor.is_superuser or bool(organization_ids_with_roles(actor, {Role.SYSTEM_ADMIN}))


# --- Agreements between a region and a municipality ---------------------------------------------
# An agreement binds a region and a municipality; the system administrators of either party
# may record and change it (both parties' histories show every change).

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


def can_edit_agreement(user: User, agreement: Agreement) -> bool:
    """A party's system administrators record and change the agreement."""
    parties = agreement_party_ids(user)
    return agreement.region_id in parties or agreement.municipality_id in parties
