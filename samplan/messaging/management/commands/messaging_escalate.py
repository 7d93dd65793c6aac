"""manage.py messaging_escalate: tell unit managers of stuck messages (run every 15 minutes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from samplan.messaging.escalation import escalations_send


class Command(BaseCommand):
    help = (
        "Tell the manager of each unit whose messages are still not acknowledged the "
        "organisation's delay after their cut-off (once per message, by SMS and e-mail)."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = escalations_send()
        self.stdout.write(f"escalated deliveries: {count}")
