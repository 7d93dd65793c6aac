"""Demo data for the discharge configuration, for the demo command to call.

Only 2019 and 2022 are real figures (domain.md §6, seeded by migration 0002). The other years
below are made up so the demo has an amount for every day it shows; each row says so.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from samplan.discharge.models import DailyAmount
from samplan.organizations.models import Agreement, Organization

DEMO_SOURCE = "Påhittat demobelopp – inte Socialstyrelsens siffra"
DEMO_DAILY_AMOUNTS = {
    2018: Decimal("7700"),
    2020: Decimal("8100"),
    2021: Decimal("8600"),
    2023: Decimal("9800"),
    2024: Decimal("10300"),
    2025: Decimal("10700"),
    2026: Decimal("11000"),
    2027: Decimal("11300"),
}


def demo_daily_amounts_seed() -> None:
    """Adds the made-up years; never overwrites a year that already has an amount."""
    for year, amount in DEMO_DAILY_AMOUNTS.items():
        DailyAmount.objects.get_or_create(
            year=year, defaults={"amount": amount, "source": DEMO_SOURCE}
        )


def demo_agreement_seed(region: Organization, municipality: Organization) -> Agreement:
    """An agreement that differs from the defaults where it shows: 5 psychiatric grace days."""
    agreement, _created = Agreement.objects.get_or_create(
        region=region,
        municipality=municipality,
        valid_from=datetime.date(2024, 1, 1),
        defaults={
            "reference": "Demo: överenskommelse om samverkan vid utskrivning",
            "grace_days_psychiatric": 5,
        },
    )
    return agreement
