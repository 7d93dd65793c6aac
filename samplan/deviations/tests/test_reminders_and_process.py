"""The process tables, and reminders sent once when a deviation passes its due date."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from samplan.core.actor import Actor
from samplan.deviations import process
from samplan.deviations.models import Category, DeviationRecipient
from samplan.deviations.process import Side
from samplan.deviations.services import deviation_move, deviation_report


def test_transitions():
    assert process.may_move("received", "investigating", Side.HANDLER)
    assert process.may_move("received", "answered", Side.HANDLER)
    assert not process.may_move("received", "answered", Side.REPORTER)
    assert process.may_move("answered", "closed", Side.REPORTER)
    assert process.may_move("answered", "investigating", Side.REPORTER)
    assert not process.may_move("closed", "investigating", Side.HANDLER)
    assert process.next_states("closed", Side.HANDLER) == []
    assert not process.may_comment("closed")


def test_due_on_and_future_times():
    assert process.due_on(datetime.date(2026, 3, 20)) == datetime.date(2026, 4, 3)
    assert process.due_on(datetime.date(2026, 3, 20), 7) == datetime.date(2026, 3, 27)
    now = timezone.now()
    assert process.occurred_at_problem(now + datetime.timedelta(hours=1), now) == "future"
    assert process.occurred_at_problem(now - datetime.timedelta(days=3), now) is None


@pytest.mark.django_db
def test_reminder_sent_once_to_the_handlers(cast, handlers, settings):
    handlers.region.email = "avvikelser@region.se"
    handlers.region.save()
    deviation = deviation_report(
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
        category=Category.AIDS,
        occurred_at=timezone.now(),
        description="Rullstolen kom inte.",
        organization_ids=[cast.region.pk, cast.other_municipality.pk],
        submission_key="k",
    )
    # Not yet due: nothing.
    call_command("deviations_remind", stdout=io.StringIO())
    assert not mail.outbox
    DeviationRecipient.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    # The other municipality has answered: no reminder there.
    other = deviation.recipients.get(organization=cast.other_municipality)
    deviation_move(
        actor=Actor(user=handlers.other, unit=handlers.other_unit),
        recipient_id=other.pk,
        to="answered",
        text="Svar",
    )
    with django_capture_on_commit():
        call_command("deviations_remind", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["avvikelser@region.se"]
    assert deviation.number in sent.subject
    assert deviation.patient_id is None
    with django_capture_on_commit():
        call_command("deviations_remind", stdout=io.StringIO())
    assert len(mail.outbox) == 1


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
