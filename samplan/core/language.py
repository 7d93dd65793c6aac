"""The UI language: Swedish unless the user picked English at the foot of a page.

Django's LocaleMiddleware follows the browser's Accept-Language, so an en-US browser got an
English samplan although the product is Swedish first. This middleware reads only the user's
own choice (the language cookie that set_language writes) and otherwise uses LANGUAGE_CODE.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def chosen_language(request: HttpRequest) -> str:
    """The language the user chose, if samplan has it; else the default (Swedish)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in {code for code, _name in settings.LANGUAGES}:
        return chosen
    return settings.LANGUAGE_CODE


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        # Left active, as LocaleMiddleware does: a streamed export is rendered after this.
        return response
