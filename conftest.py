"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest
from django.test import Client

from samplan.accounts.models import User
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.organizations.models import Unit
from samplan.testing import Cast, build_cast

# Browser fixtures (browser, page) for tests marked @pytest.mark.browser.
pytest_plugins = ["samplan.core.tests.browser"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()


@pytest.fixture
def login_as(client):
    """Log a user in and, if given, choose the unit they act for: login_as(user, unit)."""

    def _login(user: User, unit: Unit | None = None) -> Client:
        client.force_login(user)
        if unit is not None:
            session = client.session
            session[SESSION_UNIT_KEY] = unit.pk
            session.save()
        return client

    return _login
