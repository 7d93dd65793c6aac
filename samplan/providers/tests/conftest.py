"""A municipality with a central (fallback) inbox, its system administrator, and a helper that
registers a provider through the service."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from samplan.accounts.models import User
from samplan.addressing.models import FallbackInbox
from samplan.core.actor import task_actor
from samplan.organizations.models import Organization, Unit, UnitKind
from samplan.providers import services
from samplan.testing import UnitFactory, next_org_number


@pytest.fixture
def fallback_inbox(cast) -> Unit:
    inbox = UnitFactory(organization=cast.municipality, name="Kommunens brevlåda")
    FallbackInbox.objects.create(organization=cast.municipality, unit=inbox)
    return inbox


@pytest.fixture
def sysadmin_actor(cast):
    return task_actor(cast.municipal_system_admin, cast.municipal_admin_unit)


def register(
    actor,
    *,
    contracted_by: Organization,
    starts_on: datetime.date | None = None,
    name: str = "Nya Omsorg AB",
    username: str = "ansvarig",
    main_provider: Organization | None = None,
    unit_kinds: tuple[str, ...] = (UnitKind.HOME_CARE,),
) -> Organization:
    organization = Organization(
        name=name,
        org_number=next_org_number("556"),
        contracted_by=contracted_by,
        main_provider=main_provider,
        starts_on=starts_on or timezone.localdate() + datetime.timedelta(days=14),
    )
    units = [
        Unit(name=f"{name} enhet {number}", kind=kind, has_inbox=True)
        for number, kind in enumerate(unit_kinds, start=1)
    ]
    manager = User(
        username=username,
        first_name="Anna",
        last_name="Ansvarig",
        email=f"{username}@example.se",
        mobile="070-1112233",
    )
    return services.provider_register(
        actor=actor, organization=organization, units=units, manager=manager
    )
