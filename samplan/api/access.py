"""Who may administer integrating systems, and fetching them for an administrator.

System administrators of an organisation (and superusers) create, change, rotate and revoke
its integrating systems; anyone else gets 404 for a client outside their organisations.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from samplan.accounts.access import system_administered_organization_ids
from samplan.accounts.models import User
from samplan.api.models import IntegrationClient
from samplan.organizations.models import Organization, Unit


def can_administer_clients(user: User, organization: Organization | None = None) -> bool:
    ids = system_administered_organization_ids(user)
    return bool(ids) if organization is None else organization.pk in ids


def administered_clients(user: User) -> QuerySet[IntegrationClient]:
    return IntegrationClient.objects.filter(
        organization_id__in=system_administered_organization_ids(user)
    ).select_related("organization")


def administered_client_or_404(user: User, client_id: int) -> IntegrationClient:
    client = administered_clients(user).filter(pk=client_id).first()
    if client is None:
        raise Http404
    return client


def client_organizations(user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=system_administered_organization_ids(user))


def client_unit_choices(organization: Organization) -> QuerySet[Unit]:
    """The units a client of `organization` may be given: its units that have an inbox."""
    return Unit.objects.filter(organization=organization, has_inbox=True).order_by("name")
