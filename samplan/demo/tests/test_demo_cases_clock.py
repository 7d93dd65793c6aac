"""The demo's cases are anchored to the last 12:00 cut-off before it is loaded: whatever the
hour, what is meant to be overdue is overdue and what is meant to be new is new."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from samplan.core.localtime import local_instant
from samplan.demo.builder import build_demo
from samplan.discharge.case_page import case_overview
from samplan.messaging.models import OPEN_STATES, Delivery, DeliveryState


@pytest.mark.parametrize("hour", [0, 11, 12])
def test_the_demo_builds_at_any_hour(db, hour):
    # Just after midnight, just before the cut-off, and just after it.
    today = timezone.localdate()
    moment = local_instant(today, datetime.time(hour, 0, 30))
    with time_machine.travel(moment, tick=False):
        demo = build_demo()
        now = timezone.now()
        assert Delivery.objects.filter(state__in=OPEN_STATES, due_at__lt=now).exists()
        assert Delivery.objects.filter(state=DeliveryState.NEW, due_at__gt=now).exists()
        liable = case_overview(demo.cases["rolf"], protected=False).liability.liable_days
        assert liable == (7 if hour < 12 else 6)
