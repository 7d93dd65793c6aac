"""`manage.py accesslog_verify`: check the access log's hash chain from its anchor to its head.

Prints OK with the number of rows and the head's seq and hash (record that hash outside the
database, e.g. in the operations log, so a chain rewritten later no longer matches), or the
first broken row's id and why, and exits with status 1.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from samplan.auditlog.chain import verify


class Command(BaseCommand):
    help = "Verify the access log's hash chain; report the first broken row."

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        result = verify()
        seconds = time.monotonic() - started
        if not result.ok:
            where = (
                f"row id {result.broken_id} (seq {result.broken_seq})"
                if result.broken_id is not None
                else "the chain head"
            )
            raise CommandError(
                f"BROKEN at {where}: {result.reason}. {result.rows} rows before it were intact."
            )
        self.stdout.write(
            f"OK: {result.rows} rows intact (seq {result.anchor_seq + 1}–{result.head_seq}, "
            f"anchor {result.anchor_seq}), head hash {result.head_hash}, {seconds:.1f} s."
        )
