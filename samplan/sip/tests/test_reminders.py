"""Reminders the worker sends: to summoned units that have not answered by the cut-off, and to
the coordinator's unit on the follow-up date. Tested with a frozen clock."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from samplan.core.message_types import MessageType
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.patients.models import Consent
from samplan.patients.services import consent_withdraw
from samplan.sip import reminders as sip_reminders
from samplan.sip import services
from samplan.sip.models import EventKind, MessageKind, SipMessage, SipParticipant
from samplan.sip.tasks import send_sip_reminders
from samplan.sip.tests.conftest import (
    accept_all,
    finalise,
    full_text,
    req,
    sign_all,
    start,
    summon,
    write,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_9 = datetime.datetime(2030, 3, 11, 9, 0, tzinfo=STOCKHOLM)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    return (MONDAY_9 + datetime.timedelta(days=day_offset)).replace(hour=hour, minute=minute)


def reminders() -> list[Message]:
    return list(
        Message.objects.filter(sip_link__kind=MessageKind.REMINDER).order_by("sent_at", "pk")
    )


def test_unit_that_has_not_answered_by_the_cutoff_gets_one_reminder_a_day(sip):
    with time_machine.travel(MONDAY_9, tick=False):
        plan = start(sip)
        summons = summon(sip, plan)
    with time_machine.travel(at(0, 11, 59), tick=False):
        assert sip_reminders.summons_reminders_send() == 0  # not yet overdue
        services.sip_answer(
            actor=req(sip.psychologist, sip.bup), plan=plan, accept=True, attendees="Pia"
        )
    with time_machine.travel(at(0, 12, 1), tick=False):
        assert sip_reminders.summons_reminders_send() == 1
        assert sip_reminders.summons_reminders_send() == 0  # once a day
    [reminder] = reminders()
    assert reminder.message_type == MessageType.EXTRA_MESSAGE
    assert reminder.refers_to == summons
    assert reminder.sender_unit == sip.school
    delivery = Delivery.objects.get(message=reminder)
    assert delivery.unit == sip.social and delivery.state == DeliveryState.NEW
    assert "Påminnelse" in reminder.text
    participant = SipParticipant.objects.get(plan=plan, unit=sip.social)
    assert participant.reminder_count == 1
    assert plan.events.filter(kind=EventKind.REMINDER_SENT).count() == 1
    with time_machine.travel(at(1, 8), tick=False):
        assert sip_reminders.summons_reminders_send() == 1
    with time_machine.travel(at(1, 15), tick=False):
        services.sip_answer(
            actor=req(sip.social_worker, sip.social), plan=plan, accept=False, reason="Nej"
        )
    with time_machine.travel(at(2, 8), tick=False):
        assert sip_reminders.summons_reminders_send() == 0
    assert len(reminders()) == 2


def test_withdrawn_consent_stops_reminders(sip):
    with time_machine.travel(MONDAY_9, tick=False):
        plan = start(sip)
        summon(sip, plan)
        consent_withdraw(
            actor=req(sip.counsellor, sip.school), consent=Consent.objects.get(), reason=""
        )
    with time_machine.travel(at(1, 9), tick=False):
        assert sip_reminders.summons_reminders_send() == 0
    assert reminders() == []


def test_the_coordinators_unit_is_reminded_on_the_follow_up_date(sip):
    with time_machine.travel(MONDAY_9, tick=False):
        plan = start(sip)
        summon(sip, plan)
        accept_all(sip, plan)
        follow_up = datetime.date(2030, 4, 15)
        write(sip, plan, full_text(sip, follow_up_date=follow_up))
        sign_all(sip, plan)
        version = finalise(sip, plan)
    with time_machine.travel(datetime.datetime(2030, 4, 14, 23, 59, tzinfo=STOCKHOLM), tick=False):
        assert sip_reminders.follow_up_reminders_send() == 0
    with time_machine.travel(datetime.datetime(2030, 4, 15, 0, 1, tzinfo=STOCKHOLM), tick=False):
        assert sip_reminders.follow_up_reminders_send() == 1
        assert sip_reminders.follow_up_reminders_send() == 0
    link = SipMessage.objects.get(kind=MessageKind.FOLLOW_UP)
    assert link.plan == plan
    delivery = Delivery.objects.get(message=link.message)
    assert delivery.unit == sip.school  # the coordinator's unit
    assert "2030-04-15" in link.message.text
    version.refresh_from_db()
    assert version.follow_up_reminded_at is not None


def test_no_follow_up_reminder_for_a_closed_plan_or_without_consent(sip):
    with time_machine.travel(MONDAY_9, tick=False):
        plan = start(sip)
        summon(sip, plan)
        accept_all(sip, plan)
        write(sip, plan, full_text(sip, follow_up_date=datetime.date(2030, 4, 15)))
        sign_all(sip, plan)
        finalise(sip, plan)
        consent_withdraw(
            actor=req(sip.counsellor, sip.school), consent=Consent.objects.get(), reason=""
        )
    with time_machine.travel(datetime.datetime(2030, 4, 16, 9, 0, tzinfo=STOCKHOLM), tick=False):
        assert sip_reminders.follow_up_reminders_send() == 0
        plan.refresh_from_db()
        services.sip_close(actor=req(sip.counsellor, sip.school), plan=plan, reason="moved")
        assert sip_reminders.follow_up_reminders_send() == 0


def test_the_command_and_the_task_send_what_is_due(sip):
    with time_machine.travel(MONDAY_9, tick=False):
        plan = start(sip, units=[sip.bup])
        summon(sip, plan)
    with time_machine.travel(at(0, 13), tick=False):
        out = StringIO()
        call_command("sip_reminders", stdout=out)
        assert "summons reminders: 1" in out.getvalue()
    with time_machine.travel(at(1, 13), tick=False):
        result = send_sip_reminders.enqueue()  # the immediate backend in tests
        assert result.return_value == {"summons": 1, "follow_up": 0}
    assert len(reminders()) == 2
