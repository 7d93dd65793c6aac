"""Days to answer a deviation: per agreement between a region and a municipality (stored in
AgreementDeviationTerms beside the agreement), domain.md's default of 14 days otherwise."""

from __future__ import annotations

import datetime

from samplan.deviations.models import DEFAULT_ANSWER_DAYS, AgreementDeviationTerms
from samplan.organizations.agreements import agreement_in_force, principal_of
from samplan.organizations.models import Agreement, Organization, OrganizationKind


def answer_days_of(agreement: Agreement) -> int:
    days = (
        AgreementDeviationTerms.objects.filter(agreement=agreement)
        .values_list("answer_days", flat=True)
        .first()
    )
    return DEFAULT_ANSWER_DAYS if days is None else days


def answer_days_between(first: Organization, second: Organization, on_date: datetime.date) -> int:
    """The days to answer a deviation between two organisations reported on `on_date`: those
    of the agreement in force between the region and the municipality involved (in either
    direction; a private provider counts as the organisation that contracted it)."""
    by_kind = {}
    for organization in (principal_of(first), principal_of(second)):
        by_kind.setdefault(organization.kind, organization)
    region = by_kind.get(OrganizationKind.REGION)
    municipality = by_kind.get(OrganizationKind.MUNICIPALITY)
    if region is None or municipality is None:
        return DEFAULT_ANSWER_DAYS
    agreement = agreement_in_force(region, municipality, on_date)
    return DEFAULT_ANSWER_DAYS if agreement is None else answer_days_of(agreement)
