"""Background work of provider takeovers (django-tasks; `manage.py task_worker` runs it).

Idempotent: a takeover is carried out once whoever runs it, the task or the hourly command
(deploy/samplan-providers.timer runs `manage.py providers_run`).
"""

from __future__ import annotations

from django_tasks import task

from samplan.providers.scheduled import scheduled_run


@task()
def providers_scheduled_run() -> dict[str, int]:
    """Takeovers whose date has come."""
    return scheduled_run()
