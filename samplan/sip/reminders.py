"""The reminders the worker sends (tasks.send_sip_reminders, manage.py sip_reminders).

A summoned unit whose answer is overdue gets one reminder a day; the coordinator's unit gets
one message on the follow-up date of a finalised plan. Both only while the person's consent
to the SIP stands, and both idempotent, so two workers at once send each reminder once.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samplan.core.actor import task_actor
from samplan.core.localtime import local_date
from samplan.core.message_types import MessageType
from samplan.messaging.services import MessagingError, RecipientChoice, message_send
from samplan.patients.models import ConsentScope
from samplan.patients.selectors import active_consent
from samplan.sip import process
from samplan.sip.models import (
    Answer,
    EventKind,
    MessageKind,
    PlanState,
    SipMessage,
    SipParticipant,
    SipPlan,
    SipVersion,
)
from samplan.sip.services import event_record

logger = logging.getLogger(__name__)


def _remind_text(template: str, plan: SipPlan, **context: object) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, {"plan": plan, **context}).strip()


def summons_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Påminnelse: each summoned unit whose answer is overdue gets one reminder a day in its
    inbox (an extra message referring to the summons), while the consent still stands.
    Idempotent per unit and day. Returns how many were sent."""
    now = now or timezone.now()
    today = local_date(now)
    sent = 0
    overdue = (
        SipParticipant.objects.filter(answer=Answer.PENDING, due_at__lt=now)
        .exclude(plan__state=PlanState.CLOSED)
        .select_related("plan__patient", "unit", "delivery__message")
        .order_by("due_at", "pk")
    )
    for participant in overdue:
        plan = participant.plan
        reminded_on = local_date(participant.reminded_at) if participant.reminded_at else None
        consent_active = active_consent(plan.patient, ConsentScope.SIP) is not None
        if not process.summons_reminder_due(
            answer=participant.answer,
            due_at=participant.due_at,
            reminded_on=reminded_on,
            now=now,
            today=today,
            consent_active=consent_active,
        ):
            continue
        summons = participant.delivery.message
        try:
            with transaction.atomic():
                # Two runs at once (two hosts): the second waits here, then finds it done.
                locked = SipParticipant.objects.select_for_update().get(pk=participant.pk)
                if locked.answer != Answer.PENDING or locked.reminded_at != participant.reminded_at:
                    continue
                message = message_send(
                    # The worker sends the reminder in the name of the summons' sender.
                    actor=task_actor(summons.sender_user, summons.sender_unit),
                    patient=plan.patient,
                    message_type=MessageType.EXTRA_MESSAGE,
                    recipients=[
                        RecipientChoice(
                            unit=participant.unit,
                            reason_code="sip_reminder",
                            reason_text=_("Has not answered the summons to a SIP"),
                        )
                    ],
                    idempotency_key=f"sip-reminder-{participant.pk}-{today.isoformat()}",
                    text=_remind_text("sip/reminder_message.txt", plan, participant=participant),
                    refers_to=summons,
                )
                SipMessage.objects.get_or_create(
                    message=message, defaults={"plan": plan, "kind": MessageKind.REMINDER}
                )
                SipParticipant.objects.filter(pk=participant.pk).update(
                    reminded_at=now, reminder_count=participant.reminder_count + 1
                )
                event_record(
                    plan,
                    EventKind.REMINDER_SENT,
                    user=None,
                    unit=None,
                    units=[participant.unit.name],
                    message=message.pk,
                )
        except MessagingError:
            logger.warning("SIP reminder for participant %s could not be sent", participant.pk)
            continue
        sent += 1
    return sent


def follow_up_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Uppföljning: on the follow-up date of a finalised plan, the coordinator's unit gets a
    message in its inbox, once, while the consent still stands. Returns how many were sent."""
    now = now or timezone.now()
    today = local_date(now)
    sent = 0
    due = (
        SipVersion.objects.filter(
            locked_at__isnull=False,
            follow_up_reminded_at__isnull=True,
            follow_up_date__lte=today,
            plan__state=PlanState.FINALISED,
            plan__current_version=F("pk"),
        )
        .select_related("plan__patient", "coordinator", "coordinator_unit")
        .order_by("follow_up_date", "pk")
    )
    for version in due:
        plan = version.plan
        consent_active = active_consent(plan.patient, ConsentScope.SIP) is not None
        if not process.follow_up_reminder_due(
            state=plan.state,
            follow_up_date=version.follow_up_date,
            reminded=False,
            today=today,
            consent_active=consent_active,
        ):
            continue
        unit = version.coordinator_unit
        try:
            with transaction.atomic():
                locked = SipVersion.objects.select_for_update().get(pk=version.pk)
                if locked.follow_up_reminded_at is not None:
                    continue  # another run sent it meanwhile
                message = message_send(
                    # The worker reminds in the name of the plan's coordinator.
                    actor=task_actor(version.coordinator, unit),
                    patient=plan.patient,
                    message_type=MessageType.EXTRA_MESSAGE,
                    recipients=[
                        RecipientChoice(
                            unit=unit,
                            reason_code="sip_follow_up",
                            reason_text=_("Coordinator's unit of a SIP due for follow-up"),
                        )
                    ],
                    idempotency_key=f"sip-follow-up-{version.pk}",
                    text=_remind_text("sip/follow_up_message.txt", plan, version=version),
                )
                SipMessage.objects.get_or_create(
                    message=message, defaults={"plan": plan, "kind": MessageKind.FOLLOW_UP}
                )
                SipVersion.objects.filter(pk=version.pk).update(follow_up_reminded_at=now)
                event_record(
                    plan,
                    EventKind.FOLLOW_UP_REMINDER_SENT,
                    user=None,
                    unit=None,
                    version=version,
                    units=[unit.name],
                    message=message.pk,
                )
        except MessagingError:
            logger.warning("SIP follow-up reminder for version %s could not be sent", version.pk)
            continue
        sent += 1
    return sent
