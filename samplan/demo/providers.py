"""Providers in the demo (issue 14 points 4-6), made through the services as Thomas Nilsson,
Katrineholm's system administrator:

- Lugna Gatan Omsorg AB is registered and starts in three weeks; its checklist still lacks a
  local administrator, alert addresses and the residence list of its nursing home, and its
  responsible manager has no password yet;
- Forssjö Omsorg AB starts in a month, on the day it takes over Omsorgshuset's home-care group
  in Forssjö and Bie (a planned takeover, shown with its preview).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from samplan.accounts.models import User
from samplan.administration.services import unit_update
from samplan.core.actor import task_actor
from samplan.organizations.models import Organization, Unit, UnitKind
from samplan.providers.services import provider_register
from samplan.providers.takeover import takeover_plan

DAY = datetime.timedelta(days=1)

# Valid organisation numbers (Luhn); demo_is_loaded and the reset guard know them.
LUGNA_GATAN_ORG_NUMBER = "5593012346"
FORSSJO_ORG_NUMBER = "5593012353"
DEMO_PROVIDER_ORG_NUMBERS = [LUGNA_GATAN_ORG_NUMBER, FORSSJO_ORG_NUMBER]


def _register(
    actor,
    *,
    name: str,
    org_number: str,
    contracted_by: Organization,
    starts_on: datetime.date,
    units: list[tuple[str, str, bool]],
    manager: tuple[str, str, str],
) -> Organization:
    username, first, last = manager
    domain = name.split()[0].lower().replace("ö", "o").replace("å", "a") + ".example"
    return provider_register(
        actor=actor,
        organization=Organization(
            name=name, org_number=org_number, contracted_by=contracted_by, starts_on=starts_on
        ),
        units=[
            Unit(
                name=unit,
                kind=kind,
                has_inbox=inbox,
                hsa_id=f"SE{org_number}-{number:04d}",
                phone=f"0150-49 {number:02d} 00",
                email=f"enhet{number}@{domain}",
                visiting_address="Storgatan 1, 641 30 Katrineholm",
                opening_hours="Vardagar 8–16",
            )
            for number, (unit, kind, inbox) in enumerate(units, start=1)
        ],
        manager=User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@{domain}",
            mobile="070-555 80 10",
        ),
    )


def build_providers(demo) -> None:
    today = timezone.localdate()
    katrineholm = demo.units["VOF"].organization
    actor = task_actor(demo.users["thomas.nilsson"], demo.units["VOF"])
    _register(
        actor,
        name="Lugna Gatan Omsorg AB",
        org_number=LUGNA_GATAN_ORG_NUMBER,
        contracted_by=katrineholm,
        starts_on=today + 21 * DAY,
        units=[
            ("Lugna Gatan Omsorg, ledning", UnitKind.ADMINISTRATION, False),
            ("Lugna Gatan Hemtjänst", UnitKind.HOME_CARE, True),
            ("Lugna Gatan Äldreboende Ekbacken", UnitKind.NURSING_HOME, True),
        ],
        manager=("sara.lund", "Sara", "Lund"),
    )
    takeover_day = today + 30 * DAY
    forssjo = _register(
        actor,
        name="Forssjö Omsorg AB",
        org_number=FORSSJO_ORG_NUMBER,
        contracted_by=katrineholm,
        starts_on=takeover_day,
        units=[("Forssjö Omsorg, ledning", UnitKind.ADMINISTRATION, False)],
        manager=("johan.bergqvist", "Johan", "Bergqvist"),
    )
    planned = takeover_plan(
        actor=actor,
        from_organization=demo.units["OHHTFORS"].organization,
        to_organization=forssjo,
        takes_effect_on=takeover_day,
        units=[demo.units["OHHTFORS"]],
    )
    # The successor's HSA-id carries Forssjö Omsorg's organisation number: given by hand.
    for row in planned.units.select_related("successor"):
        successor = row.successor
        successor.hsa_id = f"SE{FORSSJO_ORG_NUMBER}-{successor.pk:04d}"
        unit_update(actor=actor, unit=successor)
