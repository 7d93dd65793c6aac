"""The deviations' cast on top of the shared one: each organisation's receiving unit with a
deviation handler, and a handler of an organisation that is not concerned."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from samplan.accounts.models import Role, User
from samplan.deviations.models import DeviationSettings
from samplan.discharge.testing import build_fixture  # noqa: F401 (the `build` fixture)
from samplan.organizations.models import Unit, UnitKind
from samplan.testing import UnitFactory, user_with_role


@dataclass
class Handlers:
    region_unit: Unit
    region: User
    municipal_unit: Unit
    municipal: User
    other_unit: Unit
    other: User


@pytest.fixture
def handlers(cast) -> Handlers:
    region_unit = UnitFactory(
        organization=cast.region, name="Patientsäkerhet", kind=UnitKind.OTHER, has_inbox=False
    )
    municipal_unit = UnitFactory(
        organization=cast.municipality, name="MAS", kind=UnitKind.OTHER, has_inbox=False
    )
    other_unit = UnitFactory(
        organization=cast.other_municipality, name="MAS Annan", kind=UnitKind.OTHER
    )
    for organization, unit in (
        (cast.region, region_unit),
        (cast.municipality, municipal_unit),
        (cast.other_municipality, other_unit),
    ):
        DeviationSettings.objects.create(organization=organization, receiving_unit=unit)
    return Handlers(
        region_unit=region_unit,
        region=user_with_role("regionavv", region_unit, Role.DEVIATION_HANDLER),
        municipal_unit=municipal_unit,
        municipal=user_with_role("kommunavv", municipal_unit, Role.DEVIATION_HANDLER),
        other_unit=other_unit,
        other=user_with_role("annanavv", other_unit, Role.DEVIATION_HANDLER),
    )
