"""Error pages (400, 403, 404, 500, and 503 while the database is away), in the user's
language, and quiet logs for client errors.

The pages are stand-alone templates (core/errors/base.html): they render without the
database, so the 503 page can say what is wrong while PostgreSQL restarts.
"""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 30


def _page(template: str, status: int) -> HttpResponse:
    return HttpResponse(render_to_string(template), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("404.html", 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page("403_csrf.html", 403)


# PostgreSQL's states that mean the server cannot be used now: connection exceptions (08...),
# and shut down, crashed or starting up (57P01-57P03).
_UNREACHABLE_STATES = ("08", "57P01", "57P02", "57P03")


def database_unreachable(error: BaseException | None) -> bool:
    """Whether `error` means the database cannot be reached now, not that a query was wrong.

    PostgreSQL: a connection-level error (psycopg gives no SQLSTATE when it could not connect
    or lost the connection), or a state of `_UNREACHABLE_STATES`. Other databases (SQLite) say
    nothing so precise: the error is taken as unreachable when a fresh connection fails too.
    """
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    connection = connections["default"]
    if connection.vendor == "postgresql":
        state = getattr(error.__cause__, "sqlstate", None)
        unreachable = (
            isinstance(error, InterfaceError)
            or state is None
            or state.startswith(_UNREACHABLE_STATES)
        )
        if unreachable:
            connection.close()  # the next request connects afresh
        return unreachable
    try:
        connection.close()
        connection.ensure_connection()
    except DatabaseError:
        connection.close()
        return True
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After when the error is that the database is away."""
    if database_unreachable(sys.exc_info()[1]):
        response = _page("503.html", 503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _page("500.html", 500)


class ClientErrorsWithoutTraceback(logging.Filter):
    """django.request logs every 4xx with the exception's traceback (every 403 and 404 that a
    permission check raised). A client error is the client's, not a fault to debug: keep the
    one line (status, path) and drop the traceback. 500s keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", 500)
        # 503 is the database being away: its cause is known, and a traceback per request
        # while it restarts would bury everything else.
        if status < 500 or status == 503:
            record.exc_info = None
            record.exc_text = None
        return True
