"""Every write to messages and deliveries: send, read, acknowledge, forward, return, cancel.

One transaction each; permission and state are checked here, not in views. Side effects
(alerts) are queued on commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.access import require
from samplan.auditlog.history import admin_change_record, diff, snapshot
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.messaging import hooks, threads
from samplan.messaging.access import (
    can_edit_alert_settings,
    can_edit_escalation,
    fallback_unit_ids,
    stuck_organization_ids,
)
from samplan.messaging.alerts import alerts_queue
from samplan.messaging.counts import received_count_add
from samplan.messaging.models import (
    OPEN_STATES,
    AlertSettings,
    Delivery,
    DeliveryState,
    EscalationSettings,
    Message,
)
from samplan.organizations.agreements import answer_due_at
from samplan.organizations.models import Organization, Unit
from samplan.patients.models import Patient


class MessagingError(Exception):
    """A refused messaging action; the message is plain Swedish for the user."""


@dataclass(frozen=True)
class RecipientChoice:
    """A receiving unit, why it was chosen (router reason, or chosen by the sender), and when
    it must answer. The process that sends (discharge, SIP) computes `due_at` by its rules and
    hands it over as a value; without one, the unit's answer time is the first cut-off after
    arrival under the agreement between the two organisations (organizations.agreements)."""

    unit: Unit
    reason_code: str
    reason_text: str
    due_at: datetime.datetime | None = None


def _check_recipients(recipients: Sequence[RecipientChoice], sender_unit: Unit) -> None:
    if not recipients:
        raise MessagingError(_("Choose at least one receiving unit."))
    seen: set[int] = set()
    today = timezone.localdate()
    for choice in recipients:
        unit = choice.unit
        if unit.pk in seen:
            raise MessagingError(_("%(unit)s is chosen twice.") % {"unit": unit.name})
        seen.add(unit.pk)
        if not unit.has_inbox or not unit.is_active_on(today):
            raise MessagingError(
                _("%(unit)s cannot receive messages (no inbox, or not active).")
                % {"unit": unit.name}
            )


def message_send(
    *,
    actor: Actor,
    patient: Patient,
    message_type: str,
    recipients: Sequence[RecipientChoice],
    idempotency_key: str,
    content: dict | None = None,
    text: str = "",
    refers_to: Message | None = None,
    occurred_at: datetime.datetime | None = None,
    sent_at: datetime.datetime | None = None,
) -> Message:
    """Sends the message as the actor's unit: one delivery per recipient; idempotent per
    (user, key). `sent_at` is the send instant the caller computed the recipients' answer
    times from (default now)."""
    sender_user, sender_unit = actor.user, actor.unit
    existing = Message.objects.filter(
        sender_user=sender_user, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return existing
    _check_recipients(recipients, sender_unit)
    now = sent_at or timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                message_type=message_type,
                patient=patient,
                sender_unit=sender_unit,
                sender_user=sender_user,
                sent_at=now,
                occurred_at=occurred_at,
                text=text,
                content=content or {},
                refers_to=refers_to,
                idempotency_key=idempotency_key,
            )
            created = Delivery.objects.bulk_create(
                Delivery(
                    message=message,
                    unit=choice.unit,
                    reason_code=choice.reason_code,
                    reason_text=choice.reason_text[:300],
                    arrived_at=now,
                    due_at=choice.due_at
                    or answer_due_at(arrived_at=now, sender_unit=sender_unit, unit=choice.unit),
                )
                for choice in recipients
            )
            received_count_add(choice.unit.pk for choice in recipients)
            alerts_queue(unit_ids=[choice.unit.pk for choice in recipients])
            hooks.deliveries_created([delivery.pk for delivery in created])
    except IntegrityError:
        # Two identical submissions raced; the first one won. Return it.
        existing = Message.objects.filter(
            sender_user=sender_user, idempotency_key=idempotency_key
        ).first()
        if existing is None:
            raise
        return existing
    return message


def delivery_mark_read(*, actor: Actor, delivery: Delivery) -> None:
    """Opening a new delivery marks it read (no longer red); acknowledging is separate."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.NEW).update(
        state=DeliveryState.READ, read_at=now, read_by=actor.user, changed_at=now
    )


def deliveries_acknowledge(*, actor: Actor, delivery_ids: Sequence[int]) -> int:
    """Kvittera: acknowledges the open deliveries among `delivery_ids` that belong to the
    actor's unit.

    Deliveries of other units, or already acknowledged ones, are left as they are, so a
    forged id or a second click changes nothing. Returns how many were acknowledged.
    """
    user, unit = actor.user, actor.unit
    now = timezone.now()
    with transaction.atomic():
        open_ids = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=list(delivery_ids), unit=unit, state__in=OPEN_STATES)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=open_ids, read_at__isnull=True).update(
            read_at=now, read_by=user
        )
        return Delivery.objects.filter(pk__in=open_ids).update(
            state=DeliveryState.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=user,
            changed_at=now,
        )


def _lock_open_delivery(delivery: Delivery, unit: Unit) -> Delivery:
    locked = Delivery.objects.select_for_update().filter(pk=delivery.pk, unit=unit).first()
    if locked is None:
        raise MessagingError(_("The message was not found in your unit's inbox."))
    if locked.state not in OPEN_STATES:
        raise MessagingError(_("The message has already been handled."))
    return locked


def delivery_forward(*, actor: Actor, delivery: Delivery, to_unit: Unit) -> Delivery:
    """Vidarebefordra within the receiving unit's own organisation."""
    user, unit = actor.user, actor.unit
    if to_unit.organization_id != unit.organization_id:
        raise MessagingError(_("A message can only be forwarded within your own organisation."))
    if to_unit.pk == unit.pk:
        raise MessagingError(_("Choose another unit than your own."))
    _check_recipients(
        [RecipientChoice(unit=to_unit, reason_code="forwarded", reason_text="")], unit
    )
    now = timezone.now()
    with transaction.atomic():
        original = _lock_open_delivery(delivery, unit)
        if Delivery.objects.filter(message_id=original.message_id, unit=to_unit).exists():
            raise MessagingError(
                _("%(unit)s has already received this message.") % {"unit": to_unit.name}
            )
        Delivery.objects.filter(pk=original.pk).update(
            state=DeliveryState.FORWARDED, handled_at=now, handled_by=user, changed_at=now
        )
        alerts_queue(unit_ids=[to_unit.pk])
        forwarded = Delivery.objects.create(
            message_id=original.message_id,
            unit=to_unit,
            reason_code="forwarded",
            reason_text=_("Forwarded from %(unit)s by %(user)s")
            % {"unit": unit.name, "user": user.get_full_name() or user.username},
            arrived_at=now,
            due_at=answer_due_at(arrived_at=now, sender_unit=unit, unit=to_unit),
            forwarded_from=original,
        )
        received_count_add([to_unit.pk])
        hooks.deliveries_created([forwarded.pk])
        return forwarded


def stuck_delivery_forward(
    *, actor: Actor, delivery_id: int, to_unit: Unit, reason: str
) -> Delivery:
    """Forward a stuck delivery (late, or in the fallback inbox) of an organisation whose stuck
    messages the actor handles (access.stuck_organization_ids), with a reason, in one step.

    The new unit gets a normal delivery (forwarded_from points at the stuck one, which keeps
    the reason and who forwarded it) and joins the case or plan the message belongs to, so it
    can open it (threads.thread_join). The forward is in the administrative history too.
    A delivery acknowledged or forwarded meanwhile, or a second post, is refused and changes
    nothing.
    """
    user = actor.user
    reason = reason.strip()
    if not reason:
        raise MessagingError(_("Say why the message is forwarded."))
    now = timezone.now()
    with transaction.atomic():
        original = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("unit__organization")
            .filter(pk=delivery_id, unit__organization_id__in=stuck_organization_ids(user))
            .first()
        )
        if original is None:
            raise MessagingError(_("The message was not found among the stuck messages."))
        if original.state not in OPEN_STATES:
            raise MessagingError(
                _("The message has already been handled (acknowledged, forwarded or returned).")
            )
        organization = original.unit.organization
        if original.due_at >= now and original.unit_id not in fallback_unit_ids(organization.pk):
            raise MessagingError(
                _("The message is not stuck: its unit may acknowledge it until %(due)s.")
                % {"due": timezone.localtime(original.due_at).strftime("%Y-%m-%d %H:%M")}
            )
        if to_unit.organization_id != organization.pk:
            raise MessagingError(
                _(
                    "Choose a unit in %(organisation)s: a stuck message is forwarded within the "
                    "organisation it was sent to."
                )
                % {"organisation": organization.name}
            )
        if to_unit.pk == original.unit_id:
            raise MessagingError(_("Choose another unit than the one the message is stuck in."))
        _check_recipients(
            [RecipientChoice(unit=to_unit, reason_code="forwarded", reason_text="")], original.unit
        )
        if Delivery.objects.filter(message_id=original.message_id, unit=to_unit).exists():
            raise MessagingError(
                _("%(unit)s has already received this message.") % {"unit": to_unit.name}
            )
        Delivery.objects.filter(pk=original.pk).update(
            state=DeliveryState.FORWARDED,
            handled_at=now,
            handled_by=user,
            forward_reason=reason[:300],
            changed_at=now,
        )
        alerts_queue(unit_ids=[to_unit.pk])
        forwarded = Delivery.objects.create(
            message_id=original.message_id,
            unit=to_unit,
            reason_code="forwarded_stuck",
            reason_text=(
                _("Forwarded from %(unit)s by %(user)s: %(reason)s")
                % {
                    "unit": original.unit.name,
                    "user": user.get_full_name() or user.username,
                    "reason": reason,
                }
            )[:300],
            arrived_at=now,
            due_at=answer_due_at(arrived_at=now, sender_unit=original.unit, unit=to_unit),
            forwarded_from=original,
        )
        received_count_add([to_unit.pk])
        threads.thread_join(original.message_id, to_unit, actor)
        admin_change_record(
            actor=actor,
            organization=organization,
            action=AdminAction.UPDATE,
            target=original,
            changes={
                "state": [original.state, DeliveryState.FORWARDED.value],
                "forwarded_to": ["", to_unit.name],
                "forward_reason": ["", reason[:300]],
            },
        )
        hooks.deliveries_created([forwarded.pk])
        return forwarded


def delivery_return(
    *, actor: Actor, delivery: Delivery, reason: str, fallback_unit: Unit | None
) -> Delivery | None:
    """Returnera (felsänt): the sender sees the return; the fallback inbox gets a copy.

    Returns the copy delivered to the fallback inbox, or None if it already had the message
    (or the returning unit is the fallback inbox itself).
    """
    user, unit = actor.user, actor.unit
    reason = reason.strip()
    if not reason:
        raise MessagingError(_("Say why the message is misaddressed."))
    now = timezone.now()
    with transaction.atomic():
        original = _lock_open_delivery(delivery, unit)
        Delivery.objects.filter(pk=original.pk).update(
            state=DeliveryState.RETURNED,
            handled_at=now,
            handled_by=user,
            return_reason=reason,
            changed_at=now,
        )
        if fallback_unit is None or fallback_unit.pk == unit.pk:
            return None
        if Delivery.objects.filter(message_id=original.message_id, unit=fallback_unit).exists():
            return None
        alerts_queue(unit_ids=[fallback_unit.pk])
        copy = Delivery.objects.create(
            message_id=original.message_id,
            unit=fallback_unit,
            reason_code="returned_copy",
            reason_text=_("Returned as misaddressed by %(unit)s: %(reason)s")
            % {"unit": unit.name, "reason": reason},
            arrived_at=now,
            due_at=answer_due_at(arrived_at=now, sender_unit=unit, unit=fallback_unit),
            forwarded_from=original,
        )
        received_count_add([fallback_unit.pk])
        hooks.deliveries_created([copy.pk])
        return copy


def message_cancel(*, actor: Actor, message: Message, reason: str, idempotency_key: str) -> Message:
    """Makulera: a cancellation message to the same units; the original stays, struck through."""
    unit = actor.unit
    if message.sender_unit_id != unit.pk:
        raise MessagingError(_("Only the sending unit can cancel a message."))
    if message.message_type == MessageType.CANCELLATION:
        raise MessagingError(_("A cancellation cannot itself be cancelled."))
    if not reason.strip():
        raise MessagingError(_("Say why the message is cancelled."))
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.cancelled_at is not None:
            existing = locked.followups.filter(message_type=MessageType.CANCELLATION).first()
            if existing is not None:
                return existing
        receivers = [
            RecipientChoice(
                unit=d.unit,
                reason_code="cancellation",
                reason_text=_("Received the cancelled message"),
            )
            for d in locked.deliveries.select_related("unit").exclude(state=DeliveryState.RETURNED)
            if d.unit.has_inbox
        ]
        cancellation = message_send(
            actor=actor,
            patient=locked.patient,
            message_type=MessageType.CANCELLATION,
            recipients=receivers,
            idempotency_key=idempotency_key,
            text=reason.strip(),
            refers_to=locked,
        )
        now = timezone.now()
        Message.objects.filter(pk=locked.pk).update(cancelled_at=now)
        locked.deliveries.filter(state__in=OPEN_STATES).update(
            state=DeliveryState.CANCELLED, changed_at=now
        )
    return cancellation


ALERT_SETTINGS_FIELDS = ["enabled", "sms_numbers", "email_addresses"]


def alert_settings_update(
    *,
    actor: Actor,
    unit: Unit,
    enabled: bool,
    sms_numbers: Sequence[str],
    email_addresses: Sequence[str],
) -> AlertSettings:
    """Avisering: the unit's alert wishes; the change goes into the administrative history."""
    require(can_edit_alert_settings(actor.user, unit))
    with transaction.atomic():
        current, _created = AlertSettings.objects.select_for_update().get_or_create(unit=unit)
        before = snapshot(current, ALERT_SETTINGS_FIELDS)
        current.enabled = enabled
        current.sms_numbers = list(sms_numbers)
        current.email_addresses = list(email_addresses)
        current.updated_by = actor.user
        current.save()
        changes = diff(before, snapshot(current, ALERT_SETTINGS_FIELDS))
        if changes:
            admin_change_record(
                actor=actor,
                organization=unit.organization,
                action=AdminAction.UPDATE,
                target=current,
                changes=changes,
            )
    return current


ESCALATION_FIELDS = ["enabled", "delay_hours"]


def escalation_settings_update(
    *, actor: Actor, organization: Organization, enabled: bool, delay_hours: int
) -> EscalationSettings:
    """Whether (and how long after the cut-off) the manager of a unit is told of its stuck
    deliveries; the change goes into the administrative history."""
    require(can_edit_escalation(actor.user, organization.pk))
    with transaction.atomic():
        current, _created = EscalationSettings.objects.select_for_update().get_or_create(
            organization=organization
        )
        before = snapshot(current, ESCALATION_FIELDS)
        current.enabled = enabled
        current.delay_hours = delay_hours
        current.updated_by = actor.user
        current.save()
        changes = diff(before, snapshot(current, ESCALATION_FIELDS))
        if changes:
            admin_change_record(
                actor=actor,
                organization=organization,
                action=AdminAction.UPDATE,
                target=current,
                changes=changes,
            )
    return current
