"""manage.py sip_reminders: send the SIP reminders that are due (run hourly by the worker host)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from samplan.sip.reminders import follow_up_reminders_send, summons_reminders_send


class Command(BaseCommand):
    help = (
        "Send reminders to units that have not answered a SIP summons by the cut-off, and to "
        "the coordinator's unit when a finalised plan reaches its follow-up date."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the task for the worker (task_worker) instead of sending here.",
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["enqueue"]:
            from samplan.sip.tasks import send_sip_reminders

            result = send_sip_reminders.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        summons = summons_reminders_send()
        follow_up = follow_up_reminders_send()
        self.stdout.write(f"summons reminders: {summons}, follow-up reminders: {follow_up}")
