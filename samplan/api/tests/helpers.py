"""Test helpers: integrating systems made through the real service, and a caller."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from samplan.accounts.models import Role
from samplan.api.models import IntegrationClient, Scope
from samplan.api.services import ClientDetails, client_create
from samplan.core.actor import Actor
from samplan.testing import user_with_role

ALL_SCOPES = list(Scope.values)


def make_client(
    admin_user: Any,
    organization: Any,
    units: list[Any],
    scopes: list[str] | None = None,
    *,
    name: str = "Journalsystem",
    rate: int = 600,
) -> tuple[IntegrationClient, str]:
    return client_create(
        actor=Actor(user=admin_user),
        organization=organization,
        details=ClientDetails(
            name=name,
            units=units,
            scopes=ALL_SCOPES if scopes is None else scopes,
            expires_at=timezone.now() + datetime.timedelta(days=30),
            rate_per_minute=rate,
        ),
    )


class Caller:
    """Calls /api/v1/ with a token, acting for a unit (`X-Unit`)."""

    def __init__(self, token: str, unit: Any, person: str = "") -> None:
        self.client = Client()
        self.token = token
        self.unit = unit
        self.person = person

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.unit is not None:
            headers["X-Unit"] = str(self.unit.hsa_id or self.unit.pk)
        if self.person:
            headers["X-Person"] = self.person
        headers.update(extra)
        return headers

    def get(self, path: str, params: dict | None = None, **headers: str):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers(**headers))

    def post(self, path: str, body: Any, **headers: str):
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body, default=str),
            content_type="application/json",
            headers=self.headers(**headers),
        )


@pytest.fixture
def region_admin(cast):
    return user_with_role("regionsys", cast.hospital, Role.SYSTEM_ADMIN)


@pytest.fixture
def ward_api(cast, region_admin):
    """A hospital record system acting for the ward, with every scope."""
    _client, token = make_client(region_admin, cast.region, [cast.ward, cast.care_centre])
    return Caller(token, cast.ward)


@pytest.fixture
def home_care_api(cast):
    _client, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care], name="Treserva"
    )
    return Caller(token, cast.home_care)


@pytest.fixture
def outsider_api(cast, db):
    """Another organisation's system, acting for its own unit."""
    admin = user_with_role("annansys", cast.outsider_unit, Role.SYSTEM_ADMIN)
    _client, token = make_client(admin, cast.other_municipality, [cast.outsider_unit], name="X")
    return Caller(token, cast.outsider_unit)
