"""{% static %} with each file's URL worked out once per process: templates load this
library (`{% load static_once %}`) instead of Django's `static` (a test holds them to it).

Django's tag asks the storage for the URL on every use: with the manifest storage that is a
look-up of the hashed name and a URL join, about 50 µs, five times on every page (the icon,
the stylesheet, htmx and the inbox count's script) for URLs that cannot change while the
process runs: the manifest is read once, when the storage is made, and a new deploy starts new
processes. With DEBUG on (plain StaticFilesStorage, files edited while the server runs) and
for a storage replaced in tests (override_settings makes a new one), nothing is kept across.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import StaticNode, do_static, get_media_prefix, get_static_prefix
from django.utils.functional import empty

register = template.Library()

# (storage object, path) -> URL. The storage object is in the key, so a storage made anew
# (settings changed) never gets another's URLs; it stays small (the project's own files).
_urls: dict[tuple[object, str], str] = {}


class StaticOnceNode(StaticNode):
    @classmethod
    def handle_simple(cls, path: str) -> str:
        if settings.DEBUG:
            return super().handle_simple(path)
        storage = staticfiles_storage._wrapped  # `empty` until first used
        url = _urls.get((storage, path)) if storage is not empty else None
        if url is None:
            url = super().handle_simple(path)
            if len(_urls) > 512:  # never unbounded, whatever paths a template computes
                _urls.clear()
            _urls[(staticfiles_storage._wrapped, path)] = url
        return url


@register.tag("static")
def static_tag(parser: template.base.Parser, token: template.base.Token) -> StaticNode:
    """As django.templatetags.static's {% static %}, with StaticOnceNode."""
    node = do_static(parser, token)
    return StaticOnceNode(varname=node.varname, path=node.path)


register.tag("get_static_prefix", get_static_prefix)
register.tag("get_media_prefix", get_media_prefix)
