"""The terms of an agreement between a region and a municipality, as a plain value.

The process rules (deadlines.py, liability.py) read an `AgreementTerms`, never the database, so
they can be tested without it. `samplan.discharge.selectors.terms_for` builds one from the
stored `Agreement` in force, or returns `DEFAULT_TERMS` (domain.md §5 and §6) when the two
organisations have none.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _

# Every day-based rule (cut-off, "day of discharge", liable midnights) is Swedish local time,
# whatever the server's or the user's time zone; timestamps are stored in UTC.
STOCKHOLM = ZoneInfo("Europe/Stockholm")


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
