"""`manage.py task_worker`: django-tasks-db's `db_worker`, plus a thread that runs again the
tasks a dead worker left running (samplan.core.tasks_recovery): at start, then every quarter
of TASK_TIMEOUT_SECONDS (at most a minute)."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django_tasks_db.management.commands import db_worker

from samplan.core.tasks_recovery import tasks_requeue_stale

logger = logging.getLogger(__name__)


def recovery_interval() -> float:
    return max(1.0, min(60.0, settings.TASK_TIMEOUT_SECONDS / 4))


def _recover_forever(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            tasks_requeue_stale()
        except DatabaseError:
            # The database is away (restart, failover): try again next round.
            logger.warning("Could not look for stale tasks; will try again", exc_info=True)
        finally:
            connection.close()
        stop.wait(recovery_interval())


class Command(db_worker.Command):
    help = "Run the task worker; tasks left running by a worker that died are run again."

    def handle(self, *args: object, **options: object) -> None:
        stop = threading.Event()
        thread = threading.Thread(
            target=_recover_forever, args=(stop,), name="stale-tasks", daemon=True
        )
        thread.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
