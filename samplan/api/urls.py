"""/api/v1/: every operation's view wrapped for idempotency keys (idempotency.py)."""

from django.urls import URLPattern

from samplan.api.idempotency import idempotent
from samplan.api.v1 import api

_patterns, _app, app_name = api.urls  # the namespace: api-v1

urlpatterns = [
    URLPattern(p.pattern, idempotent(p.callback), p.default_args, p.name)
    if isinstance(p, URLPattern)
    else p
    for p in _patterns
]
