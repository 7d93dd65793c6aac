"""Fixtures for the inbox tests: cases and messages between the cast's ward, care centre and
home-care unit (samplan.discharge.testing), and an empty SMS outbox."""

from __future__ import annotations

import pytest

from samplan.discharge.testing import build_fixture, to  # noqa: F401 (fixtures, helpers)
from samplan.messaging.sms import LocmemBackend


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()
