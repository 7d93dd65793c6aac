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
- At least once: recorded as sent only after the send succeeded. Each send has an id (the
  SMS backend's `key`, the e-mail's Message-ID) that its retries keep; a send left by a worker
  that died is taken over when its lease (TASK_TIMEOUT_SECONDS) runs out, and the task worker
  (`manage.py task_worker`) runs again a task left running that long.
"""

from __future__ import annotations

import datetime
import logging
import uuid
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


def send_lease() -> datetime.timedelta:
    """How long a claimed send is held before another run may take it over: the worker that
    claimed it is taken to have died (TASK_TIMEOUT_SECONDS, longer than a gateway's timeout)."""
    return datetime.timedelta(seconds=settings.TASK_TIMEOUT_SECONDS)


def alert_send_pending(*, unit_id: int, now: datetime.datetime | None = None) -> str:
    """The task's work: claim the unit's pending alert and send it.

    The claim is one conditional UPDATE (pending, the last alert is a window old, and no send
    is under way), so of two workers running this at once only one sends. The claim names the
    send (`sending_id`) and holds it for a lease; nothing is recorded as sent until the send
    succeeded. A send whose lease ran out (its worker died) is taken over with the same id.
    Too early: come back at the window's end, or when the lease runs out.
    """
    from samplan.messaging.tasks import unit_alert_send

    now = now or timezone.now()
    window = coalesce_window()
    lease_until = now + send_lease()
    claimed = (
        AlertState.objects.filter(unit_id=unit_id, pending=True, sending_id__isnull=True)
        .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - window))
        .update(pending=False, sending_id=uuid.uuid4(), sending_until=lease_until, sending_done=[])
    )
    if not claimed:
        # A send left by a dead worker: take it over, keeping its id and what it had sent.
        claimed = AlertState.objects.filter(
            unit_id=unit_id, sending_id__isnull=False, sending_until__lte=now
        ).update(sending_until=lease_until)
        if claimed:
            logger.warning("Alert to unit %s: taking over a send left unfinished", unit_id)
    if not claimed:
        state = AlertState.objects.filter(unit_id=unit_id).first()
        if state is not None and state.sending_id is not None:
            _enqueue(unit_alert_send, unit_id, not_before=state.sending_until, now=now)
            return "in progress"
        if state is not None and state.pending and state.last_sent_at is not None:
            _enqueue(unit_alert_send, unit_id, not_before=state.last_sent_at + window, now=now)
            return "waiting"
        return "nothing"
    state = AlertState.objects.get(unit_id=unit_id)
    return alert_deliver(unit_id=unit_id, sending_id=str(state.sending_id), attempt=1, now=now)


def _send_email(addresses: Sequence[str], unit: Unit, key: str) -> None:
    # One message per address: the unit's receivers do not see each other's addresses. The
    # Message-ID comes from the send's id, so a repeated send is recognisable as the same.
    connection = get_connection()
    connection.send_messages(
        [
            EmailMessage(
                subject=alert_text(unit),
                body=_alert_body(unit),
                to=[address],
                headers={"Message-ID": f"<alert-{key}-{number}@samplan>"},
            )
            for number, address in enumerate(addresses)
        ]
    )


def alert_deliver(
    *,
    unit_id: int,
    sending_id: str,
    attempt: int,
    now: datetime.datetime | None = None,
) -> str:
    """Send the claimed alert `sending_id` on the channels not yet sent; record each channel
    after it succeeded and the alert as sent after all did. A failing channel is retried by a
    later task, under the same id."""
    from samplan.messaging.tasks import unit_alert_retry

    now = now or timezone.now()
    state = AlertState.objects.filter(unit_id=unit_id, sending_id=sending_id).first()
    if state is None:
        return "nothing"  # finished (or given up) by another run
    wish = AlertSettings.objects.select_related("unit").filter(unit_id=unit_id).first()
    if wish is None or not wish.enabled:
        _finish(unit_id, sending_id, sent_at=None)
        return "not wanted"
    done = list(state.sending_done)
    failed: list[str] = []
    errors: list[str] = []
    senders = {
        EMAIL: (
            wish.email_addresses,
            lambda: _send_email(wish.email_addresses, wish.unit, sending_id),
        ),
        SMS: (
            wish.sms_numbers,
            lambda: send_sms(wish.sms_numbers, alert_text(wish.unit), key=sending_id),
        ),
    }
    for channel in CHANNELS:
        receivers, send = senders[channel]
        if channel in done or not receivers:
            continue
        try:
            send()
        except Exception as error:
            failed.append(channel)
            label = "e-mail" if channel == EMAIL else "SMS"
            errors.append(f"{label}: {type(error).__name__}: {error}")
            continue
        done.append(channel)
        AlertState.objects.filter(unit_id=unit_id, sending_id=sending_id).update(sending_done=done)
    if not failed:
        _finish(unit_id, sending_id, sent_at=now)
        return "sent"
    message = "; ".join(errors)[:300]
    AlertState.objects.filter(unit_id=unit_id).update(last_error=message, last_failed_at=now)
    if attempt >= MAX_ATTEMPTS:
        logger.error("Alert to unit %s failed %s times, giving up: %s", unit_id, attempt, message)
        _finish(unit_id, sending_id, sent_at=None)
        return "failed"
    logger.warning(
        "Alert to unit %s failed (attempt %s), will retry: %s", unit_id, attempt, message
    )
    retry_at = now + retry_delay(attempt)
    # Held until the retry has had its time, so no other run takes it over meanwhile.
    AlertState.objects.filter(unit_id=unit_id, sending_id=sending_id).update(
        sending_until=retry_at + send_lease()
    )
    _enqueue(
        unit_alert_retry,
        unit_id,
        sending_id,
        attempt + 1,
        not_before=retry_at,
        now=now,
        or_now=True,
    )
    return "retrying"


def _finish(unit_id: int, sending_id: str, *, sent_at: datetime.datetime | None) -> None:
    """End the send `sending_id`: recorded as sent at `sent_at`, or given up when None."""
    fields: dict[str, object] = {"sending_id": None, "sending_until": None, "sending_done": []}
    if sent_at is not None:
        fields.update(
            last_sent_at=sent_at, last_sent_id=sending_id, last_error="", last_failed_at=None
        )
    AlertState.objects.filter(unit_id=unit_id, sending_id=sending_id).update(**fields)
