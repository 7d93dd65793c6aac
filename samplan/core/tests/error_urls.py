"""URLs for the error-page tests: the project's, plus views that fail on purpose."""

from django.db import OperationalError, connection, transaction
from django.urls import path

from samplan.urls import handler400, handler403, handler404, handler500, urlpatterns


def _fails(request):
    raise RuntimeError("a bug")


def _database_fails(request):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def _query_fails(request):
    """A query that fails with the database up: cancelled by statement_timeout on PostgreSQL
    (an OperationalError with a SQLSTATE), a plain OperationalError on SQLite."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1")
            cursor.execute("SELECT pg_sleep(1)")
    raise OperationalError("no such table: x")


urlpatterns = [
    *urlpatterns,
    path("test-fel/", _fails),
    path("test-databas/", _database_fails),
    path("test-fraga/", _query_fails),
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
