"""Reads from a PostgreSQL streaming replica, for the pages that read much and change nothing.

With `DATABASE_REPLICA_URL` set, settings.py adds the `replica` database alias and turns
`DATABASE_REPLICA_READS` on. Without it there is no replica alias and everything runs on
`default`, as before.

Only code that asks for it reads from the replica: a view wraps its heavy reads in
`replica_reads()` (the report pages' figures, the log search's rows). Who the user is and
what they may see is decided before that, on the primary, so a membership ended a moment
ago never lets a replica that lags behind show more. Everything else, every write and every
read outside such a block, is on the primary.

Inside a block the reads still go to the primary when

- the request is a write (POST, PUT, PATCH, DELETE), or the same browser sent one less than
  `DATABASE_REPLICA_PIN_SECONDS` ago (the `samplan_primary` cookie): a user who has just
  changed something sees the change, even if the replica has not replayed it yet;
- the code says so (`replica_reads(unless=...)`): e.g. a report page that has just brought
  the report facts up to date reads them back from where it wrote them;
- the read is inside a transaction on the primary: a transaction reads its own rows.

Access-log rows, written on every read of patient data, are not counted as the user's own
writes (else no page would ever read from the replica); a log search may therefore not yet
show the row of the search itself, as it may not show what other users did in the last
fraction of a second (the replica's lag, shown by `pg_stat_replication`).

The cookie only chooses which copy of the same data is read, under the same access checks:
a forged or removed cookie reads from the other copy and shows nothing more.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "samplan_primary"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# Whether the current request must read from the primary (set by
# PrimaryAfterWriteMiddleware), and whether the code running now has asked for replica reads.
# Context variables, so threads never share them.
_primary_request: ContextVar[bool] = ContextVar("samplan_primary_request", default=False)
_replica_wanted: ContextVar[bool] = ContextVar("samplan_replica_wanted", default=False)


def replica_enabled() -> bool:
    return bool(getattr(settings, "DATABASE_REPLICA_READS", False)) and REPLICA in connections


@contextmanager
def replica_reads(*, unless: bool = False) -> Iterator[None]:
    """Reads inside this block may go to the replica (see the module's docstring for when
    they do not); with `unless` true they stay on the primary (the caller has just written
    what it reads). Querysets evaluated after the block (e.g. by a template) read from the
    primary, so evaluate what should come from the replica inside it."""
    token = _replica_wanted.set(not unless)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def reads_on_primary() -> bool:
    """Whether the current request must read from the primary (it is, or follows, a write)."""
    return _primary_request.get()


class PrimaryReplicaRouter:
    """Django's database router: writes on `default`; reads on `replica` only inside
    `replica_reads()` and when nothing above forbids it."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        if (
            _replica_wanted.get()
            and replica_enabled()
            and not reads_on_primary()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        # Explicitly the primary, also for an object read from the replica: Django would
        # otherwise follow the object's own database for its related rows.
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        # Explicitly: Django would otherwise write an object back where it was read from.
        # (Not taken as a sign that the request wrote: locks and idempotent inserts come
        # here too, e.g. the report facts' state row on every report page.)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: its rows are the primary's rows.
        both = {obj1._state.db or DEFAULT_DB_ALIAS, obj2._state.db or DEFAULT_DB_ALIAS}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica replays the primary's migrations; it cannot run any itself.
        return False if db == REPLICA else None


def _pinned_by_cookie(request: HttpRequest) -> bool:
    try:
        until = int(request.COOKIES.get(PIN_COOKIE, ""))
    except ValueError:
        return False
    return until > time.time()


class PrimaryAfterWriteMiddleware:
    """A write request, and every request of the same browser for
    DATABASE_REPLICA_PIN_SECONDS after it, reads from the primary (the cookie carries the
    time until which, so it works whichever app server the next request reaches)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_enabled():
            return self.get_response(request)
        writes = request.method in WRITE_METHODS
        token = _primary_request.set(writes or _pinned_by_cookie(request))
        try:
            response = self.get_response(request)
        finally:
            _primary_request.reset(token)
        seconds = settings.DATABASE_REPLICA_PIN_SECONDS
        if writes and seconds:
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + seconds),
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
