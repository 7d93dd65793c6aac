"""Fixtures for the patients app's tests: need-to-know relations on demand."""

from __future__ import annotations

import pytest

from samplan.core.actor import Actor
from samplan.patients import relations


@pytest.fixture
def relate(monkeypatch):
    """relate(unit, patient): the unit gets a relation to the patient, as a case would give.

    Registered the same way the addressing, discharge and SIP apps register theirs.
    """
    pairs: set[tuple[int, int]] = set()
    monkeypatch.setitem(
        relations._checks, "tests.fake", lambda unit, patient: (unit.pk, patient.pk) in pairs
    )

    def _relate(unit, patient):
        pairs.add((unit.pk, patient.pk))

    _relate.pairs = pairs
    return _relate


@pytest.fixture
def acting():
    """acting(user, unit): the actor for that user acting for that unit, for service tests."""

    def _actor(user, unit):
        return Actor(user=user, unit=unit, client_address="127.0.0.1")

    return _actor
