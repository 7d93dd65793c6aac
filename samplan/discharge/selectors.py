"""Reads of the discharge configuration: the terms in force and the amounts per year."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet

from samplan.accounts.models import User
from samplan.discharge.deadlines import local_date
from samplan.discharge.models import Agreement, DailyAmount
from samplan.discharge.terms import DEFAULT_TERMS, AgreementTerms
from samplan.organizations.access import agreement_party_ids
from samplan.organizations.models import Organization, OrganizationKind


def agreement_in_force(
    region: Organization | int, municipality: Organization | int, on_date: datetime.date
) -> Agreement | None:
    region_id = region if isinstance(region, int) else region.pk
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    return (
        Agreement.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on_date),
            region_id=region_id,
            municipality_id=municipality_id,
            valid_from__lte=on_date,
        )
        .order_by("-valid_from")
        .first()
    )


def terms_for(
    region: Organization | int, municipality: Organization | int, on_date: datetime.date
) -> AgreementTerms:
    """The terms a region and a municipality agreed on for `on_date` (a Swedish local date,
    e.g. the date of admission), or domain.md's defaults when they have no agreement."""
    agreement = agreement_in_force(region, municipality, on_date)
    return DEFAULT_TERMS if agreement is None else agreement.terms()


def daily_amounts() -> dict[int, Decimal]:
    """The amount per liable day by calendar year, for liability.payment_liability()."""
    return dict(DailyAmount.objects.values_list("year", "amount"))


def agreements_for_user(user: User) -> QuerySet[Agreement]:
    """Agreements the user may see and change: those their organisations are party to."""
    parties = agreement_party_ids(user)
    return (
        Agreement.objects.filter(Q(region_id__in=parties) | Q(municipality_id__in=parties))
        .select_related("region", "municipality")
        .order_by("region__name", "municipality__name", "-valid_from", "pk")
    )


def _principal(organization: Organization) -> Organization:
    """A private provider acts under the region or municipality that contracted it."""
    if organization.kind == OrganizationKind.PRIVATE_PROVIDER and organization.contracted_by_id:
        return organization.contracted_by
    return organization


def terms_between(
    first: Organization, second: Organization, *, on: datetime.datetime
) -> AgreementTerms:
    """The terms that govern a message between two organisations at the instant `on`: those
    of the region and municipality involved (in either direction), else the defaults."""
    by_kind = {}
    for organization in (_principal(first), _principal(second)):
        by_kind.setdefault(organization.kind, organization)
    region = by_kind.get(OrganizationKind.REGION)
    municipality = by_kind.get(OrganizationKind.MUNICIPALITY)
    if region is None or municipality is None:
        return DEFAULT_TERMS
    return terms_for(region, municipality, local_date(on))
