"""Which reservnummer formats apply to a user: their region's, or the defaults (domain.md §3).

A reserve number is issued by a region's hospitals, so the formats are the region's. A unit of
a municipality uses the region of its county (the first two digits of the kommunkod are the
länskod), a private provider those of the organisation that contracted it.
"""

from __future__ import annotations

from samplan.organizations.models import Organization, OrganizationKind
from samplan.patients.identity import DEFAULT_RESERVE_PATTERNS, ReservePattern
from samplan.patients.models import ReserveNumberFormat

# Providers contract providers (subcontractors); a chain longer than this is a data error.
_MAX_CONTRACT_DEPTH = 5


def region_for(organization: Organization | None) -> Organization | None:
    """The region whose reserve numbers the organisation's staff meet, if it can be told."""
    for _depth in range(_MAX_CONTRACT_DEPTH):
        if organization is None:
            return None
        if organization.kind == OrganizationKind.REGION:
            return organization
        if organization.kind == OrganizationKind.PRIVATE_PROVIDER:
            organization = organization.contracted_by
            continue
        county = organization.area_code[:2]
        if len(county) != 2:
            return None
        return (
            Organization.objects.filter(kind=OrganizationKind.REGION, area_code=county)
            .order_by("pk")
            .first()
        )
    return None


def region_patterns(region: Organization | None) -> tuple[ReservePattern, ...]:
    """The region's active formats, or the defaults when it has none."""
    if region is None:
        return DEFAULT_RESERVE_PATTERNS
    formats = ReserveNumberFormat.objects.filter(region=region, active=True).order_by("name")
    return tuple(f.as_pattern() for f in formats) or DEFAULT_RESERVE_PATTERNS


def reserve_patterns_for(organization: Organization | None) -> tuple[ReservePattern, ...]:
    return region_patterns(region_for(organization))
