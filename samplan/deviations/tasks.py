"""Background work of deviations (django-tasks; `manage.py task_worker` runs it)."""

from __future__ import annotations

from django_tasks import task

from samplan.deviations.reminders import reminders_send


@task()
def deviation_reminders_send() -> int:
    """Reminders of deviations not answered by their due date (idempotent)."""
    return reminders_send()
