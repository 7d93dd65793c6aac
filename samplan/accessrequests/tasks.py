"""Background work of access orders and reviews (django-tasks; `manage.py task_worker` runs it).

Both tasks are idempotent: notices are claimed before they are sent, and the scheduled steps
look at what is already done, so a task run twice, or the hourly command beside it
(deploy/samplan-access-orders.timer runs `manage.py accessrequests_run`), does nothing twice.
"""

from __future__ import annotations

from django_tasks import task

from samplan.accessrequests.notices import notices_send
from samplan.accessrequests.scheduled import scheduled_run


@task()
def access_notices_send() -> int:
    """The e-mails queued by orders, card hand-offs and reviews."""
    return notices_send()


@task()
def access_scheduled_run() -> dict[str, int]:
    """Orders due today, review rounds, warnings and automatic ends; then their e-mails."""
    result = scheduled_run()
    result["notices"] = notices_send()
    return result
