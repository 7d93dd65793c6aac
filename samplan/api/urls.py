"""/api/v1/: every view answers in the caller's language (Accept-Language: en, else
Swedish), and the views of operations that write are wrapped for idempotency keys
(idempotency.py), for exactly the methods each path declares (so another method still gets
django-ninja's 405)."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils import translation
from django.utils.translation import gettext as _

from samplan.api.idempotency import idempotent
from samplan.api.problems import ApiProblem, problem_response
from samplan.api.v1 import api

_patterns, _app, app_name = api.urls  # the namespace: api-v1


def _methods(callback: Callable) -> set[str]:
    """The HTTP methods of the django-ninja path view behind `callback`."""
    for cell in getattr(callback, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations is not None:
            return {method.upper() for op in operations for method in op.methods}
    return set()


def api_language(request: HttpRequest) -> str:
    """Swedish, or English when the caller's first choice in Accept-Language is English
    (the pages follow the user's own choice instead: samplan.core.language)."""
    first = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0]
    return "en" if first.strip().lower().startswith("en") else settings.LANGUAGE_CODE


def _has_nul(request: HttpRequest) -> bool:
    """NUL in the query or the body (raw, or escaped in JSON): PostgreSQL refuses it in any
    text, so it is refused here (400) before it reaches a query."""
    query = any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists())
    body = request.body if request.method in ("POST", "PUT", "PATCH") else b""
    return query or b"\x00" in body or b"\\u0000" in body


def _in_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        language = api_language(request)
        with translation.override(language):
            if _has_nul(request):
                response = problem_response(
                    ApiProblem("bad-request", _("A NUL character is never valid input."))
                )
            else:
                response = view(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    return wrapper


urlpatterns = [
    URLPattern(
        p.pattern,
        _in_language(idempotent(p.callback, _methods(p.callback))),
        p.default_args,
        p.name,
    )
    if isinstance(p, URLPattern)
    else p
    for p in _patterns
]
