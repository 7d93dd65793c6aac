"""`manage.py reports_refresh [--full]`: bring the report facts up to date.

Every report page does this itself for what changed since the last time; run it after a
deploy or an import of old cases (--full recomputes every case), or every few minutes from
a timer so that a report viewer never waits for a day's changes.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from samplan.reports.facts import refresh


class Command(BaseCommand):
    help = "Bring the facts the activity reports count up to date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Recompute every case.")

    def handle(self, *args: object, full: bool = False, **options: object) -> None:
        started = time.monotonic()
        done = refresh(full=full)
        self.stdout.write(f"Recomputed {done} cases in {time.monotonic() - started:.1f} s.")
