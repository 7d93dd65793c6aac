"""Test helpers for the access log, shared with the apps whose tests check logging."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.db import connection

from samplan.auditlog.access_log import access_log_record
from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor


def log_access(user: Any, unit: Any, patient: Any = None, action: str = "view", **fields: Any):
    """Write one access-log row as `user` acting for `unit` (time: now, or a frozen clock);
    returns it as stored (its column values while an appends_at_end() block holds it)."""
    actor = Actor(user=user, unit=unit, client_address=fields.pop("address", "10.0.0.1"))
    row = access_log_record(actor=actor, patient=patient, action=action, **fields)
    if "seq" not in row:  # inside chain.appends_at_end(): chained when the block ends
        return row
    return AccessLogEntry.objects.get(seq=row["seq"])


@contextmanager
def tampering():
    """A cursor for someone with full database access who switched the append-only trigger
    off, to show that the hash chain still catches what they do. Only inside a test's
    transaction: the trigger is back when the test's transaction rolls back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Triggers off for this transaction (what a database superuser can do).
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield cursor
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS auditlog_accesslog_append_only")
            yield cursor
