"""The discharge configuration of the demo: amounts per liable day and the agreements between
Region Sörmland and its two municipalities (samplan.discharge.demo holds the figures)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from samplan.discharge.demo import demo_agreement_seed, demo_daily_amounts_seed
from samplan.discharge.models import DailyAmount

if TYPE_CHECKING:
    from samplan.demo.builder import Demo


def seed_known_daily_amounts(demo: Demo) -> None:
    """The real amounts of migration 0002 (gone after a flush); an existing year is kept."""
    migration = importlib.import_module("samplan.discharge.migrations.0002_daily_amounts_known")
    for year, amount, source in migration.KNOWN_AMOUNTS:
        DailyAmount.objects.get_or_create(year=year, defaults={"amount": amount, "source": source})


def build_discharge_configuration(demo: Demo) -> None:
    seed_known_daily_amounts(demo)
    demo_daily_amounts_seed()
    region = demo.organizations["region"]
    for municipality in ("katrineholm", "flen"):
        demo_agreement_seed(region, demo.organizations[municipality])
