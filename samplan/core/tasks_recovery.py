"""Tasks whose worker died: run them again.

django-tasks' database worker marks a task RUNNING when it takes it and never looks at it
again; a worker killed mid-task (kill -9, out of memory, a lost machine) leaves it RUNNING for
good. `tasks_requeue_stale` puts such a task back in the queue once it has run longer than
TASK_TIMEOUT_SECONDS, so the task worker (`manage.py task_worker`) runs it again. Every task
of samplan is safe to run twice (alerts are claimed and recorded as sent only after sending;
imports and reminders skip what is done).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def task_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.TASK_TIMEOUT_SECONDS)


def tasks_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Put tasks left RUNNING longer than the timeout back to READY; return how many."""
    now = now or timezone.now()
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lte=now - task_timeout()
    )
    ids = list(stale.values_list("id", flat=True))
    if not ids:
        return 0
    # The condition again in the UPDATE: a task that finished meanwhile stays finished.
    count = DBTaskResult.objects.filter(id__in=ids, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY
    )
    if count:
        logger.warning("Requeued %s task(s) left running by a worker that died: %s", count, ids)
    return count
