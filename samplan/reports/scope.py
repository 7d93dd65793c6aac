"""What a report reader may count: the cases and deliveries of their reach.

Organisation-wide (report viewers): the discharge cases whose region or municipality is the
organisation (for a private provider: the cases its units took part in), and the deliveries
to its units. A manager's reach (their units and the units below): the cases one of those
units took part in, at any time, and the deliveries to those units. A chosen unit narrows
either to the cases it took part in and the deliveries to it.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from samplan.discharge.models import CaseParticipant
from samplan.messaging.models import Delivery
from samplan.organizations.models import OrganizationKind, Unit
from samplan.reports.access import ReportReach
from samplan.reports.models import CaseFact


def _took_part(unit_ids: object) -> Exists:
    return Exists(CaseParticipant.objects.filter(case_id=OuterRef("case_id"), unit_id__in=unit_ids))


def report_facts(reach: ReportReach, unit: Unit | None = None) -> QuerySet[CaseFact]:
    """The facts of the cases a reader may count (reports.models.CaseFact)."""
    organization = reach.organization
    if organization.kind == OrganizationKind.REGION:
        facts = CaseFact.objects.filter(region=organization)
    elif organization.kind == OrganizationKind.MUNICIPALITY:
        facts = CaseFact.objects.filter(municipality=organization)
    else:
        facts = CaseFact.objects.filter(
            _took_part(Unit.objects.filter(organization=organization).values("pk"))
        )
    if reach.unit_ids is not None:
        facts = facts.filter(_took_part(list(reach.unit_ids)))
    if unit is not None:
        facts = facts.filter(_took_part([unit.pk]))
    return facts


def report_deliveries(reach: ReportReach, unit: Unit | None = None) -> QuerySet[Delivery]:
    if unit is not None:
        return Delivery.objects.filter(unit=unit)
    if reach.unit_ids is not None:
        return Delivery.objects.filter(unit_id__in=list(reach.unit_ids))
    return Delivery.objects.filter(unit__organization=reach.organization)


def report_units(reach: ReportReach) -> QuerySet[Unit]:
    """The units a reader may narrow a report to."""
    units = Unit.objects.filter(organization=reach.organization)
    if reach.unit_ids is not None:
        units = units.filter(pk__in=list(reach.unit_ids))
    return units.order_by("name")
