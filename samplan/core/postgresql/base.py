"""Django's PostgreSQL backend, with timestamps read by psycopg's compiled loader.

Django registers a loader of its own for timestamptz, written in Python, so that every time
read comes back in the connection's time zone: it calls psycopg's loader and then replaces
the time zone. samplan's connections run in UTC (USE_TZ, no TIME_ZONE for the database):
psycopg's compiled loader then already returns times in datetime.timezone.utc, the same
values, and the Python step is pure cost. A list page reads about 150 times, which cost
about half a millisecond of CPU per page (bench/RESULTS.md, session 11). The jsonb loader,
which Django sets to psycopg's Python text loader, takes the compiled one for the same reason.

Where the database connection does not run in UTC, or psycopg's C extension is not
installed, Django's loaders stay as they are.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base

try:
    from psycopg import adapt, adapters
    from psycopg.pq import Format
except ImportError:  # psycopg2: Django's backend as it is
    adapters = None


class _CompiledTimestamptzLoader:
    """psycopg's compiled timestamptz loader, with the class attribute Django's backend reads
    (create_cursor compares `timezone` with the connection's before adding its own loader
    per cursor). A compiled class cannot be subclassed, so this class makes its instances."""

    format = Format.TEXT if adapters is not None else None
    timezone = datetime.UTC

    def __new__(cls, oid: int, context: Any = None) -> Any:
        return _compiled_loader("timestamptz")(oid, context)


@functools.cache
def _compiled_loader(type_name: str) -> type:
    """psycopg's own loader for the type (text format): compiled when the C extension is
    installed (psycopg[binary] or psycopg[c])."""
    return adapters.get_loader(adapters.types[type_name].oid, Format.TEXT)


def _is_compiled(loader: type) -> bool:
    return loader.__module__.startswith(("psycopg_binary", "psycopg_c"))


@functools.cache
def _with_compiled_loaders(template: Any) -> Any:
    """Django's adapters map for the connection, with the compiled loaders on top."""
    context = adapt.AdaptersMap(template)
    context.register_loader("timestamptz", _CompiledTimestamptzLoader)
    context.register_loader("jsonb", _compiled_loader("text"))
    return context


def compiled_loaders_apply(timezone: datetime.tzinfo | None) -> bool:
    """Whether a connection in `timezone` (Django's view of it) reads times as Django would
    with psycopg's compiled loader alone: UTC, USE_TZ, and the C extension installed."""
    return (
        adapters is not None
        and settings.USE_TZ
        and timezone is datetime.UTC
        and _is_compiled(_compiled_loader("timestamptz"))
        and _is_compiled(_compiled_loader("text"))
    )


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if "context" in params and compiled_loaders_apply(self.timezone):
            params["context"] = _with_compiled_loaders(params["context"])
        return params
