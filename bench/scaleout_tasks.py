"""The harmless task bench/scaleout.py queues a thousand times: each run records its number and
the worker process that ran it, in a table only the scale-out run's private database has, so
that a task run twice, or never, shows in the count."""

from __future__ import annotations

import os

from django.db import connection
from django_tasks import task

RUNS_TABLE = "bench_task_run"
CREATE_RUNS_TABLE = (
    f"CREATE TABLE {RUNS_TABLE} (number integer NOT NULL, worker_pid integer NOT NULL, "
    "at timestamptz NOT NULL DEFAULT now())"  # no unique key: a second run must be countable
)


@task()
def record_run(number: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RUNS_TABLE} (number, worker_pid) VALUES (%s, %s)",
            [number, os.getpid()],
        )
    return number
