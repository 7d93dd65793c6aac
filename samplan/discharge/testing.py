"""Test helpers: discharge cases and messages on them, built through the real services."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge.services import case_open, case_send
from samplan.messaging.services import RecipientChoice
from samplan.patients.testing import PatientFactory

_keys = itertools.count(1)


def to(*units):
    return [RecipientChoice(unit=u, reason_code="chosen", reason_text="Vald") for u in units]


class Builder:
    def __init__(self, cast):
        self.cast = cast

    def case(self, patient=None, *, admitted_at=None, **patient_fields):
        patient = patient or PatientFactory(**patient_fields)
        case, _ = case_open(
            actor=Actor(user=self.cast.ward_nurse, unit=self.cast.ward),
            patient=patient,
            admitted_at=admitted_at or timezone.now() - datetime.timedelta(hours=2),
            opening_key=f"open-{next(_keys)}",
        )
        return case

    def send(self, case, message_type=MessageType.ADMISSION_NOTICE, *units, sender=None, **kw):
        """The ward (or `sender`, a (user, unit) pair) sends on the case to `units`."""
        user, unit = sender or (self.cast.ward_nurse, self.cast.ward)
        return case_send(
            case=case,
            actor=Actor(user=user, unit=unit),
            message_type=message_type,
            recipients=to(*(units or (self.cast.home_care, self.cast.care_centre))),
            idempotency_key=f"key-{next(_keys)}",
            content=kw.pop("content", {"ward_phone": "016-10 00 00"}),
            **kw,
        )

    def admitted(self, **patient_fields):
        """A case with its admission notice sent to home care and the care centre."""
        case = self.case(**patient_fields)
        message = self.send(case)
        return case, message


@pytest.fixture(name="build")
def build_fixture(cast):
    return Builder(cast)
