"""Alerts (avisering): "New message in <unit> in samplan" by e-mail and SMS (domain.md §5).

Rules:
- Only units that asked for alerts (AlertSettings.enabled, with numbers or addresses) get any.
- Never any patient data, nor the kind of message: only the unit's name.
- Queued after commit (`alerts_queue`, called by the services that create deliveries), sent
  by the task worker (samplan.messaging.tasks), so a rolled-back send alerts nobody and a
  slow SMS gateway never slows a page.
- Coalesced: at most one alert per unit per ALERT_COALESCE_MINUTES (AlertState). Messages
  arriving within the window are told by one alert at its end.
- Retried: a channel (e-mail or SMS) that fails is tried again, with growing pauses, up to
  MAX_ATTEMPTS times; the unit's Avisering page shows the last failure.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samplan.messaging.models import AlertSettings, AlertState
from samplan.messaging.sms import send_sms
from samplan.organizations.models import Unit

logger = logging.getLogger(__name__)

EMAIL = "email"
SMS = "sms"
CHANNELS = (EMAIL, SMS)
MAX_ATTEMPTS = 5


def coalesce_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.ALERT_COALESCE_MINUTES)


def retry_delay(attempt: int) -> datetime.timedelta:
    """Pause before attempt `attempt + 1`: 1, 2, 4, 8 minutes."""
    return datetime.timedelta(minutes=2 ** (attempt - 1))


def alert_text(unit: Unit) -> str:
    """The whole alert: the unit's name and nothing else (no patient, no message type)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("New message in %(unit)s in samplan") % {"unit": unit.name}


def _alert_body(unit: Unit) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return "\n\n".join(
            [
                alert_text(unit),
                _("Log in to samplan to read and acknowledge it."),
                _(
                    "This alert contains no information about the patient. You get it because "
                    "your unit asked for alerts; the unit's users can change that under Alerts."
                ),
            ]
        )


def alerts_queue(*, unit_ids: Iterable[int]) -> None:
    """Ask for alerts to these units once the current transaction commits.

    Called by the services that create deliveries, inside their transaction. `robust`: a
    failing alert request is logged, it never turns a committed send into an error page.
    """
    ids = sorted(set(unit_ids))
    if ids:
        transaction.on_commit(lambda: alerts_request(unit_ids=ids), robust=True)


def _enqueue(
    task: object,
    *args: object,
    not_before: datetime.datetime | None,
    now: datetime.datetime,
    or_now: bool = False,
) -> bool:
    """Enqueue `task`, to run at `not_before` when that is later and the backend can wait.

    A backend that runs everything at once (the immediate backend of tests) cannot wait:
    with `or_now` (retries) the task runs at once; otherwise nothing is enqueued and False
    returned, and the alert stays pending until the next delivery after the window enqueues
    it again (see alerts_request).
    """
    if not_before is not None and not_before > now:
        if task.get_backend().supports_defer:
            task = task.using(run_after=not_before)
        elif not or_now:
            return False
    task.enqueue(*args)
    return True


def alerts_request(*, unit_ids: Sequence[int], now: datetime.datetime | None = None) -> list[int]:
    """Mark each unit that wants alerts as having one pending, and enqueue one send task per
    unit whose flag this call raised. A unit already pending is told by the task already
    waiting (coalescing), unless that has waited a whole window (a lost task, a stopped
    worker): then it is enqueued again; the claim in alert_send_pending keeps it to one.
    Returns the units a task was enqueued for.
    """
    from samplan.messaging.tasks import unit_alert_send

    now = now or timezone.now()
    wanted = list(
        AlertSettings.objects.filter(unit_id__in=unit_ids, enabled=True).values_list(
            "unit_id", flat=True
        )
    )
    if not wanted:
        return []
    AlertState.objects.bulk_create(
        [AlertState(unit_id=unit_id) for unit_id in wanted], ignore_conflicts=True
    )
    window = coalesce_window()
    enqueued = []
    for unit_id in wanted:
        raised = (
            AlertState.objects.filter(unit_id=unit_id)
            .filter(Q(pending=False) | Q(pending_since__lte=now - window))
            .update(pending=True, pending_since=now)
        )
        if not raised:
            continue
        last_sent = (
            AlertState.objects.filter(unit_id=unit_id)
            .values_list("last_sent_at", flat=True)
            .first()
        )
        not_before = last_sent + window if last_sent else None
        if _enqueue(unit_alert_send, unit_id, not_before=not_before, now=now):
            enqueued.append(unit_id)
    return enqueued


def alert_send_pending(*, unit_id: int, now: datetime.datetime | None = None) -> str:
    """The task's work: claim the unit's pending alert and send it.

    The claim is one conditional UPDATE (pending, and the last alert is a window old), so of
    two workers running this at once only one sends. Too early: come back at the window's end.
    """
    from samplan.messaging.tasks import unit_alert_send

    now = now or timezone.now()
    window = coalesce_window()
    claimed = (
        AlertState.objects.filter(unit_id=unit_id, pending=True)
        .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - window))
        .update(pending=False, last_sent_at=now)
    )
    if not claimed:
        state = AlertState.objects.filter(unit_id=unit_id).first()
        if state is not None and state.pending and state.last_sent_at is not None:
            _enqueue(unit_alert_send, unit_id, not_before=state.last_sent_at + window, now=now)
            return "waiting"
        return "nothing"
    return alert_deliver(unit_id=unit_id, channels=CHANNELS, attempt=1, now=now)


def _send_email(addresses: Sequence[str], unit: Unit) -> None:
    # One message per address: the unit's receivers do not see each other's addresses.
    connection = get_connection()
    connection.send_messages(
        [
            EmailMessage(subject=alert_text(unit), body=_alert_body(unit), to=[address])
            for address in addresses
        ]
    )


def alert_deliver(
    *,
    unit_id: int,
    channels: Sequence[str],
    attempt: int,
    now: datetime.datetime | None = None,
) -> str:
    """Send the alert on `channels`; a failing channel is retried by a later task."""
    from samplan.messaging.tasks import unit_alert_retry

    now = now or timezone.now()
    wish = AlertSettings.objects.select_related("unit").filter(unit_id=unit_id).first()
    if wish is None or not wish.enabled:
        return "not wanted"
    failed: list[str] = []
    errors: list[str] = []
    if EMAIL in channels and wish.email_addresses:
        try:
            _send_email(wish.email_addresses, wish.unit)
        except Exception as error:
            failed.append(EMAIL)
            errors.append(f"e-mail: {type(error).__name__}: {error}")
    if SMS in channels and wish.sms_numbers:
        try:
            send_sms(wish.sms_numbers, alert_text(wish.unit))
        except Exception as error:
            failed.append(SMS)
            errors.append(f"SMS: {type(error).__name__}: {error}")
    if not failed:
        AlertState.objects.filter(unit_id=unit_id).update(last_error="", last_failed_at=None)
        return "sent"
    message = "; ".join(errors)[:300]
    AlertState.objects.filter(unit_id=unit_id).update(last_error=message, last_failed_at=now)
    if attempt >= MAX_ATTEMPTS:
        logger.error("Alert to unit %s failed %s times, giving up: %s", unit_id, attempt, message)
        return "failed"
    logger.warning(
        "Alert to unit %s failed (attempt %s), will retry: %s", unit_id, attempt, message
    )
    _enqueue(
        unit_alert_retry,
        unit_id,
        failed,
        attempt + 1,
        not_before=now + retry_delay(attempt),
        now=now,
        or_now=True,
    )
    return "retrying"
