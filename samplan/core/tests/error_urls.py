"""URLs for the error-page tests: the project's, plus views that fail on purpose."""

from django.db import OperationalError
from django.urls import path

from samplan.urls import handler400, handler403, handler404, handler500, urlpatterns


def _fails(request):
    raise RuntimeError("a bug")


def _database_fails(request):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


urlpatterns = [
    *urlpatterns,
    path("test-fel/", _fails),
    path("test-databas/", _database_fails),
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
