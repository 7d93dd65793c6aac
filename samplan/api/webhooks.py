"""Webhooks: when a delivery arrives in a unit, each integrating system that acts for the
unit and has a webhook address gets a small event, POSTed by the task worker after commit.

The event names no patient: `{"event_id", "type": "delivery.created", "unit": {...},
"delivery_id", "created_at"}`; the system fetches the message through the API (logged).
Headers: `X-Samplan-Event-Id`, `X-Samplan-Timestamp` (Unix seconds) and
`X-Samplan-Signature: sha256=<hex>`, the HMAC-SHA256 under the system's webhook secret of
`<timestamp>.<body>`. A 2xx answer delivers the event; anything else is tried again after
BACKOFF (1, 5, 30 minutes, 2 and 12 hours), then given up. At least once: the receiver
drops an `event_id` it has seen.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections import defaultdict

from django.db.models import F
from django.utils import timezone

from samplan.api.models import IntegrationClient, WebhookEvent
from samplan.messaging.models import Delivery

logger = logging.getLogger(__name__)

BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
)
TIMEOUT_SECONDS = 5


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def deliveries_created(delivery_ids: list[int]) -> list[WebhookEvent]:
    """The listener messaging calls after commit: one event per (system, new delivery)."""
    rows = list(Delivery.objects.filter(pk__in=delivery_ids).values_list("pk", "unit_id"))
    if not rows:
        return []
    through = IntegrationClient.units.through
    clients_by_unit: dict[int, list[int]] = defaultdict(list)
    for client_id, unit_id in (
        through.objects.filter(
            unit_id__in={unit_id for _, unit_id in rows},
            integrationclient__revoked_at__isnull=True,
            integrationclient__expires_at__gt=timezone.now(),
        )
        .exclude(integrationclient__webhook_url="")
        .values_list("integrationclient_id", "unit_id")
    ):
        clients_by_unit[unit_id].append(client_id)
    now = timezone.now()
    events = WebhookEvent.objects.bulk_create(
        WebhookEvent(
            client_id=client_id,
            unit_id=unit_id,
            delivery_id=pk,
            created_at=now,
            next_attempt_at=now,
        )
        for pk, unit_id in rows
        for client_id in clients_by_unit[unit_id]
    )
    if events:
        from samplan.api.tasks import webhook_send

        for event in events:
            webhook_send.enqueue(str(event.pk))
    return events


def webhook_deliver(event_id: str, *, now: datetime.datetime | None = None) -> str:
    """One attempt at sending the event; returns what happened."""
    now = now or timezone.now()
    event = (
        WebhookEvent.objects.select_related("client", "unit")
        .filter(pk=event_id, delivered_at__isnull=True, gave_up_at__isnull=True)
        .first()
    )
    if event is None:
        return "done"
    client = event.client
    if not client.is_usable(now) or not client.webhook_url:
        WebhookEvent.objects.filter(pk=event.pk).update(gave_up_at=now, last_error="client")
        return "dropped"
    body = json.dumps(
        {
            "event_id": str(event.pk),
            "type": "delivery.created",
            "unit": {"id": event.unit_id, "hsa_id": event.unit.hsa_id or None},
            "delivery_id": event.delivery_id,
            "created_at": event.created_at.isoformat(),
        }
    ).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (an http(s) URL checked by the form)
        client.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "samplan-webhooks/1",
            "X-Samplan-Event-Id": str(event.pk),
            "X-Samplan-Timestamp": timestamp,
            "X-Samplan-Signature": signature(client.webhook_secret, timestamp, body),
        },
    )
    error = ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as failure:
        status, error = failure.code, f"HTTP {failure.code}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        status, error = 0, str(failure)[:300]
    if 200 <= status < 300:
        WebhookEvent.objects.filter(pk=event.pk).update(
            delivered_at=now, attempts=F("attempts") + 1, last_error=""
        )
        return "delivered"
    attempts = event.attempts + 1
    if attempts > len(BACKOFF):
        WebhookEvent.objects.filter(pk=event.pk).update(
            attempts=attempts, gave_up_at=now, last_error=error or f"HTTP {status}"
        )
        logger.warning("webhook %s given up after %s attempts: %s", event.pk, attempts, error)
        return "gave up"
    retry_at = now + BACKOFF[attempts - 1]
    WebhookEvent.objects.filter(pk=event.pk).update(
        attempts=attempts, next_attempt_at=retry_at, last_error=error or f"HTTP {status}"
    )
    from samplan.api.tasks import webhook_send

    if webhook_send.get_backend().supports_defer:
        webhook_send.using(run_after=retry_at).enqueue(str(event.pk))
    # Otherwise (a backend that cannot wait) `manage.py api_webhooks_retry` sends it later.
    return "retry"


def webhooks_retry_due(*, now: datetime.datetime | None = None) -> int:
    """Send the events whose retry time has come (a lost task, or a backend that cannot
    wait); returns how many were tried."""
    now = now or timezone.now()
    due = list(
        WebhookEvent.objects.filter(
            delivered_at__isnull=True, gave_up_at__isnull=True, next_attempt_at__lte=now
        ).values_list("pk", flat=True)[:1000]
    )
    for event_id in due:
        webhook_deliver(str(event_id), now=now)
    return len(due)
