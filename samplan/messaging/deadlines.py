"""When a delivery must be answered: the first cut-off after arrival, under the agreement
between the region and the municipality involved (domain.md §5)."""

from __future__ import annotations

import datetime

from samplan.discharge.deadlines import first_cutoff_after
from samplan.discharge.selectors import terms_between
from samplan.organizations.models import Unit


def answer_due_at(
    *, arrived_at: datetime.datetime, sender_unit: Unit, unit: Unit
) -> datetime.datetime:
    terms = terms_between(sender_unit.organization, unit.organization, on=arrived_at)
    return first_cutoff_after(arrived_at, terms)
