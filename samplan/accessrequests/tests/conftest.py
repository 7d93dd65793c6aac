from __future__ import annotations

import pytest

from samplan.accessrequests.models import AccessSettings
from samplan.accounts.models import Role
from samplan.testing import user_with_role


@pytest.fixture
def manager(cast):
    """Enhetschef of Vård och omsorg: reaches Hemtjänst Öst, its sub-unit."""
    return user_with_role(
        "chef", cast.municipal_admin_unit, Role.MANAGER, first_name="Maja", last_name="Chef"
    )


@pytest.fixture
def as_manager(manager, cast, login_as):
    return login_as(manager, cast.municipal_admin_unit)


@pytest.fixture
def card_settings(cast):
    return AccessSettings.objects.create(
        organization=cast.municipality, card_admin_email="kort@testkommun.se"
    )
