"""Hourly (deploy/samplan-deviation-reminders.timer): remind the handlers of deviations not
answered by their due date, once each."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from samplan.deviations.reminders import reminders_send


class Command(BaseCommand):
    help = "Remind deviation handlers of deviations not answered by their due date (once)."

    def handle(self, *args: object, **options: object) -> None:
        count = reminders_send()
        self.stdout.write(f"{count} deviation(s) reminded")
