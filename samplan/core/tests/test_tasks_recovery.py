"""Tasks left RUNNING by a worker that died go back to the queue after TASK_TIMEOUT_SECONDS."""

import datetime

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from samplan.core.tasks_recovery import tasks_requeue_stale
from samplan.sip.tasks import send_sip_reminders


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _running(started: datetime.datetime) -> DBTaskResult:
    result = send_sip_reminders.enqueue()
    DBTaskResult.objects.filter(id=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=started
    )
    return DBTaskResult.objects.get(id=result.id)


def test_a_task_running_past_the_timeout_is_queued_again(db, database_queue, settings):
    settings.TASK_TIMEOUT_SECONDS = 300
    now = timezone.now()
    stale = _running(now - datetime.timedelta(seconds=301))
    fresh = _running(now - datetime.timedelta(seconds=299))
    assert tasks_requeue_stale(now=now) == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == TaskResultStatus.READY
    assert fresh.status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.ready().get() == stale
    assert tasks_requeue_stale(now=now) == 0


def test_finished_tasks_stay_finished(db, database_queue):
    old = timezone.now() - datetime.timedelta(days=1)
    done = _running(old)
    DBTaskResult.objects.filter(id=done.id).update(status=TaskResultStatus.SUCCESSFUL)
    assert tasks_requeue_stale() == 0
    done.refresh_from_db()
    assert done.status == TaskResultStatus.SUCCESSFUL
