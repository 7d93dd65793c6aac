"""Background work of messaging (django-tasks; `manage.py db_worker` runs it in production).

The send task is idempotent: the alert is claimed in the database before it is sent, so a
task run twice, or two workers at once, send one alert (samplan.messaging.alerts). A retry
repeats only the channel that failed.
"""

from __future__ import annotations

from django_tasks import task

from samplan.messaging.alerts import alert_deliver, alert_send_pending


@task()
def unit_alert_send(unit_id: int) -> str:
    """Send the unit's pending alert, unless one went out less than a window ago."""
    return alert_send_pending(unit_id=unit_id)


@task()
def unit_alert_retry(unit_id: int, channels: list[str], attempt: int) -> str:
    """Try again the channels (e-mail, SMS) that failed on the previous attempt."""
    return alert_deliver(unit_id=unit_id, channels=channels, attempt=attempt)
