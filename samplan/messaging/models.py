"""Messages and their deliveries to units (domain.md §5, architecture.md "Messages").

A Message is immutable content with a stable UUID. Each receiving unit has one Delivery that
carries that unit's state (arrived, read, acknowledged by whom and when, forwarded, returned as
misaddressed, cancelled). Corrections and cancellations are new messages that refer to the
original; the original stays in history.

Messaging is a transport: a message knows its sender, its patient and its receivers, not the
process it belongs to. The processes (discharge cases, SIP plans) link their messages in their
own tables and tell messaging what it needs of them through samplan.messaging.threads.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.choices import ChoiceLabels
from samplan.core.message_types import MessageType
from samplan.organizations.models import Unit
from samplan.patients.models import Patient


class Message(ChoiceLabels, models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message_type = models.CharField(_("message type"), max_length=32, choices=MessageType.choices)
    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="messages"
    )
    sender_unit = models.ForeignKey(
        Unit, verbose_name=_("sent by unit"), on_delete=models.PROTECT, related_name="sent_messages"
    )
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="sent_messages",
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    # When the event really happened, if it was entered afterwards (downtime routine).
    occurred_at = models.DateTimeField(_("happened"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    # The message type's own fields (validated by its form), e.g. admission time, ward phone.
    content = models.JSONField(_("content"), default=dict, blank=True)
    refers_to = models.ForeignKey(
        "self",
        verbose_name=_("refers to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followups",
    )
    # Set once, when a cancellation message voids this one; the content never changes.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # The sender's key for this send: a double click, a resubmitted form or a retried API call
    # with the same key returns the first message instead of creating a second.
    idempotency_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["sender_user", "idempotency_key"], name="message_idempotency_unique"
            ),
        ]
        indexes = [
            # Skickade: a unit's sent messages, newest first.
            models.Index(fields=["sender_unit", "-sent_at"], name="message_sender_sent_idx"),
            # A patient's messages in time order (log extract).
            models.Index(fields=["patient", "sent_at"], name="message_patient_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_message_type_display()} {self.uuid}"

    @property
    def effective_time(self):
        """When the event happened: the late-entry time if given, else the send time."""
        return self.occurred_at or self.sent_at

    @property
    def entered_late(self) -> bool:
        return self.occurred_at is not None


class DeliveryState(models.TextChoices):
    NEW = "new", _("New")
    READ = "read", _("Read")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FORWARDED = "forwarded", _("Forwarded")
    RETURNED = "returned", _("Returned (misaddressed)")
    CANCELLED = "cancelled", _("Cancelled")


# States in which a delivery still waits for the receiving unit.
OPEN_STATES = (DeliveryState.NEW, DeliveryState.READ)


class Delivery(ChoiceLabels, models.Model):
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="deliveries")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="deliveries"
    )
    # Why the router (or the sender) chose this unit, kept as evidence.
    reason_code = models.CharField(max_length=32)
    reason_text = models.CharField(_("reason"), max_length=300)
    state = models.CharField(
        _("state"), max_length=20, choices=DeliveryState.choices, default=DeliveryState.NEW
    )
    arrived_at = models.DateTimeField(_("arrived"), default=timezone.now)
    # First cut-off after arrival (from the agreement's terms), stored so that "overdue" is an
    # indexed comparison instead of a computation per row.
    due_at = models.DateTimeField(_("answer by"))
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    forwarded_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="forwards"
    )
    handled_at = models.DateTimeField(null=True, blank=True)  # forwarded or returned
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.CharField(_("reason for return"), max_length=300, blank=True)
    # Why a super user or administrator forwarded a stuck delivery from the list of stuck
    # messages (the new delivery points back here through forwarded_from).
    forward_reason = models.CharField(_("reason for forwarding"), max_length=300, blank=True)
    # When the unit's manager was told that this delivery is stuck (escalation.py): once.
    escalated_at = models.DateTimeField(_("manager told"), null=True, blank=True)
    # When the delivery last changed (arrived, read, acknowledged, forwarded, returned,
    # cancelled): the API's change feed reads a unit's deliveries in (changed_at, id) order.
    # Every update of `state`/`read_at` in services.py sets it.
    changed_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        ordering = ["-arrived_at", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "unit"], name="delivery_message_unit_unique"
            ),
        ]
        indexes = [
            # Mottagna: a unit's deliveries newest first, optionally filtered by state.
            models.Index(fields=["unit", "-arrived_at"], name="delivery_unit_arrived_idx"),
            models.Index(fields=["unit", "state", "-arrived_at"], name="delivery_unit_state_idx"),
            # The API's change feed: a unit's deliveries changed after a cursor
            # (unit_id = %s AND (changed_at, id) > (%s, %s) ORDER BY changed_at, id).
            models.Index(fields=["unit", "changed_at", "id"], name="delivery_unit_changed_idx"),
            # Header badge "new count": unread deliveries of one unit.
            models.Index(fields=["unit"], condition=Q(state="new"), name="delivery_unit_new_idx"),
            # Overdue: open deliveries of a unit past their cut-off.
            models.Index(
                fields=["unit", "due_at"],
                condition=Q(state__in=["new", "read"]),
                name="delivery_unit_open_due_idx",
            ),
            # Stuck messages (access.stuck_deliveries): an organisation's open deliveries past
            # their cut-off, oldest cut-off first (state IN ('new', 'read') AND due_at < now
            # ORDER BY due_at), and the escalation run's open deliveries past cut-off + delay.
            models.Index(
                fields=["due_at"],
                condition=Q(state__in=["new", "read"]),
                name="delivery_open_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.unit}"

    def is_overdue(self, now=None) -> bool:
        """Unacknowledged past the first cut-off after arrival (domain.md §5).

        The cut-off instant itself is still in time, as for every deadline in
        samplan.discharge.deadlines (and `was_late` below): overdue once `now` is after it.
        """
        return self.state in OPEN_STATES and self.due_at < (now or timezone.now())

    @property
    def was_late(self) -> bool:
        return bool(self.acknowledged_at and self.acknowledged_at > self.due_at)


class UnitDeliveryCount(models.Model):
    """How many deliveries a unit has received, in every state: Mottagna's page count
    without counting the unit's deliveries on every page (a municipality's intake unit has
    tens of thousands, and its COUNT grows with the years kept).

    Kept by the services that create deliveries (samplan.messaging.counts, called by send,
    forward and return to the fallback inbox, in their transaction). Deliveries are never
    deleted and never change unit, and acknowledging, reading, cancelling or a takeover only
    change a delivery's state, so nothing else changes the total. A unit without a row (none
    received yet, or rows written outside the services) is counted the plain way.
    """

    unit = models.OneToOneField(Unit, primary_key=True, on_delete=models.CASCADE, related_name="+")
    received = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.received}"


class AlertSettings(models.Model):
    """Avisering: a unit's wish to be told by SMS and/or e-mail when messages arrive.

    The numbers and addresses are the unit's own (a shared mobile, a function mailbox),
    kept by the unit's users and the organisation's local administrators. Alerts never say
    anything about the message or the patient, only that the unit has new messages.
    """

    unit = models.OneToOneField(
        Unit,
        verbose_name=_("unit"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="alert_settings",
    )
    enabled = models.BooleanField(_("send alerts"), default=False)
    sms_numbers = models.JSONField(_("mobile numbers for SMS"), default=list, blank=True)
    email_addresses = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return str(self.unit)

    @property
    def has_receivers(self) -> bool:
        return bool(self.sms_numbers or self.email_addresses)


class AlertState(models.Model):
    """Where a unit's alerts stand, written by the web processes and the task workers.

    Coalescing: at most one alert per unit per ALERT_COALESCE_MINUTES. A new delivery sets
    `pending` (only the request that flips it from False enqueues a task); the task claims the
    alert with one conditional UPDATE (pending, the window has passed, no send under way), so
    two workers running at once cannot both send.

    At least once: the claim gives the send an id (`sending_id`) and a lease (`sending_until`);
    `last_sent_at` is written only after every channel has succeeded. A worker that dies
    mid-send leaves the lease to run out, and the next run takes the send over with the same
    id, so a gateway (and the e-mail Message-ID) can recognise the retry.
    """

    unit = models.OneToOneField(
        Unit, primary_key=True, on_delete=models.CASCADE, related_name="alert_state"
    )
    pending = models.BooleanField(default=False)
    pending_since = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last alert sent"), null=True, blank=True)
    # The last delivery attempt that failed, for the Avisering page; cleared when one succeeds.
    last_failed_at = models.DateTimeField(_("last failed attempt"), null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # The send under way: its id, until when it is held, and the channels already sent.
    sending_id = models.UUIDField(null=True, blank=True)
    sending_until = models.DateTimeField(null=True, blank=True)
    sending_done = models.JSONField(default=list, blank=True)
    last_sent_id = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.unit_id} pending={self.pending}"


class EscalationSettings(models.Model):
    """An organisation's wish that the manager of a unit be told (SMS and e-mail) when one of
    its deliveries is still not acknowledged `delay_hours` after its cut-off (escalation.py).

    Kept by the organisation's administrators on the list of stuck messages; off by default.
    """

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="escalation_settings",
    )
    enabled = models.BooleanField(_("tell the unit's manager"), default=False)
    delay_hours = models.PositiveSmallIntegerField(_("hours after the cut-off"), default=4)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("escalation settings")
        verbose_name_plural = _("escalation settings")

    def __str__(self) -> str:
        return str(self.organization)
