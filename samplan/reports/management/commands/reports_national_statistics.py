"""`manage.py reports_national_statistics [--month YYYY-MM]`: freeze a closed month's national
statistics (reports.national) for every region that has not had them counted yet.

Run from a timer on the 1st of each month (for the month just ended, the default), so the
figures are frozen before anyone asks; a month already frozen is left as it is (a recount is
the region's system administrator's, on the page).
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from samplan.organizations.models import Organization, OrganizationKind
from samplan.reports.facts import refresh
from samplan.reports.national import is_closed
from samplan.reports.services import current_snapshot, statistics_snapshot_for


class Command(BaseCommand):
    help = "Freeze a closed month's national statistics of days ready for discharge."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: the month just ended)")

    def handle(self, *args: object, month: str | None = None, **options: object) -> None:
        today = timezone.localdate()
        if month:
            try:
                first = datetime.datetime.strptime(month, "%Y-%m").date()
            except ValueError:
                raise CommandError("--month must be YYYY-MM") from None
        else:
            first = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        if not is_closed(first, today):
            raise CommandError(f"{first:%Y-%m} has not ended yet")
        refresh()
        made = 0
        for region in Organization.objects.filter(kind=OrganizationKind.REGION):
            if current_snapshot(region.pk, first) is None:
                statistics_snapshot_for(region=region, month=first)
                made += 1
        self.stdout.write(f"{first:%Y-%m}: froze the figures of {made} region(s).")
