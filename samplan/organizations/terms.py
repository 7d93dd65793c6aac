"""The cut-off and the terms of an agreement between a region and a municipality, in one place.

Every rule that depends on the agreement reads an `AgreementTerms`, never the database, so it
can be tested without it: the answer time of a message in any unit's inbox (`first_cutoff_after`,
used by messaging for forwards and returns, by discharge for the law's messages and by SIP for
summons), the discharge deadlines (samplan.discharge.deadlines) and the payment liability
(samplan.discharge.liability). `samplan.organizations.agreements` finds the terms in force
between two organisations from the stored `Agreement`, or `DEFAULT_TERMS` (domain.md §5 and
§6) when they have none.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from samplan.core.localtime import local_date, local_instant, require_aware


class CareType(models.TextChoices):
    """Which grace days apply (domain.md §6): the kind of the ward the person is admitted to."""

    SOMATIC = "somatic", _("Somatic care")
    PSYCHIATRIC = "psychiatric", _("Psychiatric care")


class LiabilityModel(models.TextChoices):
    """How the municipality pays. The per-patient figures are computed either way; the
    average model (per municipality and month) is a report over them (domain.md §6)."""

    PER_PATIENT = "per_patient", _("Per patient")
    AVERAGE = "average", _("Average per municipality and month")


@dataclass(frozen=True)
class AgreementTerms:
    """Cut-off, periods and liability rules; the defaults are domain.md's.

    Days are calendar days: the units work their inboxes every day (domain.md §2, §5), so
    weekends and public holidays count like any other day. There is deliberately no
    "weekdays only" switch: no agreement in the seeds asks for one, and it would need a
    holiday calendar to be right.
    """

    cutoff: datetime.time = datetime.time(12, 0)
    # The day-0 rule of §6: a ready notice sent before the cut-off makes its own date day 0,
    # otherwise the next date. Off: the date it was sent is always day 0.
    cutoff_rule: bool = True
    admission_notice_hours: int = 24
    summons_days: int = 3
    grace_days_somatic: int = 3
    grace_days_psychiatric: int = 3
    liability_model: str = LiabilityModel.PER_PATIENT
    # An agreement may set its own amount per day; None: the per-year table (Socialstyrelsen).
    daily_amount: Decimal | None = None
    # The stored agreement these terms come from; None means domain.md's defaults.
    agreement_id: int | None = None

    def __post_init__(self) -> None:
        for name in (
            "admission_notice_hours",
            "summons_days",
            "grace_days_somatic",
            "grace_days_psychiatric",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.daily_amount is not None and self.daily_amount < 0:
            raise ValueError("daily_amount cannot be negative")

    def grace_days(self, care_type: str) -> int:
        if care_type == CareType.PSYCHIATRIC:
            return self.grace_days_psychiatric
        if care_type == CareType.SOMATIC:
            return self.grace_days_somatic
        raise ValueError(f"unknown care type {care_type!r}")

    @property
    def is_default(self) -> bool:
        return self.agreement_id is None


DEFAULT_TERMS = AgreementTerms()


def first_cutoff_after(
    arrived_at: datetime.datetime, terms: AgreementTerms = DEFAULT_TERMS
) -> datetime.datetime:
    """The first cut-off strictly after `arrived_at`: when a delivery must be acknowledged.

    Arriving at 11:59 is due 12:00 the same day; arriving at 12:00:00 exactly or later is due
    12:00 the next day (domain.md §5).
    """
    require_aware(arrived_at, "arrived_at")
    day = local_date(arrived_at)
    same_day = local_instant(day, terms.cutoff)
    if arrived_at < same_day:
        return same_day
    return local_instant(day + datetime.timedelta(days=1), terms.cutoff)
