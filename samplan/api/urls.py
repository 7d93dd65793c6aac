"""/api/v1/: the views of operations that write wrapped for idempotency keys
(idempotency.py), for exactly the methods each path declares (so another method still gets
django-ninja's 405)."""

from collections.abc import Callable

from django.urls import URLPattern

from samplan.api.idempotency import idempotent
from samplan.api.v1 import api

_patterns, _app, app_name = api.urls  # the namespace: api-v1


def _methods(callback: Callable) -> set[str]:
    """The HTTP methods of the django-ninja path view behind `callback`."""
    for cell in getattr(callback, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations is not None:
            return {method.upper() for op in operations for method in op.methods}
    return set()


urlpatterns = [
    URLPattern(p.pattern, idempotent(p.callback, _methods(p.callback)), p.default_args, p.name)
    if isinstance(p, URLPattern)
    else p
    for p in _patterns
]
