"""The demo's deviations: every state, both directions, patients linked through cases."""

from io import StringIO

import pytest
from django.core.management import call_command

from samplan.deviations.models import DeviationRecipient, DeviationState
from samplan.deviations.reminders import due_for_reminder


@pytest.fixture
def demo(db) -> None:
    call_command("demo_data", "--reset", stdout=StringIO())


def test_deviations_in_every_state(demo):
    states = set(DeviationRecipient.objects.values_list("state", flat=True))
    assert states == set(DeviationState.values)
    # From cases (with their patient) and free-standing; to the region and to Katrineholm.
    assert DeviationRecipient.objects.filter(deviation__case__isnull=False).count() >= 4
    assert DeviationRecipient.objects.filter(deviation__patient__isnull=True).exists()
    assert {
        r.organization.name for r in DeviationRecipient.objects.select_related("organization")
    } >= {
        "Region Sörmland",
        "Katrineholms kommun",
    }


def test_nothing_to_remind_yet(demo):
    from django.utils import timezone

    assert due_for_reminder(timezone.localdate()) == []
