"""Which agreement's terms apply: between a region and a municipality on a date, or to a
message between two organisations at an instant (samplan.organizations.terms holds the terms
and the cut-off themselves)."""

from __future__ import annotations

import datetime

from django.db.models import Expression, OuterRef, Q, QuerySet, Subquery

from samplan.core.localtime import local_date
from samplan.core.prepared import prepared
from samplan.organizations.models import Agreement, Organization, OrganizationKind, Unit
from samplan.organizations.terms import DEFAULT_TERMS, AgreementTerms, first_cutoff_after


def agreement_in_force(
    region: Organization | int, municipality: Organization | int, on_date: datetime.date
) -> Agreement | None:
    """agreement_pair_from_idx (region, municipality, valid_from)."""
    region_id = region if isinstance(region, int) else region.pk
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    rows = _agreements_in_force(region_id=region_id, municipality_id=municipality_id, on=on_date)
    return rows[0] if rows else None


@prepared
def _agreements_in_force(*, region_id: int, municipality_id: int, on: datetime.date) -> QuerySet:
    return Agreement.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        region_id=region_id,
        municipality_id=municipality_id,
        valid_from__lte=on,
    ).order_by("-valid_from")[:1]


def terms_for(
    region: Organization | int, municipality: Organization | int, on_date: datetime.date
) -> AgreementTerms:
    """The terms a region and a municipality agreed on for `on_date` (a Swedish local date,
    e.g. the date of admission), or domain.md's defaults when they have no agreement."""
    agreement = agreement_in_force(region, municipality, on_date)
    return DEFAULT_TERMS if agreement is None else agreement.terms()


# The annotations' names: each AgreementTerms field with this in front.
_PREFIX = "terms_"


def agreement_term(
    column: str, *, region: str = "region_id", municipality: str = "municipality_id", day: str
) -> Subquery:
    """One column of the agreement in force, as a correlated subquery of an outer row whose
    fields `region`, `municipality` and `day` (a Swedish local date) name the pair and the
    date (agreement_pair_from_idx): what terms_for reads, inside the outer statement."""
    on = OuterRef(day)
    return Subquery(
        Agreement.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on),
            region_id=OuterRef(region),
            municipality_id=OuterRef(municipality),
            valid_from__lte=on,
        )
        .order_by("-valid_from")
        .values(column)[:1]
    )


def terms_annotations(*, day: str) -> dict[str, Expression]:
    """The terms of the agreement in force for an outer row with region_id, municipality_id
    and the date `day`, as annotations (one index probe each, all in the outer statement):
    a page that reads the row anyway saves terms_for's query. terms_from_annotations reads
    them back."""
    return {
        f"{_PREFIX}{name}": agreement_term(column, day=day)
        for name, column in Agreement.TERM_COLUMNS.items()
    }


def read_with_terms(row: object) -> bool:
    """Whether `row` was read with terms_annotations."""
    return hasattr(row, f"{_PREFIX}agreement_id")


def terms_from_annotations(row: object) -> AgreementTerms:
    """terms_for's answer from a row annotated with terms_annotations: the agreement's terms,
    or domain.md's defaults when no agreement was in force (or the row has no municipality)."""
    values = {name: getattr(row, f"{_PREFIX}{name}") for name in Agreement.TERM_COLUMNS}
    if values["agreement_id"] is None:
        return DEFAULT_TERMS
    return AgreementTerms(**values)


def principal_of(organization: Organization) -> Organization:
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
    for organization in (principal_of(first), principal_of(second)):
        by_kind.setdefault(organization.kind, organization)
    region = by_kind.get(OrganizationKind.REGION)
    municipality = by_kind.get(OrganizationKind.MUNICIPALITY)
    if region is None or municipality is None:
        return DEFAULT_TERMS
    return terms_for(region, municipality, local_date(on))


def answer_due_at(
    *, arrived_at: datetime.datetime, sender_unit: Unit, unit: Unit
) -> datetime.datetime:
    """When a delivery to `unit` must be acknowledged: the first cut-off after its arrival,
    under the agreement between the sender's and the receiver's organisations."""
    terms = terms_between(sender_unit.organization, unit.organization, on=arrived_at)
    return first_cutoff_after(arrived_at, terms)


def answer_due_times(
    *, arrived_at: datetime.datetime, sender_unit: Unit, units: list[Unit]
) -> dict[int, datetime.datetime]:
    """answer_due_at for each of `units` (by id), the terms looked up once per receiving
    organisation: a message's recipients are often several units of one municipality."""
    by_organization: dict[int, datetime.datetime] = {}
    due: dict[int, datetime.datetime] = {}
    for unit in units:
        if unit.organization_id not in by_organization:
            by_organization[unit.organization_id] = answer_due_at(
                arrived_at=arrived_at, sender_unit=sender_unit, unit=unit
            )
        due[unit.pk] = by_organization[unit.organization_id]
    return due
