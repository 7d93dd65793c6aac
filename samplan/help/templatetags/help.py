"""{% help_link "avdelning" "oversikt" %}: the link from a page to its section of the manual."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def help_link(slug: str, section: str) -> str:
    url = reverse("help:manual", args=[slug])
    return format_html(
        '<a class="help-link" href="{}#{}"><span aria-hidden="true">? </span>{}</a>',
        url,
        section,
        _("Help with this page"),
    )
