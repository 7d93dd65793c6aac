"""Background work of the addressing register (django-tasks; the database backend in
production, so `manage.py task_worker` runs it)."""

from __future__ import annotations

from django_tasks import task

from samplan.addressing.services import register_import_run


@task()
def run_register_import(import_id: str) -> None:
    """Import a checked file's good rows; idempotent (a second run finds nothing queued)."""
    register_import_run(import_id=import_id)
