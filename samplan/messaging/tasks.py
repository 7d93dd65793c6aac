"""Background work of messaging (django-tasks; `manage.py task_worker` runs it in production).

The send task is safe to run again: the alert is claimed in the database before it is sent and
recorded as sent only after the send succeeded, so a task run twice, or two workers at once,
send one alert, and a task whose worker died is run again and sends it (samplan.messaging.alerts).
A retry repeats only the channel that failed, under the same id.
"""

from __future__ import annotations

from django_tasks import task

from samplan.messaging.alerts import alert_deliver, alert_send_pending


@task()
def unit_alert_send(unit_id: int) -> str:
    """Send the unit's pending alert, unless one went out less than a window ago."""
    return alert_send_pending(unit_id=unit_id)


@task()
def unit_alert_retry(unit_id: int, sending_id: str, attempt: int) -> str:
    """Try again the channels (e-mail, SMS) of send `sending_id` that have not gone out."""
    return alert_deliver(unit_id=unit_id, sending_id=sending_id, attempt=attempt)
