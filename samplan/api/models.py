"""Integrating systems (record systems that call /api/v1/), their idempotency keys and rates.

An `IntegrationClient` belongs to one organisation and acts only for the units it is given.
Its token is shown once when made (or rotated) and stored only as a SHA-256 hash: the token
is 32 random bytes, so a fast hash is enough (there is nothing to guess), and a lookup by
hash is one indexed query.

Every client acts through its own service user (`service_user`): a `User` that cannot log
in (no usable password, login method password, never given a session) and holds the role
`user` in exactly the client's units. So the existing need-to-know accessors and services
(which check memberships) decide for the API as they do for a person, and every access-log
row and every message names the service user; the log row also names the client and the
person's HSA-id when the caller gives one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    INBOX_READ = "inbox:read", _("Read the change feed, messages and cases")
    MESSAGES_SEND = "messages:send", _("Register stays and send messages")
    DELIVERIES_ACKNOWLEDGE = "deliveries:acknowledge", _("Acknowledge deliveries")
    REGISTER_WRITE = "register:write", _("Replace patient filters and residence lists")
    SIP = "sip", _("Coordinated individual plans")
    FHIR_READ = "fhir:read", _("FHIR export")


class IntegrationClient(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=100)
    units = models.ManyToManyField(
        "organizations.Unit", verbose_name=_("units it may act for"), related_name="+"
    )
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("valid until"))
    # SHA-256 (hex) of the token; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    # The token's first characters, to tell tokens apart in the list (not a secret).
    token_prefix = models.CharField(_("token begins with"), max_length=12)
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration_client"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Webhooks (optional): new deliveries to the client's units are POSTed here, signed
    # with HMAC-SHA256 under `webhook_secret` (samplan.api.webhooks).
    webhook_url = models.URLField(_("webhook address"), max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, blank=True)
    rotated_at = models.DateTimeField(_("token rotated"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("integrating system")
        verbose_name_plural = _("integrating systems")

    def __str__(self) -> str:
        return self.name

    @property
    def log_label(self) -> str:
        """How the access log names the client: its id and name."""
        return f"{self.pk}:{self.name}"[:120]

    def is_usable(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class IdempotencyRecord(models.Model):
    """The first answer to a POST/PUT with an `Idempotency-Key`, replayed for a repeat.

    Written in the same transaction as the operation's own writes, so a concurrent repeat
    waits on the unique index until the first commits, then replays its answer.
    """

    client = models.ForeignKey(IntegrationClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # SHA-256 of method, path, unit header and body: the same key with another request is 409.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_client_key_unique")
        ]
        indexes = [
            # Removing a client's expired keys (client_id = %s AND created_at < %s).
            models.Index(fields=["client", "created_at"], name="idempotency_client_at_idx"),
        ]

    def __str__(self) -> str:
        return self.key


class WebhookEvent(models.Model):
    """One event for one client: a new delivery to one of its units. Sent at least once
    (the receiver drops duplicates by `id`), retried with backoff until delivered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(IntegrationClient, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.CASCADE, related_name="+")
    delivery_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            # The retry sweep: events still to send whose time has come
            # (delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= %s).
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(delivered_at__isnull=True, gave_up_at__isnull=True),
                name="webhookevent_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class RateWindow(models.Model):
    """Requests a client made in one minute: the per-client rate limit (429)."""

    client = models.ForeignKey(IntegrationClient, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "minute"], name="ratewindow_client_minute")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.minute:%H:%M} {self.count}"
