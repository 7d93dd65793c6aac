"""manage.py providers_run: carry out the takeovers whose date has come (run hourly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Carry out planned provider takeovers whose date has come, each in one transaction."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the task for the worker (task_worker) instead of running here.",
        )

    def handle(self, *args: object, **options: object) -> None:
        from samplan.providers.tasks import providers_scheduled_run

        if options["enqueue"]:
            result = providers_scheduled_run.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        from samplan.providers.scheduled import scheduled_run

        counts = scheduled_run()
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
