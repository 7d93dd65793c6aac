"""Background work of the API (django-tasks): sending webhook events."""

from __future__ import annotations

from django_tasks import task

from samplan.api.webhooks import webhook_deliver


@task()
def webhook_send(event_id: str) -> str:
    return webhook_deliver(event_id)
