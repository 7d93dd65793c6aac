"""What the markup written in Python (the hot template tags) shares: URLs reversed once.

Django's reverse() resolves a name, checks its arguments against the pattern and quotes
them: tens of microseconds, and a page of cells, rows or buttons asks for dozens of links.
Here each URL name is reversed once per process (and script prefix and URL configuration),
with numbered placeholders where its arguments go; a link is then a str.format.
"""

from __future__ import annotations

import functools

from django.urls import get_script_prefix, get_urlconf, reverse

# Numbers no id reaches in tests or the bench, replaced by {0}, {1}, ... in the pattern.
_SLOTS = (987654321, 987654322, 987654323)


def url_pattern(name: str, arguments: int = 0) -> str:
    """The path of URL `name` with `arguments` positional arguments as "{0}", "{1}", ...
    (unescaped). For ids and slugs only: the values are put in as they are, not quoted."""
    return _pattern(get_script_prefix(), get_urlconf(), name, arguments)


def reverse_once(name: str, *arguments: object) -> str:
    """reverse(name, args=arguments) for ids and slugs, the reverse done once per process."""
    return url_pattern(name, len(arguments)).format(*arguments)


@functools.cache
def _pattern(script_prefix: str, urlconf: str | None, name: str, arguments: int) -> str:
    slots = _SLOTS[:arguments]
    url = reverse(name, args=slots, urlconf=urlconf)
    for index, slot in enumerate(slots):
        url = url.replace(str(slot), f"{{{index}}}")
    return url
