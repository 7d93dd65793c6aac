"""`manage.py accesslog_purge --user NAME [--before YYYY-MM-DD] [--dry-run]`: the retention purge.

Removes access-log rows older than `--before` (default: today minus
settings.ACCESS_LOG_RETENTION_YEARS years, 5 unless configured), after checking that the
whole chain is intact: a broken chain is evidence and is never purged. The purge is itself
logged: a chained access-log row by the named operator that records the anchor (the seq and
hash of the last row removed), and an entry in the history of changes of every organisation
whose rows were removed. `--before` may not be later than the retention period allows.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samplan.auditlog import chain
from samplan.auditlog.access_log import AccessAction
from samplan.auditlog.models import AccessLogEntry, AdminAction, AdminChange
from samplan.core.localtime import start_of_local_day


def retention_cutoff(today: datetime.date) -> datetime.date:
    """The earliest date whose rows must be kept: today, the configured years ago."""
    years = settings.ACCESS_LOG_RETENTION_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


class Command(BaseCommand):
    help = "Remove access-log rows older than the retention period, keeping the chain verifiable."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user",
            required=True,
            help="Username of the operator running the purge (a superuser); it is logged.",
        )
        parser.add_argument(
            "--before",
            type=datetime.date.fromisoformat,
            help="Remove rows from before this date (Swedish local). Default: the retention "
            "period (ACCESS_LOG_RETENTION_YEARS) back from today.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only say what would be removed."
        )

    def handle(self, *args: object, **options: object) -> None:
        operator = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if operator is None or not operator.is_superuser:
            raise CommandError("--user must name an active superuser (the operator).")
        limit = retention_cutoff(timezone.localdate())
        before = options["before"] or limit
        if before > limit:
            raise CommandError(
                f"Rows from {limit} on are within the retention period "
                f"({settings.ACCESS_LOG_RETENTION_YEARS} years) and cannot be purged."
            )
        checked = chain.verify()
        if not checked.ok:
            raise CommandError(
                f"The chain is broken at row id {checked.broken_id} ({checked.reason}); "
                "nothing was purged. Investigate first: the broken rows are evidence."
            )
        plan = chain.purge_plan(start_of_local_day(before))
        if plan.rows == 0:
            self.stdout.write(f"Nothing to purge before {before}.")
            return
        if options["dry_run"]:
            self.stdout.write(
                f"Would remove {plan.rows} rows (seq up to {plan.through_seq}) before {before}."
            )
            return
        with transaction.atomic():
            removed, anchor_seq, anchor_hash = chain.purge(plan)
            chain.append(
                AccessLogEntry(
                    user=operator,
                    user_hsa_id=operator.hsa_id,
                    organization_id=operator.organization_id,
                    action=AccessAction.PURGE,
                    object_type="accesslog",
                    object_id=str(anchor_seq),
                    detail=f"before {before}; {removed} rows; anchor {anchor_seq}:{anchor_hash}",
                )
            )
            with translation.override(settings.LANGUAGE_CODE):
                described = _("Access log before %(date)s") % {"date": before.isoformat()}
            for organization_id, count in plan.per_organization.items():
                if organization_id is None:
                    continue
                AdminChange.objects.create(
                    actor=operator,
                    organization_id=organization_id,
                    action=AdminAction.PURGE,
                    target_type="accesslog",
                    target_id=str(anchor_seq),
                    target_repr=described,
                    changes={"purged_rows": [count, 0]},
                )
        self.stdout.write(
            f"Removed {removed} rows before {before}; the chain now starts after row "
            f"{anchor_seq} (anchor hash {anchor_hash})."
        )
