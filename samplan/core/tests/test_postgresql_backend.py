"""samplan.core.postgresql: times and JSON read by psycopg's compiled loaders, the same values
as Django's own loaders give."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test import override_settings

from samplan.core.postgresql.base import compiled_loaders_apply

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the backend is PostgreSQL's"
)


def test_the_compiled_loaders_apply_only_to_utc_connections_with_use_tz() -> None:
    assert compiled_loaders_apply(datetime.UTC)
    assert not compiled_loaders_apply(zoneinfo.ZoneInfo("Europe/Stockholm"))
    assert not compiled_loaders_apply(None)
    with override_settings(USE_TZ=False):
        assert not compiled_loaders_apply(datetime.UTC)


@on_postgresql
@pytest.mark.django_db
def test_times_come_back_in_utc_as_django_gives_them() -> None:
    from psycopg.pq import Format

    from samplan.core.postgresql.base import _CompiledTimestamptzLoader

    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(
        connection.connection.adapters.types["timestamptz"].oid, Format.TEXT
    )
    assert loader is _CompiledTimestamptzLoader
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::timestamptz, %s::timestamptz, NULL::timestamptz, %s::jsonb",
            ["2026-03-29 01:59:59.123456+01", "2026-10-25 02:30:00+02", '{"a": [1, "å"]}'],
        )
        winter, summer, nothing, document = cursor.fetchone()
    assert winter == datetime.datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=datetime.UTC)
    assert winter.tzinfo is datetime.UTC
    assert summer == datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC)
    assert summer.tzinfo is datetime.UTC
    assert nothing is None
    assert document == '{"a": [1, "å"]}'  # JSONField decodes it, as with Django's loader


@on_postgresql
@pytest.mark.django_db
def test_a_model_round_trips_its_time() -> None:
    from django.contrib.sessions.models import Session

    expires = datetime.datetime(
        2026, 12, 4, 23, 59, 1, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm")
    )
    Session.objects.create(session_key="k" * 32, session_data="", expire_date=expires)
    read = Session.objects.get(session_key="k" * 32).expire_date
    assert read == expires
    assert read.tzinfo is datetime.UTC
