"""{% help_link "avdelning" "oversikt" %}: the link from a page to its section of the manual."""

from __future__ import annotations

import functools

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samplan.core.markup import url_pattern

register = template.Library()


@register.simple_tag
def help_link(slug: str, section: str) -> SafeString:
    # The manual's slugs and sections are the templates' own words (no quoting needed).
    return _help_link(get_language(), url_pattern("help:manual", 1), slug, section)


@functools.lru_cache(maxsize=256)
def _help_link(language: str | None, pattern: str, slug: str, section: str) -> SafeString:
    """The link, made once per language, URL pattern and section (the hot pages show it on
    every view; reversing the URL and translating the words was a tenth of a millisecond).
    `language` is the cache key only: gettext translates in the active language."""
    return format_html(
        '<a class="help-link" href="{}#{}"><span aria-hidden="true">? </span>{}</a>',
        pattern.format(slug),
        section,
        _("Help with this page"),
    )
