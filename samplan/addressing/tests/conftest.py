"""A routing world on top of the shared cast: intake, nursing home, district unit, central
inboxes, and units that cannot receive (closed, not yet opened, no inbox)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from samplan.addressing.models import FallbackInbox
from samplan.organizations.models import Unit, UnitKind
from samplan.patients.models import Patient
from samplan.testing import Cast, UnitFactory

PERSON = "191212121212"  # 19121212-1212
OTHER_PERSON = "194004049898"


@dataclass
class World:
    cast: Cast
    intake: Unit
    nursing_home: Unit
    district: Unit
    municipal_inbox: Unit
    region_inbox: Unit
    other_inbox: Unit
    closed: Unit
    not_yet_open: Unit
    lss: Unit

    def unit(self, key: str) -> Unit:
        if hasattr(self, key):
            return getattr(self, key)
        return getattr(self.cast, key)


@pytest.fixture
def world(cast) -> World:
    municipality, region = cast.municipality, cast.region
    region.area_code = "04"  # Kommunkod 0483 lies in county 04.
    region.save()
    world = World(
        cast=cast,
        intake=UnitFactory(
            organization=municipality, name="Mottagningsenheten", kind=UnitKind.MUNICIPAL_INTAKE
        ),
        nursing_home=UnitFactory(
            organization=municipality, name="Solgården", kind=UnitKind.NURSING_HOME
        ),
        district=UnitFactory(
            organization=municipality, name="Hemtjänst Väst", kind=UnitKind.HOME_CARE
        ),
        municipal_inbox=UnitFactory(
            organization=municipality, name="Kommunens brevlåda", kind=UnitKind.OTHER
        ),
        region_inbox=UnitFactory(
            organization=region, name="Regionens brevlåda", kind=UnitKind.OTHER
        ),
        other_inbox=UnitFactory(
            organization=cast.other_municipality, name="Annankommuns brevlåda", kind=UnitKind.OTHER
        ),
        closed=UnitFactory(organization=municipality, name="Stängd enhet", is_active=False),
        not_yet_open=UnitFactory(
            organization=municipality,
            name="Ny enhet",
            active_from=datetime.date(2030, 1, 1),
        ),
        lss=UnitFactory(
            organization=municipality, name="LSS-boendet", kind=UnitKind.DISABILITY_SERVICES
        ),
    )
    FallbackInbox.objects.create(organization=municipality, unit=world.municipal_inbox)
    FallbackInbox.objects.create(organization=region, unit=world.region_inbox)
    FallbackInbox.objects.create(organization=cast.other_municipality, unit=world.other_inbox)
    return world


def make_patient(**fields) -> Patient:
    values = {
        "identity_number": PERSON,
        "identity_kind": "personal",
        "first_name": "Tolvan",
        "last_name": "Tolvansson",
        "registered_municipality": "0483",
        "postal_code": "64130",
    }
    values.update(fields)
    return Patient.objects.create(**values)
