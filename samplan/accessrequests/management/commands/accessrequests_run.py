"""manage.py accessrequests_run: the dated steps of access orders and reviews (run hourly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Carry out approved access orders whose date has come, start due access reviews, warn "
        "before unconfirmed roles end, end them after the grace period, and send the e-mails."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the task for the worker (task_worker) instead of running here.",
        )

    def handle(self, *args: object, **options: object) -> None:
        from samplan.accessrequests.tasks import access_scheduled_run

        if options["enqueue"]:
            result = access_scheduled_run.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        from samplan.accessrequests.notices import notices_send
        from samplan.accessrequests.scheduled import scheduled_run

        counts = scheduled_run()
        counts["notices"] = notices_send()
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
