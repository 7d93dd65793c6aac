"""Fixtures for the patients app's tests: need-to-know relations on demand."""

from __future__ import annotations

import pytest

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
def acting(rf):
    """acting(user, unit): a request as that user acting for that unit, for service tests."""

    def _request(user, unit, method="post"):
        request = getattr(rf, method)("/")
        request.user = user
        request.unit = unit
        return request

    return _request
