"""Response headers for every page, and input no page can take."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import add_never_cache_headers

from samplan.core.errors import bad_request

logger = logging.getLogger("django.request")

API_PREFIX = "/api/"


class NoStoreForUsersMiddleware:
    """Pages for a logged-in user may show patient data: no browser or proxy may keep them
    (`Cache-Control: no-store`), so a shared ward PC's cache holds nothing after logout."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        cache_control = response.get("Cache-Control", "")
        if user is not None and user.is_authenticated and "no-store" not in cache_control:
            add_never_cache_headers(response)
        return response


class RejectNulCharactersMiddleware:
    """A NUL character is never valid input, and PostgreSQL refuses it in any text (an error
    deep in a query). Refuse such a request at the door with the 400 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            # The integration API refuses NUL itself, as a problem document (samplan.api).
            return self.get_response(request)
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            logger.warning("Bad Request (NUL character in input): %s", request.path)
            return bad_request(request)
        return self.get_response(request)


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())
